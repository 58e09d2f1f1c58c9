"""Writing features to a GeoPackage layer: bulk insert, replace, delete — each one transaction.

Every write also bumps the layer's ``data_version``, logs the boxes it changed in the edit log
(``edits``), keeps the layer's extent and ``last_change`` in ``gpkg_contents`` current and appends
the write's audit record (``layers.protect.write_audit``), in the same transaction. Bulk inserts go through
the driver's ``executemany`` in chunks (geometry encoded vectorised) and report progress.
May import: sqlalchemy, shapely, numpy, layers.*, this package.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import batched
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa

from layers.errors import FeatureNotFound, InvalidFeature, LayerNotFound, VersionConflict
from layers.model import LayerDefinition
from layers.protect.write_audit import fid_detail, record_write
from layers.query import STORAGE_SRID, StoredFeature
from layers.stores.base import EditBox, FeatureRecord, Progress
from layers.stores.geopackage import edits
from layers.stores.geopackage import geometry as gpb
from layers.stores.geopackage.engine import writing
from layers.stores.geopackage.reader import STORAGE_OUTPUT, read_feature
from layers.stores.geopackage.schema import quote, rtree_name
from layers.stores.geopackage.values import format_datetime, to_db

CHUNK = 5_000
KIND = "geopackage"
Extent = tuple[float, float, float, float]  # minx, miny, maxx, maxy


def _now() -> str:
    return format_datetime(datetime.now(UTC))


def bump_data_version(conn: sa.Connection, layer: LayerDefinition) -> int:
    """The layer's new data version, bumped in the caller's transaction."""
    version = conn.execute(sa.text(
        "UPDATE onemap_layers SET data_version = data_version + 1, updated_at = :now WHERE id = :id "
        "RETURNING data_version"), {"now": _now(), "id": layer.id}).scalar()
    if version is None:
        raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")
    return int(version)


def _current_extent(conn: sa.Connection, table: str) -> Extent | None:
    row = conn.execute(sa.text("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = :t"),
                       {"t": table}).first()
    if row is None or None in tuple(row):
        return None
    return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


def _save_extent(conn: sa.Connection, table: str, extent: Extent | None) -> None:
    values = extent if extent is not None else (None, None, None, None)
    conn.execute(sa.text(
        "UPDATE gpkg_contents SET min_x = :a, min_y = :b, max_x = :c, max_y = :d, last_change = :now "
        "WHERE table_name = :t"),
        {"a": values[0], "b": values[1], "c": values[2], "d": values[3], "now": _now(), "t": table})


def _union(bounds: np.ndarray) -> Extent | None:
    """The union of the finite rows of an (n, 4) bounds array."""
    finite = bounds[np.isfinite(bounds).all(axis=1)]
    if finite.size == 0:
        return None
    return (float(finite[:, 0].min()), float(finite[:, 1].min()), float(finite[:, 2].max()), float(finite[:, 3].max()))


def _grow(extent: Extent | None, bounds: np.ndarray) -> Extent | None:
    """Extent ∪ the finite rows of an (n, 4) bounds array."""
    grown = _union(bounds)
    if grown is None:
        return extent
    if extent is None:
        return grown
    return (min(extent[0], grown[0]), min(extent[1], grown[1]), max(extent[2], grown[2]), max(extent[3], grown[3]))


def _touches_edge(extent: Extent | None, envelope: tuple[float, float, float, float] | None) -> bool:
    """Whether a removed geometry's envelope (minx, maxx, miny, maxy) lay on the extent's edge."""
    if envelope is None:
        return False
    if extent is None:
        return True
    minx, maxx, miny, maxy = envelope
    return minx <= extent[0] or miny <= extent[1] or maxx >= extent[2] or maxy >= extent[3]


def exact_extent(conn: sa.Connection, table: str) -> Extent | None:
    """The exact extent, found through the R-tree.

    The R-tree stores float32 bounds rounded outwards, monotonically; so the rows holding the
    smallest stored minx include the row with the smallest true minx (likewise for each side),
    and only those few rows are decoded.
    """
    t, r = quote(table), quote(rtree_name(table))
    parts = []
    for function, aggregate, column in (("ST_MinX", "min", "minx"), ("ST_MinY", "min", "miny"),
                                        ("ST_MaxX", "max", "maxx"), ("ST_MaxY", "max", "maxy")):
        parts.append(f"(SELECT {aggregate}({function}(geom)) FROM {t} WHERE fid IN "
                     f"(SELECT id FROM {r} WHERE {column} = (SELECT {aggregate}({column}) FROM {r})))")
    row = conn.exec_driver_sql(f"SELECT {', '.join(parts)}").one()
    if None in tuple(row):
        return None
    return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


_TYPE_IDS = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5, "MultiPolygon": 6}


def _check_geometries(layer: LayerDefinition, geometries: Sequence[Any]) -> np.ndarray:
    """The geometries as an array, after checking each is a shapely geometry of a type the layer takes."""
    array = np.asarray(geometries, dtype=object)
    try:
        kinds = shapely.get_type_id(array)
    except TypeError as exc:
        raise InvalidFeature(f"几何对象无效 / not a geometry: {exc}", field="geometry") from exc
    allowed = [_TYPE_IDS[name] for name in layer.geometry_type.accepts]
    bad = np.flatnonzero(~np.isin(kinds, allowed))
    if bad.size:
        index = int(bad[0])
        kind = getattr(geometries[index], "geom_type", None)
        raise InvalidFeature(f"第 {index + 1} 个要素几何类型错误 / feature {index + 1}: layer {layer.id} takes "
                             f"{layer.geometry_type.value}, got {kind}", field="geometry")
    return array


class _RowValues:
    """Turns a record's properties into the column values of one row, in field order."""

    def __init__(self, layer: LayerDefinition) -> None:
        self.layer = layer
        self.kinds = [(spec.name, spec.type) for spec in layer.fields]
        self.names = frozenset(layer.field_names)

    def __call__(self, record: FeatureRecord) -> list[Any]:
        properties = record.properties
        if not self.names.issuperset(properties):
            name = sorted(set(properties) - self.names)[0]
            raise InvalidFeature(f"图层 {self.layer.id} 没有字段 {name} / unknown property {name!r}", field=name)
        get = properties.get
        return [to_db(kind, get(name)) for name, kind in self.kinds]


def require_layer(conn: sa.Connection, layer: LayerDefinition) -> None:
    if conn.execute(sa.text("SELECT 1 FROM onemap_layers WHERE id = :i"), {"i": layer.id}).first() is None:
        raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")


def _next_fid(conn: sa.Connection, table: str) -> int:
    seq = conn.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}).scalar()
    top = conn.exec_driver_sql(f"SELECT max(fid) FROM {quote(table)}").scalar()
    return max(int(seq or 0), int(top or 0)) + 1


def insert(engine: sa.Engine, layer: LayerDefinition, records: Iterable[FeatureRecord],
           progress: Progress | None = None) -> list[int]:
    with integrity_errors(), writing(engine) as conn:
        require_layer(conn, layer)
        extent = _current_extent(conn, layer.id)
        fids, boxes, extent = insert_rows(conn, layer, records, extent, progress)
        if fids:
            version = bump_data_version(conn, layer)
            edits.record(conn, layer.id, version, boxes)
            _save_extent(conn, layer.id, extent)
            record_write(conn, KIND, layer.id, "insert", **fid_detail(fids), data_version=version)
    return fids


def insert_rows(conn: sa.Connection, layer: LayerDefinition, records: Iterable[FeatureRecord],
                extent: Extent | None, progress: Progress | None = None,
                done: int = 0) -> tuple[list[int], list[EditBox | None], Extent | None]:
    """Insert rows in the caller's write transaction (which checked the layer and bumps its data
    version); their fids, the chunks' boxes and `extent` grown by them. `progress` gets `done` + rows."""
    names = ", ".join(quote(spec.name) for spec in layer.fields)
    marks = ", ".join("?" for _ in layer.fields)
    sql = (f"INSERT INTO {quote(layer.id)} (fid, geom{', ' if names else ''}{names}, _version, _updated_at) "
           f"VALUES (?, ?{', ' if marks else ''}{marks}, 1, ?)")
    fids: list[int] = []
    boxes: list[EditBox | None] = []
    next_fid = _next_fid(conn, layer.id)
    now = _now()
    row_values = _RowValues(layer)
    for chunk in batched(records, CHUNK):
        geometries = _check_geometries(layer, [record.geometry for record in chunk])
        blobs = gpb.encode_many(geometries, STORAGE_SRID)
        rows = []
        for record, blob in zip(chunk, blobs, strict=True):
            fid = record.fid if record.fid is not None else next_fid
            if fid >= next_fid:
                next_fid = fid + 1
            fids.append(fid)
            rows.append((fid, blob, *row_values(record), now))
        conn.exec_driver_sql(sql, rows)
        bounds = shapely.bounds(geometries)
        extent = _grow(extent, bounds)
        boxes.append(_union(bounds))
        if progress is not None:
            progress(done + len(fids))
    return fids, boxes, extent


@contextmanager
def integrity_errors() -> Iterator[None]:
    """The database refusing a row (a duplicate fid, a constraint) → InvalidFeature; nothing was written."""
    try:
        yield
    except sa.exc.IntegrityError as exc:
        if "UNIQUE" in str(exc.orig) or "PRIMARY KEY" in str(exc.orig):
            raise InvalidFeature(f"要素编号重复，未写入任何要素 / duplicate feature id, nothing was written: "
                                 f"{exc.orig}", field="id") from exc
        raise InvalidFeature(f"数据库拒绝了要素，未写入任何要素 / the database rejected a feature, nothing "
                             f"was written: {exc.orig}", field="properties") from exc


def _locked_row(conn: sa.Connection, layer: LayerDefinition, fid: int,
                expected_version: int | None) -> tuple[int, bytes | None]:
    try:
        row = conn.exec_driver_sql(f"SELECT _version, geom FROM {quote(layer.id)} WHERE fid = ?", (fid,)).first()
    except sa.exc.OperationalError as exc:
        if "no such table" in str(exc.orig):
            raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}") from exc
        raise
    if row is None:
        raise FeatureNotFound(f"要素不存在 / no feature {fid} in collection {layer.id!r}")
    version = int(row[0])
    if expected_version is not None and expected_version != version:
        raise VersionConflict(
            f"要素已被他人修改（当前版本 {version}，请求版本 {expected_version}）/ feature {fid} was changed "
            f"(current version {version}, expected {expected_version})", current_version=version)
    return version, row[1]


def replace(engine: sa.Engine, layer: LayerDefinition, fid: int, record: FeatureRecord,
            expected_version: int | None = None) -> StoredFeature:
    _check_geometries(layer, [record.geometry])
    assignments = ", ".join(f"{quote(spec.name)} = ?" for spec in layer.fields)
    sql = (f"UPDATE {quote(layer.id)} SET geom = ?{', ' if assignments else ''}{assignments}, "
           f"_version = _version + 1, _updated_at = ? WHERE fid = ?")
    with writing(engine) as conn:
        _, old_blob = _locked_row(conn, layer, fid, expected_version)
        values = _RowValues(layer)(record)
        blob = gpb.encode(record.geometry, STORAGE_SRID)
        conn.exec_driver_sql(sql, (blob, *values, _now(), fid))
        old_envelope = None if old_blob is None else gpb.envelope(old_blob)
        new_box = None if record.geometry.is_empty else record.geometry.bounds
        version = bump_data_version(conn, layer)
        edits.record(conn, layer.id, version, [edits.from_envelope(old_envelope), new_box])
        extent = _current_extent(conn, layer.id)
        if _touches_edge(extent, old_envelope):
            extent = exact_extent(conn, layer.id)
        else:
            extent = _grow(extent, np.asarray([record.geometry.bounds], dtype=float))
        _save_extent(conn, layer.id, extent)
        record_write(conn, KIND, layer.id, "replace", **fid_detail([fid]), data_version=version,
                     expected_version=expected_version)
        return read_feature(conn, layer, fid, STORAGE_OUTPUT, rounded=False)


def delete(engine: sa.Engine, layer: LayerDefinition, fid: int, expected_version: int | None = None) -> None:
    with writing(engine) as conn:
        _, old_blob = _locked_row(conn, layer, fid, expected_version)
        conn.exec_driver_sql(f"DELETE FROM {quote(layer.id)} WHERE fid = ?", (fid,))
        old_envelope = None if old_blob is None else gpb.envelope(old_blob)
        version = bump_data_version(conn, layer)
        edits.record(conn, layer.id, version, [edits.from_envelope(old_envelope)])
        extent = _current_extent(conn, layer.id)
        if _touches_edge(extent, old_envelope):
            _save_extent(conn, layer.id, exact_extent(conn, layer.id))
        else:
            _save_extent(conn, layer.id, extent)
        record_write(conn, KIND, layer.id, "delete", **fid_detail([fid]), data_version=version,
                     expected_version=expected_version)


def delete_where_fids(engine: sa.Engine, layer: LayerDefinition, fids: Sequence[int]) -> int:
    wanted = sorted({int(fid) for fid in fids})
    deleted = 0
    boxes: list[EditBox | None] = []
    rtree = quote(rtree_name(layer.id))
    with writing(engine) as conn:
        require_layer(conn, layer)
        try:
            for chunk in batched(wanted, 10_000):
                marks = ", ".join("?" for _ in chunk)
                # the R-tree's float32 bounds are rounded outwards: a box at least as large as the features'
                box = conn.exec_driver_sql(f"SELECT min(minx), min(miny), max(maxx), max(maxy) FROM {rtree} "
                                           f"WHERE id IN ({marks})", chunk).one()
                boxes.append(edits.as_box(box))
                result = conn.exec_driver_sql(f"DELETE FROM {quote(layer.id)} WHERE fid IN ({marks})", chunk)
                deleted += result.rowcount
        except sa.exc.OperationalError as exc:
            if "no such table" in str(exc.orig):
                raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}") from exc
            raise
        if deleted:
            version = bump_data_version(conn, layer)
            edits.record(conn, layer.id, version, boxes)
            _save_extent(conn, layer.id, exact_extent(conn, layer.id))
            record_write(conn, KIND, layer.id, "delete_where_fids", **fid_detail(wanted), deleted=deleted,
                         data_version=version)
    return deleted
