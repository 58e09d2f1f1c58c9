"""SQL that writes GeoJSON inside PostgreSQL: each feature as text, a page as one string.

The page statement returns a single row: the layer's data version and creation time (for the
count cache), the features joined with commas in page order, and how many there are — so
Python only wraps the text in `[` `]`. Output coordinates are transformed in SQL (`ST_Transform`,
skipped between CGCS2000 and WGS 84, which PROJ treats as identical), axis order flipped with
`ST_FlipCoordinates` for latitude-first CRS, rounded to 7 decimals for degrees and 2 for metres.
Dates are written `YYYY-MM-DD`, timestamps RFC 3339 in UTC with `Z` (fractions only when present),
the same text the GeoPackage store writes.

Identifiers in the SQL fragments are validated field names, quoted; no user value is pasted in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by

from layers.access.masking import mask_sql_text
from layers.model import FieldSpec, FieldType, LayerDefinition
from layers.query import GEOGRAPHIC_SRIDS, STORAGE_SRID, OutputCrs
from layers.stores.postgis.platform import layers_table

_PREPARER = postgresql.dialect().identifier_preparer

#: Decimal places written for each kind of coordinate.
DEGREE_DIGITS = 7
METRE_DIGITS = 2

_SECONDS = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"
_MICROSECONDS = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"


def q(identifier: str) -> str:
    return str(_PREPARER.quote(identifier))


def geometry_sql(crs: OutputCrs, column: str = '"geom"') -> str:
    """The geometry in the output CRS and axis order."""
    expr = column
    if crs.srid not in GEOGRAPHIC_SRIDS and crs.srid != STORAGE_SRID:
        expr = f"ST_Transform({expr}, {int(crs.srid)})"
    if crs.lat_first:
        expr = f"ST_FlipCoordinates({expr})"
    return expr


def digits_for(crs: OutputCrs) -> int:
    return DEGREE_DIGITS if crs.srid in GEOGRAPHIC_SRIDS else METRE_DIGITS


def geojson_sql(crs: OutputCrs, digits: int | None = None) -> str:
    """`ST_AsGeoJSON(<geometry>, digits, 0)` — option 0: no `crs` member."""
    return f"ST_AsGeoJSON({geometry_sql(crs)}, {int(digits if digits is not None else digits_for(crs))}, 0)"


def value_sql(spec: FieldSpec) -> str:
    """A column as the JSON text of its value (`null` for NULL)."""
    column = q(spec.name)
    if spec.type is FieldType.DATETIME:
        utc = f"({column} AT TIME ZONE 'UTC')"
        text = (f"CASE WHEN date_trunc('second', {column}) = {column} THEN to_char({utc}, {_SECONDS}) "
                f"ELSE to_char({utc}, {_MICROSECONDS}) END")
        return f"coalesce(to_json({text})::text, 'null')"
    if spec.masked and spec.sensitive is not None:
        column = mask_sql_text(column, spec.sensitive)
    return f"coalesce(to_json({column})::text, 'null')"


def feature_sql(layer: LayerDefinition, crs: OutputCrs, properties: Sequence[str] | None,
                skip_geometry: bool) -> str:
    """One feature as GeoJSON text, built with `||` (no JSON re-parsing of the geometry)."""
    names = layer.field_names if properties is None else tuple(properties)
    specs = [spec for spec in layer.fields if spec.name in names]
    pieces: list[tuple[bool, str]] = [(True, '{"type":"Feature","id":'), (False, '"fid"'), (True, ',"geometry":')]
    pieces.append((True, "null") if skip_geometry else (False, geojson_sql(crs)))
    pieces.append((True, ',"properties":{'))
    for i, spec in enumerate(specs):
        pieces.append((True, f'{"," if i else ""}"{spec.name}":'))
        pieces.append((False, value_sql(spec)))
    pieces.append((True, "}}"))
    return concat_sql(pieces)


def concat_sql(pieces: Sequence[tuple[bool, str]]) -> str:
    """`a || b || …` from (is_literal, text) pieces, adjacent literals merged into one quoted string."""
    merged: list[tuple[bool, str]] = []
    for literal, text in pieces:
        if literal and merged and merged[-1][0]:
            merged[-1] = (True, merged[-1][1] + text)
        else:
            merged.append((literal, text))
    return " || ".join("'" + text.replace("'", "''") + "'" if literal else text for literal, text in merged)


def page_statement(layer: LayerDefinition, table: sa.Table, where: Sequence[ColumnElement[bool]],
                   order: Sequence[tuple[ColumnElement[Any], bool]], *, crs: OutputCrs,
                   properties: Sequence[str] | None, skip_geometry: bool, limit: int | sa.BindParameter[Any],
                   offset: int | sa.BindParameter[Any], with_total: bool = False) -> sa.Select[Any]:
    """One row: data_version, created_at, the comma-joined features in order, and their number.

    The inner query picks the page's rows (plain columns only), so rows skipped by OFFSET or
    discarded by a sort never have their GeoJSON written; the outer one writes and joins them.
    `with_total` adds `total`, every row matching `where` counted by a window over the rows the
    sort reads anyway (NULL when the page is empty) — for a bbox, whose rows PostgreSQL must all
    read and sort to find the page, this saves reading them again for `numberMatched`.
    """
    names = layer.field_names if properties is None else tuple(properties)
    wanted = [table.c.fid, *([] if skip_geometry else [table.c.geom]),
              *(table.c[spec.name] for spec in layer.fields if spec.name in names)]
    keys = [column.label(f"_k{i}") for i, (column, _) in enumerate(order)]
    total = [sa.func.count().over().label("_total")] if with_total else []
    inner = (
        sa.select(*wanted, *keys, *total)
        .select_from(table)
        .where(*where)
        .order_by(*(column.asc() if ascending else column.desc() for column, ascending in order))
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    feature = sa.literal_column(feature_sql(layer, crs, properties, skip_geometry), sa.Text)
    agg_order = [inner.c[f"_k{i}"].asc() if ascending else inner.c[f"_k{i}"].desc()
                 for i, (_, ascending) in enumerate(order)]
    joined = sa.func.string_agg(feature, aggregate_order_by(sa.literal_column("','"), *agg_order))
    return sa.select(
        layer_version(layer.id).label("dv"),
        layer_created(layer.id).label("created"),
        sa.func.coalesce(joined, sa.literal_column("''")).label("features"),
        sa.func.count().label("n"),
        (sa.func.max(inner.c._total) if with_total else sa.null()).label("total"),
    ).select_from(inner)


def count_statement(layer: LayerDefinition, table: sa.Table,
                    where: Sequence[ColumnElement[bool]]) -> sa.Select[Any]:
    """COUNT(*) of the filter, with the data version read in the same snapshot."""
    matched = sa.select(sa.func.count()).select_from(table).where(*where).scalar_subquery()
    return sa.select(matched.label("matched"), layer_version(layer.id).label("dv"),
                     layer_created(layer.id).label("created"))


def layer_version(layer_id: str) -> sa.ScalarSelect[Any]:
    return sa.select(layers_table.c.data_version).where(layers_table.c.id == layer_id).scalar_subquery()


def layer_created(layer_id: str) -> sa.ScalarSelect[Any]:
    return sa.select(layers_table.c.created_at).where(layers_table.c.id == layer_id).scalar_subquery()
