"""Writing a person's field package as an editable GeoPackage (layout in `layout` and docs/fieldwork.md).

Item tables, `package` and `transitions` are written by GDAL through pyogrio (so QGIS and GDAL see
ordinary layers and attribute tables); `edits` — the table a field app appends to — is created with
SQL because it needs what OGR cannot declare: a UNIQUE edit id, a CHECK on the kind and a BLOB for
photos; it is registered in `gpkg_contents` as an attributes table. The file is built beside the
target and moved into place at the end, so a failure leaves no half-written package.
"""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyogrio.raw
import shapely
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

from domains.fieldwork.errors import FieldworkError
from domains.fieldwork.extract import FieldItem, FieldItems, LayerItems
from domains.fieldwork.layout import (
    EDITS_DDL,
    EDITS_TABLE,
    FID_COLUMN,
    FORMAT_VERSION,
    PACKAGE_TABLE,
    TRANSITIONS_TABLE,
    VERSION_COLUMN,
)
from domains.workflow.actor import Actor
from layers.io.exporter import gdal_column, object_array
from layers.model import FieldType, LayerDefinition
from layers.workflow import STATE_FIELD, WorkflowTransition

CRS = "EPSG:4490"
UTC_OFFSET = 100  # GDAL's time-zone code for UTC


def write_field_gpkg(items: FieldItems, path: Path | str, *, package_id: str, actor: Actor) -> dict[str, Any]:
    """Write `items` to a new GeoPackage at `path` (replaced if it exists); returns the manifest's summary
    `{"user", "items", "layers"}`."""
    if actor.name != items.actor.name:
        raise FieldworkError(f"事项是为 {items.actor.name} 选取的，不能写入 {actor.name} 的离线包 / the items were "
                             f"picked for {items.actor.name!r}, not {actor.name!r}")
    target = Path(path)
    if not target.parent.is_dir():
        raise FieldworkError(f"输出目录不存在 / output folder does not exist: {target.parent}")
    with tempfile.TemporaryDirectory(prefix=f".{target.stem}.", dir=target.parent) as work:
        draft = Path(work) / "field.gpkg"
        try:
            _write_package_table(draft, items, package_id, actor)
            for group in items.layers:
                _write_items(draft, group)
            _write_transitions(draft, items)
        except (OSError, DataSourceError, DataLayerError, FieldError, GeometryError) as exc:
            raise FieldworkError(f"写出离线包失败 / cannot write the field package: {exc}") from exc
        _create_edits_table(draft)
        draft.replace(target)
    return {"user": actor.name, "items": items.count, "layers": [group.layer.id for group in items.layers]}


def _write_table(path: Path, table: str, columns: dict[str, np.ndarray], masks: dict[str, np.ndarray] | None = None,
                 **options: Any) -> None:
    names = list(columns)
    pyogrio.raw.write(path, options.pop("geometry", None), [columns[n] for n in names], names,
                      field_mask=[(masks or {}).get(n) for n in names], layer=table, driver="GPKG",
                      append=False, **options)


def _write_package_table(path: Path, items: FieldItems, package_id: str, actor: Actor) -> None:
    columns = {
        "package_id": object_array([package_id]),
        "format_version": np.array([FORMAT_VERSION], dtype=np.int64),
        "user": object_array([actor.name]),
        "display_name": object_array([actor.display_name]),
        "organisation": object_array([actor.organisation]),
        "roles": object_array([orjson.dumps(sorted(actor.roles)).decode()]),
        "built_at": np.array([_utc_naive(items.built_at)], dtype="datetime64[ms]"),
        "server_instance": object_array([items.instance_id]),
        "layers": object_array([orjson.dumps([group.layer.id for group in items.layers]).decode()]),
    }
    _write_table(path, PACKAGE_TABLE, columns, gdal_tz_offsets={"built_at": np.array([UTC_OFFSET])},
                 layer_options={"FID": "id"})


def _utc_naive(moment: datetime | str) -> datetime:
    """An instant as naive UTC (written with GDAL's UTC offset code); a naive one is taken as UTC."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _write_items(path: Path, group: LayerItems) -> None:
    layer, rows = group.layer, list(group.items)
    columns: dict[str, np.ndarray] = {FID_COLUMN: np.array([item.fid for item in rows], dtype=np.int64)}
    masks: dict[str, np.ndarray] = {}
    offsets: dict[str, np.ndarray] = {}
    for spec in layer.fields:
        values = [item.properties.get(spec.name) for item in rows]
        columns[spec.name], mask = gdal_column(spec.type, values)
        if mask is not None:
            masks[spec.name] = mask
        if spec.type is FieldType.DATETIME:
            offsets[spec.name] = np.full(len(rows), UTC_OFFSET, dtype=np.int64)
    columns[VERSION_COLUMN] = np.array([item.version for item in rows], dtype=np.int64)
    geometry = shapely.to_wkb(object_array([item.geometry for item in rows]))
    _write_table(path, layer.id, columns, masks, geometry=geometry, geometry_type=layer.geometry_type.value,
                 crs=CRS, promote_to_multi=layer.geometry_type.value.startswith("Multi"),
                 gdal_tz_offsets=offsets, layer_options={"FID": FID_COLUMN},
                 layer_metadata={"title_zh": layer.title_zh, "title_en": layer.title_en})


def _write_transitions(path: Path, items: FieldItems) -> None:
    rows_layer: list[tuple[LayerDefinition, FieldItem, WorkflowTransition]] = [
        (group.layer, item, transition) for group in items.layers for item in group.items
        for transition in item.transitions]

    def states(layer: LayerDefinition, state_id: Any) -> str | None:
        state = layer.workflow.state(str(state_id)) if layer.workflow else None
        return state.name_zh if state else None

    columns = {
        "layer": object_array([layer.id for layer, _, _ in rows_layer]),
        "fid": np.array([item.fid for _, item, _ in rows_layer], dtype=np.int64),
        "state": object_array([item.properties.get(STATE_FIELD) for _, item, _ in rows_layer]),
        "state_name_zh": object_array([states(layer, item.properties.get(STATE_FIELD))
                                       for layer, item, _ in rows_layer]),
        "transition": object_array([t.id for _, _, t in rows_layer]),
        "name_zh": object_array([t.name_zh for _, _, t in rows_layer]),
        "name_en": object_array([t.name_en for _, _, t in rows_layer]),
        "to_state": object_array([t.to for _, _, t in rows_layer]),
        "to_state_name_zh": object_array([states(layer, t.to) for layer, _, t in rows_layer]),
        "requires": object_array([orjson.dumps(list(t.requires)).decode() for _, _, t in rows_layer]),
        "attachments": object_array([orjson.dumps(list(t.attachments)).decode() for _, _, t in rows_layer]),
        "comment_required": np.array([t.comment_required for _, _, t in rows_layer], dtype=bool),
    }
    _write_table(path, TRANSITIONS_TABLE, columns, layer_options={"FID": "id"})  # `fid` names the item here


def _create_edits_table(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(EDITS_DDL)
        conn.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
            "VALUES (?, 'attributes', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            (EDITS_TABLE, EDITS_TABLE, "现场记录（由现场应用追加）/ field edits, appended by the field app"))
