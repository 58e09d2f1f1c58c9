"""SQLAlchemy Core views of a layer's feature table, built from its definition (no reflection).

May import: sqlalchemy, layers.model, this package's value types.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

from layers.model import LayerDefinition
from layers.stores.geopackage.values import GpkgDateTime, column_type


@dataclass(frozen=True)
class LayerTable:
    layer: LayerDefinition
    table: sa.Table

    @property
    def fid(self) -> sa.Column[int]:
        return self.table.c.fid

    @property
    def geom(self) -> sa.Column[bytes]:
        return self.table.c.geom

    @property
    def version(self) -> sa.Column[int]:
        return self.table.c._version

    @property
    def updated_at(self) -> sa.Column[object]:
        return self.table.c._updated_at

    def columns(self) -> dict[str, sa.Column[object]]:
        """Field name → column, in declaration order (what the CQL2 translator resolves properties to)."""
        return {spec.name: self.table.c[spec.name] for spec in self.layer.fields}


@lru_cache(maxsize=512)
def layer_table(layer: LayerDefinition) -> LayerTable:
    table = sa.Table(
        layer.id, sa.MetaData(),
        sa.Column("fid", sa.Integer, primary_key=True),
        sa.Column("geom", sa.LargeBinary),
        *(sa.Column(spec.name, column_type(spec.type)) for spec in layer.fields),
        sa.Column("_version", sa.Integer, nullable=False),
        sa.Column("_updated_at", GpkgDateTime()),
    )
    return LayerTable(layer, table)
