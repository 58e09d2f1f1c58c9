"""A small ISO/IEC 8211 reader: enough to check a chart file's structure and read DSID and CATD.

An S-57 file (`.000`, `.001` …, `CATALOG.031`) is a data descriptive record (DDR: which fields
exist, their subfield labels and formats) followed by data records (DR). Each record is a 24-byte
leader, a directory (tag, length, position per field) ended by a field terminator, and the field
area. `read_module` walks every record and raises `CorruptCellError` naming the file and the
record (1-based, in file order; the DDR is "record 0") for anything GDAL would stumble over: a
truncated file, a leader or directory that is not numbers, a field outside its record, a field
without its terminator, a field tag the DDR does not define. Subfields are decoded on demand
(`Field.groups`), from the DDR's format controls (`A`, `I`, `R` text, `b1n`/`b2n` binary
integers, `B(n)` bit strings; fixed width or ended by the unit terminator).

`read_dsid(path)` and `read_catalogue(path)` are what the rest of the package uses.

May import: `enc_chart.errors`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from enc_chart.errors import CorruptCellError

FT = 0x1E  # field terminator
UT = 0x1F  # unit terminator
LEADER = 24
_FORMAT = re.compile(r"^([AIRSCBbX])(?:\((\d+)\)|(\d)(\d))?$")


@dataclass(frozen=True)
class FieldDefinition:
    tag: str
    name: str
    labels: tuple[str, ...]
    formats: tuple[str, ...]
    repeating: bool

    def decode(self, data: bytes) -> list[dict[str, Any]]:
        """The field's subfield values: one dict per repeat group (one for a non-repeating field)."""
        if data.endswith(bytes([FT])):
            data = data[:-1]
        labels = [label.lstrip("*") for label in self.labels]
        formats = list(self.formats)
        if len(formats) < len(labels):  # "(b11,A)" for "*ATTL!ATVL" etc.: formats match labels one to one
            formats += formats[-1:] * (len(labels) - len(formats))
        groups: list[dict[str, Any]] = []
        offset = 0
        while True:
            group: dict[str, Any] = {}
            for label, spec in zip(labels, formats, strict=False):
                group[label], offset = _subfield(spec, data, offset)
            groups.append(group)
            if not self.repeating or offset >= len(data) or not labels:
                return groups


@dataclass(frozen=True)
class Field:
    definition: FieldDefinition
    data: bytes

    @property
    def tag(self) -> str:
        return self.definition.tag

    def groups(self) -> list[dict[str, Any]]:
        return self.definition.decode(self.data)

    def first(self) -> dict[str, Any]:
        return self.groups()[0]


@dataclass(frozen=True)
class Record:
    number: int  # 1-based, in file order
    offset: int  # byte offset of the leader
    fields: tuple[Field, ...]

    def field(self, tag: str) -> Field | None:
        return next((f for f in self.fields if f.tag == tag), None)


@dataclass(frozen=True)
class Module:
    path: Path
    definitions: dict[str, FieldDefinition]
    records: tuple[Record, ...]

    def first(self, tag: str) -> Field | None:
        for record in self.records:
            found = record.field(tag)
            if found is not None:
                return found
        return None


@dataclass(frozen=True)
class Dsid:
    """The data-set identification of one S-57 file."""

    dsnm: str  # file name, e.g. "5I7IN230.000"
    edition: int  # EDTN
    update: int  # UPDN
    update_date: date | None  # UADT
    issue_date: date | None  # ISDT
    agency: int | None  # AGEN
    comment: str = ""


@dataclass(frozen=True)
class CatalogueEntry:
    """One CATD record of an exchange-set catalogue."""

    file: str  # as written, with '\\' folders turned into '/'
    long_name: str
    implementation: str  # BIN, ASC, TXT, XML …
    crc: str  # eight hex digits, or "" when not given


def read_module(path: Path) -> Module:
    """Every record of an ISO 8211 file, structure checked; raises `CorruptCellError`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorruptCellError(f"无法读取文件 {path} / cannot read {path}: {exc.strerror}", path=path) from exc
    reader = _Reader(path, raw)
    definitions = reader.ddr()
    return Module(path, definitions, tuple(reader.records(definitions)))


def read_dsid(path: Path) -> Dsid:
    """The DSID field of an S-57 base cell or update file (the whole file's structure is checked)."""
    module = read_module(path)
    dsid = module.first("DSID")
    if dsid is None:
        raise CorruptCellError(f"{path.name} 没有 DSID 字段，不是 S-57 数据文件 / {path.name} has no DSID field: "
                               "not an S-57 data file", path=path)
    values = dsid.first()
    return Dsid(dsnm=str(values.get("DSNM") or "").strip(), edition=_int(values.get("EDTN")) or 0,
                update=_int(values.get("UPDN")) or 0, update_date=_date(values.get("UADT")),
                issue_date=_date(values.get("ISDT")), agency=_int(values.get("AGEN")),
                comment=str(values.get("COMT") or "").strip())


def read_catalogue(path: Path) -> list[CatalogueEntry]:
    """The CATD records of a `CATALOG.031`."""
    module = read_module(path)
    if "CATD" not in module.definitions:
        raise CorruptCellError(f"{path.name} 没有 CATD 字段，不是交换集目录 / {path.name} has no CATD field: "
                               "not an exchange-set catalogue", path=path)
    entries = []
    for record in module.records:
        field = record.field("CATD")
        if field is None:
            continue
        values = field.first()
        entries.append(CatalogueEntry(file=str(values.get("FILE") or "").strip().replace("\\", "/"),
                                      long_name=str(values.get("LFIL") or "").strip(),
                                      implementation=str(values.get("IMPL") or "").strip(),
                                      crc=str(values.get("CRCS") or "").strip().upper()))
    return entries


class _Reader:
    def __init__(self, path: Path, raw: bytes) -> None:
        self.path = path
        self.raw = raw

    def fail(self, record: int, offset: int, zh: str, en: str) -> CorruptCellError:
        where_zh = "数据描述记录（DDR）" if record == 0 else f"第 {record} 条记录"
        where_en = "the data descriptive record (DDR)" if record == 0 else f"record {record}"
        return CorruptCellError(
            f"海图文件损坏：{self.path.name} {where_zh}（字节偏移 {offset}）：{zh} / corrupt chart file "
            f"{self.path.name}, {where_en} (byte offset {offset}): {en}", path=self.path, record=record)

    def _record(self, number: int, offset: int) -> tuple[int, list[tuple[str, bytes]]]:
        """(record length, [(tag, field data)]) of the record at `offset`."""
        leader = self.raw[offset:offset + LEADER]
        if len(leader) < LEADER:
            raise self.fail(number, offset, f"文件在记录头处截断（只剩 {len(leader)} 字节）",
                            f"file truncated inside the record leader ({len(leader)} of {LEADER} bytes)")
        text = leader.decode("latin-1")
        if not (text[0:5].isdigit() and text[12:17].isdigit() and text[20:22].isdigit() and text[23].isdigit()):
            raise self.fail(number, offset, f"记录头不是 ISO 8211 格式（{text!r}）",
                            f"record leader is not ISO 8211 ({text!r})")
        length, base = int(text[0:5]), int(text[12:17])
        size_len, size_pos, size_tag = int(text[20]), int(text[21]), int(text[23])
        if offset + length > len(self.raw):
            raise self.fail(number, offset, f"文件截断：记录长 {length} 字节，只剩 {len(self.raw) - offset} 字节",
                            f"file truncated: the record is {length} bytes long, only "
                            f"{len(self.raw) - offset} remain")
        if length < LEADER or not LEADER < base <= length or min(size_len, size_pos, size_tag) < 1:
            raise self.fail(number, offset, "记录头的长度或字段区地址无效",
                            "record leader gives an impossible length or field-area address")
        body = self.raw[offset:offset + length]
        if body[base - 1] != FT:
            raise self.fail(number, offset, "目录缺少字段结束符", "directory not ended by a field terminator")
        entry = size_tag + size_len + size_pos
        directory = body[LEADER:base - 1].decode("latin-1")
        if len(directory) % entry:
            raise self.fail(number, offset, "目录长度不是目录项长度的整数倍",
                            "directory length is not a whole number of entries")
        fields = []
        for start in range(0, len(directory), entry):
            item = directory[start:start + entry]
            tag, size, where = item[:size_tag], item[size_tag:size_tag + size_len], item[size_tag + size_len:]
            if not (size.isdigit() and where.isdigit()):
                raise self.fail(number, offset, f"目录项 {item!r} 不是数字", f"directory entry {item!r} is not numeric")
            first, end = base + int(where), base + int(where) + int(size)
            if int(size) < 1 or end > length:
                raise self.fail(number, offset, f"字段 {tag} 超出记录范围", f"field {tag} lies outside its record")
            data = body[first:end]
            # A field ends in the field terminator; text at lexical level 2 (UCS-2, e.g. NATF with
            # Chinese names) ends in the two-byte terminator 1E 00.
            if data[-1] != FT and data[-2:] != b"\x1e\x00":
                raise self.fail(number, offset, f"字段 {tag} 缺少字段结束符", f"field {tag} lacks its field terminator")
            fields.append((tag, data))
        return length, fields

    def ddr(self) -> dict[str, FieldDefinition]:
        length, fields = self._record(0, 0)
        if self.raw[6:7] != b"L":
            raise self.fail(0, 0, "第一条记录不是数据描述记录（记录头标识应为 L）",
                            "the first record is not an ISO 8211 data descriptive record (leader id is not L)")
        self.ddr_length = length
        control = int(self.raw[10:12]) if self.raw[10:12].isdigit() else 9  # field control length
        definitions = {}
        for tag, data in fields:
            if tag == "0000":
                continue
            parts = data[control:-1].split(bytes([UT]))
            name = parts[0].decode("latin-1")
            labels = tuple(p for p in parts[1].decode("latin-1").split("!") if p) if len(parts) > 1 else ()
            text = parts[2].decode("latin-1") if len(parts) > 2 else ""
            try:
                formats = tuple(_expand(text.strip()))
            except ValueError as exc:
                raise self.fail(0, 0, f"字段 {tag} 的格式控制无法解析：{exc}",
                                f"format controls of field {tag} cannot be parsed: {exc}") from exc
            repeating = data[:1] == b"2" or any(label.startswith("*") for label in labels)
            definitions[tag] = FieldDefinition(tag, name, labels, formats, repeating)
        return definitions

    def records(self, definitions: dict[str, FieldDefinition]) -> Iterator[Record]:
        offset, number = self.ddr_length, 0
        while offset < len(self.raw):
            number += 1
            if not self.raw[offset:offset + 5].isdigit() and self.raw[offset:].strip(b"\x00 \r\n\x1a") == b"":
                return  # padding at the end of the file
            length, fields = self._record(number, offset)
            parsed = []
            for tag, data in fields:
                definition = definitions.get(tag)
                if definition is None:
                    key = _key(parsed)
                    raise self.fail(number, offset, f"{key}字段 {tag!r} 未在数据描述记录中定义",
                                    f"{key}field {tag!r} is not defined in the data descriptive record")
                parsed.append(Field(definition, data))
            yield Record(number, offset, tuple(parsed))
            offset += length


def _key(fields: list[Field]) -> str:
    """"FRID RCID 12: " for a record whose key field was read, else ""."""
    for field in fields:
        if field.tag in ("FRID", "VRID", "DSID", "CATD"):
            try:
                return f"{field.tag} RCID {field.first().get('RCID')}: "
            except (ValueError, IndexError):
                return ""
    return ""


def _expand(text: str) -> list[str]:
    """Format controls "(b11,2A,R(4),2(b24))" → one spec per subfield: ["b11", "A", "A", "R(4)", "b24", "b24"]."""
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    items, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            items.append(current)
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    if current:
        items.append(current)
    out: list[str] = []
    for item in (i.strip() for i in items):
        match = re.match(r"^(\d*)(.*)$", item)
        assert match is not None
        count, spec = int(match.group(1) or 1), match.group(2)
        if spec.startswith("("):
            out.extend(_expand(spec) * count)
        elif _FORMAT.match(spec):
            out.extend([spec] * count)
        else:
            raise ValueError(f"unknown format {item!r}")
    return out


def _subfield(spec: str, data: bytes, offset: int) -> tuple[Any, int]:
    match = _FORMAT.match(spec)
    assert match is not None
    kind, width, binary_type, binary_width = match.groups()
    if kind == "b":
        size = int(binary_width)
        chunk = data[offset:offset + size]
        if len(chunk) < size:
            return None, len(data)
        return int.from_bytes(chunk, "little", signed=binary_type == "2"), offset + size
    if kind == "B":
        size = int(width or 0) // 8
        return data[offset:offset + size], offset + size
    if width is not None:
        chunk, offset = data[offset:offset + int(width)], offset + int(width)
    else:
        end = data.find(bytes([UT]), offset)
        end = len(data) if end < 0 else end
        chunk, offset = data[offset:end], end + 1
    text = chunk.decode("latin-1")
    if kind == "I":
        return _int(text), offset
    if kind == "R":
        try:
            return float(text), offset
        except ValueError:
            return None, offset
    return text, offset


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _date(value: Any) -> date | None:
    text = str(value or "").strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
