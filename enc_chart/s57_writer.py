"""Write a `Cell` to an S-57 base cell (`.000`) with GDAL's S57 writer.

GDAL's S57 driver writes records, not geometries: a feature record is only attributes plus
pointers (FSPT) to vector records, and each vector record (isolated node, connected node, edge)
is written from its own layer (`IsolatedNode`, `ConnectedNode`, `Edge`). So this module first
turns the cell's geometries into chain-node topology itself:

- a point feature → one isolated node; a sounding feature (all SOUNDG rows sharing one LNAM)
  → one isolated node holding the 3-D sounding array;
- lines and area rings → edges between connected nodes, cut at the junctions of the boundary
  network and shared between the features that run along them (`enc_chart.s57_topology`);
  exterior rings clockwise with usage 1, interior rings counter-clockwise with usage 2.

It then drives the S57 driver of the GDAL that pyogrio bundles through GDAL's C API (ctypes):
pyogrio's own writer cannot be used, because the S57 driver refuses `CreateLayer` (its layers
exist as soon as the file is created) and the linkage fields are integer lists. Last, the file
is patched in place (`_patch_attribute_encoding`): GDAL writes every attribute into ATTF as UTF-8,
but readers decode ATTF as ISO 8859-1, so national attributes (NOBJNM, NINFOM, …) are moved to
NATF in UCS-2 (DSSI NALL = 2) and the others re-encoded in ISO 8859-1 (AALL = 1).

May import: `enc_chart.cell`, `enc_chart.catalogue`, `enc_chart.s57_topology`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyogrio
import shapely

from enc_chart.catalogue import configure_gdal, object_class
from enc_chart.cell import Cell
from enc_chart.s57_topology import RCNM_VC, RCNM_VE, RCNM_VI, Topology

OFT_STRING_LIST = 5
IDENTITY = {"RCID", "PRIM", "GRUP", "OBJL", "RVER", "AGEN", "FIDN", "FIDS", "LNAM", "LNAM_REFS", "FFPT_RIND", "DEPTH"}


class S57WriteError(RuntimeError):
    pass


@contextmanager
def _gdal() -> Iterator[ctypes.CDLL]:
    """The GDAL library pyogrio runs on (bundled in its wheel, else the system's)."""
    configure_gdal()
    libs = Path(pyogrio.__file__).resolve().parent.parent / "pyogrio.libs"
    candidates = sorted(libs.glob("libgdal*.so*")) if libs.is_dir() else []
    name = str(candidates[0]) if candidates else ctypes.util.find_library("gdal")
    if not name:
        raise S57WriteError("找不到 GDAL 库 / cannot find the GDAL library pyogrio uses")
    lib = ctypes.CDLL(name)
    vp, cp, ci = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    sigs = {
        "GDALAllRegister": ([], None), "GDALGetDriverByName": ([cp], vp),
        "GDALCreate": ([vp, cp, ci, ci, ci, ci, ctypes.POINTER(cp)], vp), "GDALClose": ([vp], ci),
        "GDALDatasetGetLayerByName": ([vp, cp], vp), "OGR_L_GetLayerDefn": ([vp], vp),
        "OGR_FD_GetFieldIndex": ([vp, cp], ci), "OGR_FD_GetFieldDefn": ([vp, ci], vp), "OGR_Fld_GetType": ([vp], ci),
        "OGR_F_Create": ([vp], vp), "OGR_F_Destroy": ([vp], None), "OGR_F_SetFieldInteger": ([vp, ci, ci], None),
        "OGR_F_SetFieldDouble": ([vp, ci, ctypes.c_double], None), "OGR_F_SetFieldString": ([vp, ci, cp], None),
        "OGR_F_SetFieldIntegerList": ([vp, ci, ci, ctypes.POINTER(ci)], None),
        "OGR_F_SetFieldStringList": ([vp, ci, ctypes.POINTER(cp)], None),
        "OGR_G_CreateFromWkb": ([cp, vp, ctypes.POINTER(vp), ci], ci), "OGR_F_SetGeometryDirectly": ([vp, vp], ci),
        "OGR_L_CreateFeature": ([vp, vp], ci), "CPLGetLastErrorMsg": ([], cp), "CPLErrorReset": ([], None),
    }
    for fname, (args, res) in sigs.items():
        fn = getattr(lib, fname)
        fn.argtypes, fn.restype = args, res
    lib.GDALAllRegister()
    yield lib


def _strings(values: list[str]) -> ctypes.Array:
    return (ctypes.c_char_p * (len(values) + 1))(*[v.encode("utf-8") for v in values], None)


class _Writer:
    def __init__(self, lib: ctypes.CDLL, dataset: int) -> None:
        self.lib, self.ds = lib, dataset

    def fail(self, what: str) -> S57WriteError:
        message = (self.lib.CPLGetLastErrorMsg() or b"").decode("utf-8", "replace")
        return S57WriteError(f"S-57 写出失败 / S-57 write failed: {what}: {message}")

    def layer(self, name: str) -> tuple[int, int]:
        layer = self.lib.GDALDatasetGetLayerByName(self.ds, name.encode())
        if not layer:
            raise self.fail(f"GDAL 的 S-57 表中没有类 / no class {name} in GDAL's S-57 tables")
        return layer, self.lib.OGR_L_GetLayerDefn(layer)

    def create(self, layer_name: str, values: dict[str, object], wkb: bytes | None = None) -> None:
        layer, defn = self.layer(layer_name)
        feature = self.lib.OGR_F_Create(defn)
        try:
            for key, value in values.items():
                index = self.lib.OGR_FD_GetFieldIndex(defn, key.encode())
                if index < 0:
                    raise self.fail(f"{layer_name}: 无字段 / no field {key}")
                kind = self.lib.OGR_Fld_GetType(self.lib.OGR_FD_GetFieldDefn(defn, index))
                if isinstance(value, list) and all(isinstance(v, int) for v in value):
                    array = (ctypes.c_int * len(value))(*value)
                    self.lib.OGR_F_SetFieldIntegerList(feature, index, len(value), array)
                elif isinstance(value, list):
                    self.lib.OGR_F_SetFieldStringList(feature, index, _strings([str(v) for v in value]))
                elif isinstance(value, int):
                    self.lib.OGR_F_SetFieldInteger(feature, index, value)
                elif kind == OFT_STRING_LIST:
                    self.lib.OGR_F_SetFieldStringList(feature, index, _strings(str(value).split(",")))
                else:
                    self.lib.OGR_F_SetFieldString(feature, index, str(value).encode("utf-8"))
            if wkb is not None:
                geom = ctypes.c_void_p()
                if self.lib.OGR_G_CreateFromWkb(wkb, None, ctypes.byref(geom), len(wkb)) != 0:
                    raise self.fail(f"{layer_name}: 几何无效 / bad geometry")
                self.lib.OGR_F_SetGeometryDirectly(feature, geom)
            if self.lib.OGR_L_CreateFeature(layer, feature) != 0:
                raise self.fail(f"{layer_name}: 记录 / record {values.get('RCID')}")
        finally:
            self.lib.OGR_F_Destroy(feature)


def _attribute_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _features(cell: Cell, topo: Topology) -> list[tuple[str, dict[str, object]]]:
    """(class, field values) of every feature record, meta classes first, in RCID order."""
    records = []
    for acronym, frame in cell.layers.items():
        cls = object_class(acronym)
        if cls is None:
            raise S57WriteError(f"目录中没有物标类 / object class {acronym} is not in the catalogue")
        groups = frame.groupby("LNAM", sort=False) if acronym == "SOUNDG" else ((None, frame.iloc[[i]])
                                                                                for i in range(len(frame)))
        for _, rows in groups:
            first = rows.iloc[0]
            geom = rows.geometry.iloc[0]
            if acronym == "SOUNDG":  # one record, one 3-D sounding array
                geom = shapely.MultiPoint([(g.x, g.y, d) for g, d in zip(rows.geometry, rows["DEPTH"], strict=True)])
            values: dict[str, object] = {k: int(first[k]) for k in ("RCID", "PRIM", "GRUP", "OBJL", "AGEN", "FIDN",
                                                                        "FIDS")}
            values["LNAM"] = str(first["LNAM"])
            for acronym_attr in (c for c in frame.columns if c not in IDENTITY and c != frame.geometry.name):
                text = _attribute_text(first[acronym_attr])
                if text is not None:
                    values[acronym_attr] = text
            refs = _attribute_text(first["LNAM_REFS"]) if "LNAM_REFS" in frame.columns else None
            if refs:  # feature-to-feature relationships (FFPT), as GDAL's reader gives them
                values["LNAM_REFS"] = refs.split(",")
                values["FFPT_RIND"] = [int(float(v)) for v in str(first["FFPT_RIND"]).split(",")]
            records.append((acronym, values, cls.kind == "M", topo.add(geom)))
    links = topo.finish()
    for _, values, _, token in records:
        for i, name in enumerate(("NAME_RCNM", "NAME_RCID", "ORNT", "USAG", "MASK")):
            values[name] = [link[i] for link in links[token]]
    records.sort(key=lambda r: (not r[2], r[1]["RCID"]))
    return [(acronym, values) for acronym, values, _, _ in records]


def write_cell(cell: Cell, path: Path, *, vertical_datum: int = 31, sounding_datum: int = 31,
               compilation_scale: int = 10_000) -> Path:
    """Write `cell` to `path` (a `.000` named after the cell); nothing is left behind on failure."""
    path = Path(path)
    if path.suffix != ".000":
        raise S57WriteError(f"S-57 基础数据集文件应以 .000 结尾 / an S-57 base cell file ends in .000: {path}")
    if path.stem != cell.info.name:
        raise S57WriteError(f"文件名应为图幅名 / the file must be named after the cell: {cell.info.name}.000")
    topo = Topology()
    features = _features(cell, topo)
    issue = (cell.info.issue_date.strftime("%Y%m%d") if cell.info.issue_date else "")
    edition_date = cell.info.edition_date.strftime("%Y%m%d") if cell.info.edition_date else issue
    meta = sum(1 for acronym, _ in features if acronym.upper().startswith("M_"))
    # intended usage = the navigational purpose the cell name carries (CCPXXXXX), else 5 (harbour)
    purpose = cell.info.name[2] if len(cell.info.name) > 2 and cell.info.name[2].isdigit() else "5"
    options = {
        "S57_EXPP": "1", "S57_INTU": purpose, "S57_EDTN": str(cell.info.edition), "S57_UPDN": str(cell.info.update),
        "S57_UADT": edition_date, "S57_ISDT": issue, "S57_STED": "03.1", "S57_AGEN": str(cell.info.agency or 0),
        "S57_COMT": "OneMap S-57 export", "S57_AALL": "1", "S57_NALL": "2", "S57_NOMR": str(meta),
        "S57_NOGR": str(len(features) - meta), "S57_NOLR": "0", "S57_NOIN": str(len(topo.isolated)),
        "S57_NOCN": str(len(topo.connected)), "S57_NOED": str(len(topo.edges)), "S57_HDAT": "2",
        "S57_VDAT": str(vertical_datum), "S57_SDAT": str(sounding_datum), "S57_CSCL": str(compilation_scale),
        "S57_COMF": "10000000", "S57_SOMF": "10",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch_dir = Path(tempfile.mkdtemp(dir=path.parent, prefix=".s57-"))
    target = scratch_dir / path.name
    try:
        with _gdal() as lib:
            lib.CPLErrorReset()
            driver = lib.GDALGetDriverByName(b"S57")
            if not driver:
                raise S57WriteError("GDAL 缺少 S57 驱动 / GDAL has no S57 driver")
            opts = _strings([f"{k}={v}" for k, v in options.items()])
            dataset = lib.GDALCreate(driver, str(target).encode(), 0, 0, 0, 0, opts)
            if not dataset:
                raise _Writer(lib, 0).fail("创建 / create")
            writer = _Writer(lib, dataset)
            try:
                _write_records(writer, topo, features)
            finally:
                lib.GDALClose(dataset)
        _patch_attribute_encoding(target)
        os.replace(target, path)
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    return path


def _write_records(writer: _Writer, topo: Topology, features: list[tuple[str, dict[str, object]]]) -> None:
    for rcid, wkb in topo.isolated:
        writer.create("IsolatedNode", {"RCNM": RCNM_VI, "RCID": rcid}, wkb)
    for (x, y), rcid in topo.connected.items():
        writer.create("ConnectedNode", {"RCNM": RCNM_VC, "RCID": rcid}, struct.pack("<BIdd", 1, 1, x, y))
    for rcid, begin, end, wkb in topo.edges:
        writer.create("Edge", {"RCNM": RCNM_VE, "RCID": rcid, "NAME_RCNM_0": RCNM_VC, "NAME_RCID_0": begin,
                               "ORNT_0": 255, "USAG_0": 255, "TOPI_0": 1, "MASK_0": 255, "NAME_RCNM_1": RCNM_VC,
                               "NAME_RCID_1": end, "ORNT_1": 255, "USAG_1": 255, "TOPI_1": 2, "MASK_1": 255}, wkb)
    for acronym, values in features:
        writer.create(acronym, values)


# --- ISO 8211 patch: national attributes to NATF in UCS-2, the rest of ATTF in ISO 8859-1 ---------------------

FIELD_END, UNIT_END = b"\x1e", b"\x1f"
NATIONAL_CODES = frozenset({300, 301, 302, 303, 304})


def _split_record(data: bytes, at: int) -> tuple[list[tuple[bytes, bytes]], int]:
    """The (tag, field bytes) of the ISO 8211 record at `at`, and the offset of the next record."""
    length, base = int(data[at:at + 5]), int(data[at + 12:at + 17])
    size_len, size_pos, size_tag = int(data[at + 20:at + 21]), int(data[at + 21:at + 22]), int(data[at + 23:at + 24])
    entry = size_tag + size_len + size_pos
    fields, pos = [], at + 24
    while data[pos:pos + 1] != FIELD_END:
        tag = data[pos:pos + size_tag]
        flen = int(data[pos + size_tag:pos + size_tag + size_len])
        fpos = int(data[pos + size_tag + size_len:pos + entry])
        fields.append((tag, data[at + base + fpos:at + base + fpos + flen]))
        pos += entry
    return fields, at + length


def _join_record(leader: bytes, fields: list[tuple[bytes, bytes]]) -> bytes:
    size_len = max(len(str(max(len(f) for _, f in fields))), 1)
    size_pos = max(len(str(sum(len(f) for _, f in fields))), 1)
    directory, offset = b"", 0
    for tag, body in fields:
        directory += tag + str(len(body)).zfill(size_len).encode() + str(offset).zfill(size_pos).encode()
        offset += len(body)
    directory += FIELD_END
    base = 24 + len(directory)
    total = base + offset
    head = (str(total).zfill(5).encode() + leader[5:12] + str(base).zfill(5).encode() + leader[17:20]
            + f"{size_len}{size_pos}0{len(fields[0][0])}".encode())
    return head + directory + b"".join(body for _, body in fields)


def _attributes(body: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos < len(body) and body[pos:pos + 1] != FIELD_END:
        code = int.from_bytes(body[pos:pos + 2], "little")
        end = body.index(UNIT_END, pos + 2)
        out.append((code, body[pos + 2:end]))
        pos = end + 1
    return out


def _recode(fields: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    out = []
    for tag, body in fields:
        if tag != b"ATTF":
            out.append((tag, body))
            continue
        pairs = _attributes(body)
        latin, national = b"", b""
        for code, value in pairs:
            text = value.decode("utf-8")
            if code in NATIONAL_CODES:
                national += code.to_bytes(2, "little") + text.encode("utf-16-le") + b"\x1f\x00"
            else:
                try:
                    latin += code.to_bytes(2, "little") + text.encode("iso-8859-1") + UNIT_END
                except UnicodeEncodeError as exc:
                    raise S57WriteError(f"国际属性只能用 ISO 8859-1 字符，中文请写入国家语言属性 / international "
                                        f"attribute {code} must be ISO 8859-1 text (put Chinese in NOBJNM/NINFOM): "
                                        f"{text!r}") from exc
        if latin:
            out.append((b"ATTF", latin + FIELD_END))
        if national:
            out.append((b"NATF", national + b"\x1e\x00"))
    return out


def _patch_attribute_encoding(path: Path) -> None:
    data = path.read_bytes()
    _, first = _split_record(data, 0)  # the data descriptive record stays as GDAL wrote it
    parts, at = [data[:first]], first
    while at < len(data):
        fields, following = _split_record(data, at)
        if any(tag == b"ATTF" for tag, _ in fields):
            parts.append(_join_record(data[at:at + 24], _recode(fields)))
        else:
            parts.append(data[at:following])
        at = following
    path.write_bytes(b"".join(parts))
