"""The declaration of a layer: what a domain registers and every store and endpoint reads.

A layer is data, not code: it can be written in YAML or built in Python, stored in the
platform's registry table and sent to every worker process.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from layers.access.rules import AccessRules, SensitiveKind
from layers.workflow import STATE_FIELD, WorkflowSpec, workflow_fields


def workflow_field_names(spec: WorkflowSpec) -> frozenset[str]:
    return frozenset(f["name"] for f in workflow_fields(spec))

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

#: Column names the stores use themselves; a layer's fields may not take them.
RESERVED_FIELDS = frozenset({"fid", "geom", "_version", "_updated_at", "id", "geometry"})

#: Table-name prefixes the platform, GeoPackage and SQLite keep for themselves.
RESERVED_LAYER_PREFIXES = ("onemap_", "gpkg_", "sqlite_", "rtree_", "alembic_", "spatial_ref_sys")

#: CGCS2000's area of use (EPSG:4490, onshore and offshore China), lon/lat degrees.
CHINA_EXTENT: tuple[float, float, float, float] = (73.0, 3.0, 136.0, 54.0)


@lru_cache(maxsize=4096)
def _parsed_condition(text: str) -> dict[str, Any]:
    return json.loads(text)  # type: ignore[no-any-return]


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"


class GeometryType(StrEnum):
    POINT = "Point"
    LINESTRING = "LineString"
    POLYGON = "Polygon"
    MULTIPOINT = "MultiPoint"
    MULTILINESTRING = "MultiLineString"
    MULTIPOLYGON = "MultiPolygon"

    @property
    def accepts(self) -> frozenset[str]:
        """GeoJSON geometry types a feature of this layer may carry (single parts are promoted)."""
        single = {"MultiPoint": "Point", "MultiLineString": "LineString", "MultiPolygon": "Polygon"}
        if self.value in single:
            return frozenset({self.value, single[self.value]})
        return frozenset({self.value})


class CodeListEntry(BaseModel):
    """One allowed value of an enumerated field, with the label a person reads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    label_zh: str
    label_en: str | None = None


class FieldSpec(BaseModel):
    """One attribute of a layer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    type: FieldType
    title_zh: str
    title_en: str | None = None
    description: str | None = None
    required: bool = False
    max_length: int | None = Field(default=None, gt=0)
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[CodeListEntry, ...] | None = None
    #: Personal data (个人信息): masked for callers without the layer's `access.unmask_roles`.
    sensitive: SensitiveKind | None = None
    #: Stored encrypted with SM4 (商用密码); only the layer's `access.secret_roles` read it.
    secret: bool = False
    #: Who sees this field at all (empty: whoever reads the layer); for anyone else it does not exist.
    read_roles: tuple[str, ...] = ()
    #: Set in one caller's view of the layer (`layers.access.view`), never declared: readers write
    #: this field's values masked as `sensitive` says.
    masked: bool = False

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not IDENTIFIER.match(value) or value in RESERVED_FIELDS:
            raise ValueError(f"field name {value!r} must be a lower-case identifier and not one of "
                             f"{sorted(RESERVED_FIELDS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.max_length is not None and self.type is not FieldType.STRING:
            raise ValueError(f"field {self.name}: max_length applies to strings only")
        if self.enum is not None and self.type not in (FieldType.STRING, FieldType.INTEGER):
            raise ValueError(f"field {self.name}: code lists apply to string or integer fields")
        if (self.sensitive is not None or self.secret) and self.type is not FieldType.STRING:
            raise ValueError(f"field {self.name}: sensitive and secret apply to string fields")
        return self

    def enum_codes(self) -> frozenset[str] | None:
        return None if self.enum is None else frozenset(e.code for e in self.enum)

    def label_of(self, code: Any) -> str | None:
        """The Chinese label of a code-list value, if this field has a code list."""
        for entry in self.enum or ():
            if entry.code == str(code):
                return entry.label_zh
        return None


class TilePropertyRule(BaseModel):
    """From `from_zoom` on, these fields go into vector tiles (in addition to the ones always sent)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    from_zoom: int = Field(ge=0, le=24)
    fields: tuple[str, ...]


class ThinningRule(StrEnum):
    """How features are thinned where a tile would hold more than it should (like tippecanoe)."""

    AUTO = "auto"  # points: drop-densest; lines: drop-smallest; polygons: drop-smallest
    DROP_DENSEST = "drop-densest"  # keep one feature per grid cell, the highest priority first
    DROP_SMALLEST = "drop-smallest"  # drop features smaller than a pixel, then the lowest priority
    COALESCE = "coalesce"  # merge the features in a grid cell into one, with a count
    NONE = "none"


class TileSettings(BaseModel):
    """What a layer puts into vector tiles, zoom by zoom."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Which fields go into tiles from which zoom; empty means every field at every zoom.
    properties: tuple[TilePropertyRule, ...] = ()
    #: At most this many features of the layer in one tile; thinning picks which survive.
    feature_limit: int = Field(default=5000, ge=1, le=500_000)
    #: Sort keys deciding which features survive thinning and limits first ("-grade", "name").
    priority: tuple[str, ...] = ()
    #: Simplification tolerance in pixels of a 256-pixel tile (0: none).
    simplify_px: float = Field(default=1.0, ge=0, le=16)
    thinning: ThinningRule = ThinningRule.AUTO
    #: From this zoom on no thinning applies (features up to `feature_limit` all go in); default max_zoom.
    full_detail_zoom: int | None = Field(default=None, ge=0, le=24)


#: Fields that go into every tile of a layer that has them, whatever `TileSettings.properties` says:
#: the workflow state, its holder and the overdue flag are what supervision on the map is about.
ALWAYS_IN_TILES = ("workflow_state", "overdue", "holder", "deadline")


class LayerDefinition(BaseModel):
    """A registered layer: identity, ownership, catalogue code, schema, zooms, style and access."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title_zh: str
    title_en: str
    description_zh: str | None = None
    domain: str
    catalogue_code: str = Field(description="数据资源目录编码 — code in the unified data-resource catalogue")
    geometry_type: GeometryType
    fields: tuple[FieldSpec, ...] = ()
    temporal_field: str | None = Field(
        default=None, description="date/datetime field used by the datetime parameter and temporal extent"
    )
    min_zoom: int = Field(default=0, ge=0, le=24)
    max_zoom: int = Field(default=22, ge=0, le=24)
    style_id: str | None = None
    read_roles: tuple[str, ...] = ("public",)
    write_roles: tuple[str, ...] = ("admin",)
    valid_extent: tuple[float, float, float, float] = CHINA_EXTENT
    keywords: tuple[str, ...] = ()
    tiles: TileSettings = TileSettings()
    #: The layer's state machine (监管流程), if its items are handled through one.
    workflow: WorkflowSpec | None = None
    #: Who sees what beyond read/write roles: public layers, row-level regions, masking, secrets.
    access: AccessRules = AccessRules()
    #: Set in one caller's view of the layer (`layers.access.view`), never declared: a normalised
    #: CQL2 JSON condition, as JSON text, every read through this definition adds (the caller's region).
    row_filter: str | None = None

    @property
    def row_condition(self) -> dict[str, Any] | None:
        """`row_filter` parsed (once per text)."""
        return None if self.row_filter is None else _parsed_condition(self.row_filter)

    @model_validator(mode="before")
    @classmethod
    def _supervision_fields(cls, data: Any) -> Any:
        """A workflow layer carries the supervision fields; add those its declaration leaves out."""
        if not isinstance(data, dict) or not data.get("workflow"):
            return data
        spec = data["workflow"]
        spec = spec if isinstance(spec, WorkflowSpec) else WorkflowSpec.model_validate(spec)
        fields = list(data.get("fields") or ())
        declared = {f.name if isinstance(f, FieldSpec) else f.get("name") for f in fields}
        fields.extend(f for f in workflow_fields(spec) if f["name"] not in declared)
        return {**data, "fields": fields}

    @field_validator("id")
    @classmethod
    def _layer_identifier(cls, value: str) -> str:
        if not IDENTIFIER.match(value) or value.startswith(RESERVED_LAYER_PREFIXES):
            raise ValueError(f"layer id {value!r} must be a lower-case identifier not starting with "
                             f"{' or '.join(RESERVED_LAYER_PREFIXES)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> LayerDefinition:
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"layer {self.id}: field names repeat")
        if self.min_zoom > self.max_zoom:
            raise ValueError(f"layer {self.id}: min_zoom {self.min_zoom} > max_zoom {self.max_zoom}")
        if self.temporal_field is not None:
            spec = self.field(self.temporal_field)
            if spec is None or spec.type not in (FieldType.DATE, FieldType.DATETIME):
                raise ValueError(f"layer {self.id}: temporal_field must name a date or datetime field")
        tile_fields = {f for rule in self.tiles.properties for f in rule.fields}
        tile_fields.update(key.lstrip("+-") for key in self.tiles.priority)
        unknown = sorted(tile_fields - set(names))
        if unknown:
            raise ValueError(f"layer {self.id}: tile settings name unknown fields {unknown}")
        if self.workflow is not None:
            self._check_workflow(self.workflow)
        self._check_access(names)
        if self.row_filter is not None or any(f.masked for f in self.fields):
            raise ValueError(f"layer {self.id}: row_filter and masked are set by callers' views, not declared")
        minx, miny, maxx, maxy = self.valid_extent
        if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
            raise ValueError(f"layer {self.id}: valid_extent must be lon/lat degrees, min < max")
        return self

    def _check_access(self, names: list[str]) -> None:
        region_field = self.access.region_field
        if region_field is not None:
            spec = self.field(region_field)
            if spec is None or spec.type is not FieldType.STRING:
                raise ValueError(f"layer {self.id}: access.region_field must name a string field")
            if spec.secret or spec.sensitive is not None or spec.read_roles:
                raise ValueError(f"layer {self.id}: access.region_field must be a field every reader sees")
        if self.temporal_field is not None and (spec := self.field(self.temporal_field)) and spec.read_roles:
            raise ValueError(f"layer {self.id}: the temporal field must be a field every reader sees")
        if self.workflow is not None:
            for name in names:
                spec = self.field(name)
                if spec is not None and spec.secret and name in workflow_field_names(self.workflow):
                    raise ValueError(f"layer {self.id}: workflow field {name} cannot be secret")

    def _check_workflow(self, spec: WorkflowSpec) -> None:
        state_field = self.field(STATE_FIELD)
        codes = state_field.enum_codes() if state_field else None
        if codes != frozenset(s.id for s in spec.states):
            raise ValueError(f"layer {self.id}: field {STATE_FIELD} must list exactly the workflow's states")
        for state in spec.states:
            if state.deadline_field is not None:
                target = self.field(state.deadline_field)
                if target is None or target.type not in (FieldType.DATE, FieldType.DATETIME):
                    raise ValueError(f"layer {self.id}: state {state.id} deadline_field must name a date or "
                                     "datetime field")
        for transition in spec.transitions:
            unknown = sorted(set(transition.requires) - set(self.field_names))
            if unknown:
                raise ValueError(f"layer {self.id}: transition {transition.id} requires unknown fields {unknown}")

    def tile_fields(self, zoom: int) -> tuple[str, ...]:
        """The fields that go into a tile at `zoom`, in declaration order (id and domain are added by
        the renderers)."""
        always = {name for name in ALWAYS_IN_TILES if self.field(name) is not None}
        tileable = tuple(f.name for f in self.fields if not f.secret)  # secrets never go into tiles
        if not self.tiles.properties:
            return tileable
        chosen = always | {f for rule in self.tiles.properties if zoom >= rule.from_zoom for f in rule.fields}
        return tuple(name for name in tileable if name in chosen)

    @property
    def is_view(self) -> bool:
        """True for one caller's view of the layer (a row filter or masked fields), not a declaration."""
        return self.row_filter is not None or any(f.masked for f in self.fields)

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)
