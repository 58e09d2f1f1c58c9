"""A protobuf reader for glyph range files, written apart from `styles/glyph_pbf.py` to check it."""

from __future__ import annotations

from typing import Any


def _messages(buf: bytes) -> list[tuple[int, Any]]:
    out, i = [], 0
    while i < len(buf):
        key, i = _uvarint(buf, i)
        tag, kind = divmod(key, 8)
        if kind == 0:
            value, i = _uvarint(buf, i)
        elif kind == 2:
            size, i = _uvarint(buf, i)
            value, i = buf[i:i + size], i + size
        else:
            raise AssertionError(f"glyph PBFs use varints and length-delimited fields only, got wire type {kind}")
        out.append((tag, value))
    return out


def _uvarint(buf: bytes, i: int) -> tuple[int, int]:
    value, shift = 0, 0
    while buf[i] & 0x80:
        value |= (buf[i] & 0x7F) << shift
        i, shift = i + 1, shift + 7
    return value | (buf[i] << shift), i + 1


def _signed(value: int) -> int:
    return -(value + 1) // 2 if value % 2 else value // 2


def decode_glyphs(buf: bytes) -> dict[str, Any]:
    """{'name', 'range', 'glyphs': {code point: {...}}} of the single fontstack in a range file."""
    (stack,) = [value for tag, value in _messages(buf) if tag == 1]
    doc: dict[str, Any] = {"glyphs": {}}
    for tag, value in _messages(stack):
        if tag == 1:
            doc["name"] = value.decode()
        elif tag == 2:
            doc["range"] = value.decode()
        elif tag == 3:
            fields = dict(_messages(value))
            doc["glyphs"][fields[1]] = {
                "bitmap": fields.get(2, b""), "width": fields[3], "height": fields[4],
                "left": _signed(fields[5]), "top": _signed(fields[6]), "advance": fields[7],
            }
    return doc
