"""GeoPackage 1.3 tables: the core (SRS, contents, geometry columns, extensions, schema extension),
the platform's own tables, and each layer's feature table with its R-tree index and triggers.

Every function takes an open SQLAlchemy connection inside the caller's transaction.
May import: sqlalchemy, pyproj, layers.model, this package's value types.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from pyproj import CRS

from layers.model import FieldSpec, FieldType, LayerDefinition
from layers.query import STORAGE_SRID
from layers.stores.geopackage import audit_schema, edits, workflow_schema
from layers.stores.geopackage.values import GPKG_TYPES

APPLICATION_ID = 0x47504B47  # 'GPKG'
USER_VERSION = 10300  # GeoPackage 1.3.0
RTREE_EXTENSION = "http://www.geopackage.org/spec130/#extension_rtree"
SCHEMA_EXTENSION = "http://www.geopackage.org/spec130/#extension_schema"

CORE_DDL = (
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '',
        last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT uk_gc_table_name UNIQUE (table_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_extensions (
        table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
        definition TEXT NOT NULL, scope TEXT NOT NULL,
        CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""",
    """CREATE TABLE IF NOT EXISTS gpkg_data_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT,
        description TEXT, mime_type TEXT, constraint_name TEXT,
        CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
        CONSTRAINT gdc_tn UNIQUE (table_name, name))""",
    """CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
        constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT,
        min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN,
        description TEXT,
        CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))""",
    """CREATE TABLE IF NOT EXISTS onemap_layers (
        id TEXT PRIMARY KEY NOT NULL, definition TEXT NOT NULL,
        data_version INTEGER NOT NULL DEFAULT 0, position INTEGER NOT NULL,
        updated_at DATETIME NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS onemap_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT)",
    *edits.DDL,
    *workflow_schema.DDL,
    *audit_schema.DDL,
)


PLATFORM_TABLES = (
    {"t": "onemap_layers", "i": "OneMap 图层注册表 / layer registry",
     "d": "每个图层一行：定义（JSON）、数据版本 / one row per layer: definition (JSON), data version"},
    {"t": "onemap_meta", "i": "OneMap 平台元数据 / platform metadata",
     "d": "注册表修订号等 / registry revision and other platform settings"},
    {"t": "onemap_edits", "i": "OneMap 编辑日志 / edit log",
     "d": "每次写入改动的范围，供瓦片缓存失效 / boxes changed by each write, for tile-cache invalidation"},
    *workflow_schema.PLATFORM_TABLES,
    *audit_schema.PLATFORM_TABLES,
)


def _srs_rows() -> list[dict[str, object]]:
    undefined = "undefined"
    return [
        {"srs_name": "Undefined cartesian SRS", "srs_id": -1, "organization": "NONE",
         "organization_coordsys_id": -1, "definition": undefined,
         "description": "undefined cartesian coordinate reference system"},
        {"srs_name": "Undefined geographic SRS", "srs_id": 0, "organization": "NONE",
         "organization_coordsys_id": 0, "definition": undefined,
         "description": "undefined geographic coordinate reference system"},
        {"srs_name": "WGS 84 geodetic", "srs_id": 4326, "organization": "EPSG",
         "organization_coordsys_id": 4326, "definition": CRS.from_epsg(4326).to_wkt("WKT1_GDAL"),
         "description": "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"},
        {"srs_name": "CGCS2000 / China Geodetic Coordinate System 2000", "srs_id": STORAGE_SRID,
         "organization": "EPSG", "organization_coordsys_id": STORAGE_SRID,
         "definition": CRS.from_epsg(STORAGE_SRID).to_wkt("WKT1_GDAL"),
         "description": "2000国家大地坐标系 (CGCS2000), longitude/latitude in decimal degrees"},
    ]


def create_core(conn: sa.Connection) -> None:
    """Create (idempotently) the GeoPackage core and platform tables and their fixed rows."""
    conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.exec_driver_sql(f"PRAGMA user_version = {USER_VERSION}")
    for ddl in CORE_DDL:
        conn.exec_driver_sql(ddl)
    conn.execute(sa.text(
        "INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, "
        "definition, description) VALUES (:srs_name, :srs_id, :organization, :organization_coordsys_id, "
        ":definition, :description)"), _srs_rows())
    conn.execute(sa.text(
        "INSERT OR IGNORE INTO gpkg_extensions VALUES (:t, NULL, 'gpkg_schema', :d, 'read-write')"),
        [{"t": "gpkg_data_columns", "d": SCHEMA_EXTENSION},
         {"t": "gpkg_data_column_constraints", "d": SCHEMA_EXTENSION}])
    conn.exec_driver_sql("INSERT OR IGNORE INTO onemap_meta (key, value) VALUES ('registry_revision', '0')")
    conn.exec_driver_sql("INSERT OR IGNORE INTO onemap_meta (key, value) "
                         "VALUES ('instance_id', lower(hex(randomblob(8))))")
    # Every user table of a GeoPackage is registered; as 'attributes' tables GDAL/QGIS list them as
    # plain tables (and GDAL then lists no unregistered table).
    conn.execute(sa.text(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
        "VALUES (:t, 'attributes', :i, :d)"), PLATFORM_TABLES)


def quote(name: str) -> str:
    """An identifier, double-quoted (layer ids and field names are already lower-case identifiers)."""
    return '"' + name.replace('"', '""') + '"'


def rtree_name(table: str) -> str:
    return f"rtree_{table}_geom"


def column_ddl(spec: FieldSpec) -> str:
    kind = GPKG_TYPES[spec.type]
    if spec.type is FieldType.STRING and spec.max_length is not None and not spec.secret:
        kind = f"TEXT({spec.max_length})"  # a secret field holds an SM4 token, longer than the plaintext
    return f"{quote(spec.name)} {kind}"


def _triggers(table: str) -> Iterable[str]:
    t, r = quote(table), quote(rtree_name(table))
    name = rtree_name(table)
    bounds = "NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)"
    yield (f'CREATE TRIGGER "{name}_insert" AFTER INSERT ON {t} '
           f"WHEN (NEW.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) "
           f"BEGIN INSERT OR REPLACE INTO {r} VALUES ({bounds}); END")
    yield (f'CREATE TRIGGER "{name}_update1" AFTER UPDATE OF geom ON {t} '
           f"WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) "
           f"BEGIN INSERT OR REPLACE INTO {r} VALUES ({bounds}); END")
    yield (f'CREATE TRIGGER "{name}_update2" AFTER UPDATE OF geom ON {t} '
           f"WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) "
           f"BEGIN DELETE FROM {r} WHERE id = OLD.fid; END")
    yield (f'CREATE TRIGGER "{name}_update3" AFTER UPDATE ON {t} '
           f"WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) "
           f"BEGIN DELETE FROM {r} WHERE id = OLD.fid; INSERT OR REPLACE INTO {r} VALUES ({bounds}); END")
    yield (f'CREATE TRIGGER "{name}_update4" AFTER UPDATE ON {t} '
           f"WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) "
           f"BEGIN DELETE FROM {r} WHERE id IN (OLD.fid, NEW.fid); END")
    yield (f'CREATE TRIGGER "{name}_delete" AFTER DELETE ON {t} WHEN old.geom NOT NULL '
           f"BEGIN DELETE FROM {r} WHERE id = OLD.fid; END")


def unique_identifier(conn: sa.Connection, layer: LayerDefinition) -> str:
    """gpkg_contents.identifier is UNIQUE: the Chinese title, or title + id when another layer has it."""
    taken = conn.execute(sa.text(
        "SELECT 1 FROM gpkg_contents WHERE identifier = :i AND table_name != :t"),
        {"i": layer.title_zh, "t": layer.id}).first()
    return layer.title_zh if taken is None else f"{layer.title_zh} ({layer.id})"


def create_layer_table(conn: sa.Connection, layer: LayerDefinition) -> None:
    """Feature table, R-tree, triggers and every GeoPackage registration row for a new layer."""
    t = quote(layer.id)
    columns = ["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL",
               f"geom {layer.geometry_type.value.upper()}",
               *(column_ddl(spec) for spec in layer.fields),
               "_version INTEGER NOT NULL DEFAULT 1",
               "_updated_at DATETIME"]
    conn.exec_driver_sql(f"CREATE TABLE {t} ({', '.join(columns)})")
    conn.execute(sa.text(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
        "VALUES (:t, 'features', :i, :d, :s)"),
        {"t": layer.id, "i": unique_identifier(conn, layer), "d": layer.description_zh or layer.title_en,
         "s": STORAGE_SRID})
    conn.execute(sa.text(
        "INSERT INTO gpkg_geometry_columns VALUES (:t, 'geom', :g, :s, 0, 0)"),
        {"t": layer.id, "g": layer.geometry_type.value.upper(), "s": STORAGE_SRID})
    conn.exec_driver_sql(
        f"CREATE VIRTUAL TABLE {quote(rtree_name(layer.id))} USING rtree(id, minx, maxx, miny, maxy)")
    for trigger in _triggers(layer.id):
        conn.exec_driver_sql(trigger)
    conn.execute(sa.text(
        "INSERT INTO gpkg_extensions VALUES (:t, 'geom', 'gpkg_rtree_index', :d, 'write-only')"),
        {"t": layer.id, "d": RTREE_EXTENSION})
    sync_layer_metadata(conn, layer)


def existing_columns(conn: sa.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({quote(table)})")}


def add_missing_columns(conn: sa.Connection, layer: LayerDefinition) -> list[str]:
    """ALTER TABLE … ADD COLUMN for fields the table lacks (columns are never dropped)."""
    present = existing_columns(conn, layer.id)
    added = [spec for spec in layer.fields if spec.name not in present]
    for spec in added:
        conn.exec_driver_sql(f"ALTER TABLE {quote(layer.id)} ADD COLUMN {column_ddl(spec)}")
    return [spec.name for spec in added]


def sync_layer_metadata(conn: sa.Connection, layer: LayerDefinition) -> None:
    """Contents identifier/description, geometry type, temporal index and schema-extension rows."""
    conn.execute(sa.text(
        "UPDATE gpkg_contents SET identifier = :i, description = :d WHERE table_name = :t"),
        {"t": layer.id, "i": unique_identifier(conn, layer), "d": layer.description_zh or layer.title_en})
    conn.execute(sa.text(
        "UPDATE gpkg_geometry_columns SET geometry_type_name = :g WHERE table_name = :t"),
        {"t": layer.id, "g": layer.geometry_type.value.upper()})
    if layer.temporal_field is not None:
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {quote(f'idx_{layer.id}_{layer.temporal_field}')} "
            f"ON {quote(layer.id)} ({quote(layer.temporal_field)})")
    _write_data_columns(conn, layer)


def _constraint_name(layer: LayerDefinition, spec: FieldSpec) -> str:
    return f"{layer.id}.{spec.name}"  # '.' never occurs in identifiers, so names cannot collide


def _write_data_columns(conn: sa.Connection, layer: LayerDefinition) -> None:
    """gpkg_data_columns (titles QGIS/GDAL show as field aliases) and enum/range constraints."""
    _delete_data_columns(conn, layer.id)
    rows, constraints, seen = [], [], set()
    for spec in layer.fields:
        name = spec.title_zh if spec.title_zh not in seen else f"{spec.title_zh} ({spec.name})"
        seen.add(name)
        title = spec.title_zh if not spec.title_en else f"{spec.title_zh} / {spec.title_en}"
        description = spec.description or (f"{spec.title_zh}（{spec.unit}）" if spec.unit else None)
        constraint = None
        if spec.enum:
            constraint = _constraint_name(layer, spec)
            constraints.extend({"n": constraint, "k": "enum", "v": e.code, "lo": None, "hi": None,
                                "d": e.label_zh} for e in spec.enum)
        elif spec.minimum is not None or spec.maximum is not None:
            constraint = _constraint_name(layer, spec)
            constraints.append({"n": constraint, "k": "range", "v": None, "lo": spec.minimum,
                                "hi": spec.maximum, "d": spec.title_zh})
        rows.append({"t": layer.id, "c": spec.name, "n": name, "ti": title, "d": description, "k": constraint})
    if rows:
        conn.execute(sa.text(
            "INSERT INTO gpkg_data_columns (table_name, column_name, name, title, description, constraint_name) "
            "VALUES (:t, :c, :n, :ti, :d, :k)"), rows)
    if constraints:
        conn.execute(sa.text(
            "INSERT INTO gpkg_data_column_constraints (constraint_name, constraint_type, value, min, "
            "min_is_inclusive, max, max_is_inclusive, description) VALUES (:n, :k, :v, :lo, "
            "CASE WHEN :lo IS NULL THEN NULL ELSE 1 END, :hi, CASE WHEN :hi IS NULL THEN NULL ELSE 1 END, :d)"),
            constraints)


def _delete_data_columns(conn: sa.Connection, table: str) -> None:
    conn.execute(sa.text(
        "DELETE FROM gpkg_data_column_constraints WHERE constraint_name IN "
        "(SELECT constraint_name FROM gpkg_data_columns WHERE table_name = :t)"), {"t": table})
    conn.execute(sa.text("DELETE FROM gpkg_data_columns WHERE table_name = :t"), {"t": table})


def drop_layer_table(conn: sa.Connection, layer: LayerDefinition) -> None:
    """Remove the table, its R-tree and every registration row (triggers go with the table)."""
    _delete_data_columns(conn, layer.id)
    conn.execute(sa.text("DELETE FROM gpkg_extensions WHERE table_name = :t"), {"t": layer.id})
    conn.execute(sa.text("DELETE FROM gpkg_geometry_columns WHERE table_name = :t"), {"t": layer.id})
    conn.execute(sa.text("DELETE FROM gpkg_contents WHERE table_name = :t"), {"t": layer.id})
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(rtree_name(layer.id))}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(layer.id)}")


def table_exists(conn: sa.Connection, name: str) -> bool:
    return conn.execute(sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"),
                        {"n": name}).first() is not None
