"""The glyph range file MapLibre loads from `glyphs` URLs: a small protobuf, encoded and decoded here.

Schema (mapbox/node-fontnik `proto/glyphs.proto`, the format MapLibre reads)::

    message glyph { uint32 id = 1; bytes bitmap = 2; uint32 width = 3; uint32 height = 4;
                    sint32 left = 5; sint32 top = 6; uint32 advance = 7; }
    message fontstack { string name = 1; string range = 2; repeated glyph glyphs = 3; }
    message glyphs { repeated fontstack stacks = 1; }

`bitmap` is (width + 6) × (height + 6) bytes of signed distance field (a 3-pixel buffer on each
side); glyphs without ink (the space) carry no bitmap. A protobuf library would be heavier than
these forty lines of varints.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Pixels of SDF padding around each glyph bitmap (MapLibre's SDF_BUFFER / fontnik's buffer).
GLYPH_BUFFER = 3


@dataclass(frozen=True, slots=True)
class Glyph:
    id: int
    width: int
    height: int
    left: int
    top: int
    advance: int
    bitmap: bytes = b""


@dataclass(frozen=True, slots=True)
class GlyphRange:
    fontstack: str
    start: int
    end: int
    glyphs: tuple[Glyph, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.start}-{self.end}"


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _field(number: int, wire_type: int) -> bytes:
    return _varint((number << 3) | wire_type)


def _bytes_field(number: int, payload: bytes) -> bytes:
    return _field(number, 2) + _varint(len(payload)) + payload


def encode_glyph(glyph: Glyph) -> bytes:
    out = _field(1, 0) + _varint(glyph.id)
    if glyph.bitmap:
        out += _bytes_field(2, glyph.bitmap)
    out += _field(3, 0) + _varint(glyph.width)
    out += _field(4, 0) + _varint(glyph.height)
    out += _field(5, 0) + _varint(_zigzag(glyph.left))
    out += _field(6, 0) + _varint(_zigzag(glyph.top))
    out += _field(7, 0) + _varint(glyph.advance)
    return out


def encode_range(glyph_range: GlyphRange) -> bytes:
    stack = _bytes_field(1, glyph_range.fontstack.encode("utf-8"))
    stack += _bytes_field(2, glyph_range.name.encode("ascii"))
    for glyph in glyph_range.glyphs:
        stack += _bytes_field(3, encode_glyph(glyph))
    return _bytes_field(1, stack)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs of one message: varints as int, length-delimited as bytes."""
    pos, out = 0, []
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = _read_varint(data, pos)
            out.append((number, value))
        elif wire_type == 2:
            size, pos = _read_varint(data, pos)
            out.append((number, data[pos:pos + size]))
            pos += size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type}")
    return out


def _unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def decode_range(data: bytes) -> GlyphRange:
    """The first fontstack of a glyph range file (the files here hold exactly one)."""
    stacks = [value for number, value in _fields(data) if number == 1 and isinstance(value, bytes)]
    if not stacks:
        raise ValueError("glyph range file holds no fontstack")
    name, range_name, glyphs = "", "", []
    for number, value in _fields(stacks[0]):
        if number == 1 and isinstance(value, bytes):
            name = value.decode("utf-8")
        elif number == 2 and isinstance(value, bytes):
            range_name = value.decode("ascii")
        elif number == 3 and isinstance(value, bytes):
            glyphs.append(_decode_glyph(value))
    start, _, end = range_name.partition("-")
    return GlyphRange(name, int(start), int(end), tuple(glyphs))


def _decode_glyph(data: bytes) -> Glyph:
    values: dict[int, int | bytes] = dict(_fields(data))
    ints = {k: v for k, v in values.items() if isinstance(v, int)}
    bitmap = values.get(2, b"")
    return Glyph(id=ints[1], width=ints.get(3, 0), height=ints.get(4, 0), left=_unzigzag(ints.get(5, 0)),
                 top=_unzigzag(ints.get(6, 0)), advance=ints.get(7, 0),
                 bitmap=bitmap if isinstance(bitmap, bytes) else b"")
