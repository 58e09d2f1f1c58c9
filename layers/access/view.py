"""One caller's view of one layer: may they read or write it, which fields, which rows, masked how.

`AccessPolicy.view(layer, principal)` returns a `LayerView` whose `layer` is the definition every
read on the caller's behalf goes through: fields the caller may not see are gone (so a filter, sort
or `properties` naming them is an unknown property → 400, and no reader selects them), sensitive
fields they may not see in clear are marked `masked` (every reader masks them), and `row_filter`
holds the CQL2 condition of their region (every store read adds it). The definition differs from
the declaration exactly when the caller sees less, so caches keyed on the definition (tiles: by its
JSON; pages: by its identity) never hand one caller's answer to a caller who may see less. Views
are memoised per declaration and kind of caller (roles, region, key scopes).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import shapely.geometry
from shapely.geometry.base import BaseGeometry

from layers.access.principal import ANONYMOUS, Access, Principal
from layers.model import FieldSpec, LayerDefinition, TileSettings

#: Region code (GB/T 2260) → its boundary as GeoJSON in EPSG:4490 lon/lat, or None when unknown.
RegionShapes = Callable[[str], dict[str, Any] | None]

_MEMO_LIMIT = 8192


def region_prefix(region: str | None) -> str | None:
    """The code prefix of a region's items: 220100 → 2201 (a prefecture), 220102 → 220102 (a county).

    None means the caller is not bound to a region: no region, not a 6-digit code, or a province
    (220000: the platform is the province's, its staff see the whole province).
    """
    if region is None or len(region) != 6 or not region.isascii() or not region.isdigit():
        return None
    if region.endswith("0000"):
        return None
    code = region
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


@dataclass(frozen=True, slots=True)
class LayerView:
    """What one caller may do with one layer; `layer` is None when they may not read it."""

    source: LayerDefinition
    layer: LayerDefinition | None
    may_write: bool
    #: Fields of the declaration the caller does not see at all.
    hidden: frozenset[str]
    #: Fields the caller sees masked.
    masked: frozenset[str]
    #: The caller's region rule on this layer, if any: the code prefix a row's region field must start
    #: with, or the boundary its geometry must meet (None/None: every row).
    region_prefix: str | None = None
    region_shape: BaseGeometry | None = None

    def admits(self, properties: dict[str, Any], geometry: BaseGeometry | None) -> bool:
        """Whether a row with these values lies in the caller's region (what a write may create)."""
        field = self.source.access.region_field
        if self.region_prefix is not None and field is not None:
            value = properties.get(field)
            return isinstance(value, str) and value.startswith(self.region_prefix)
        if self.region_shape is not None:
            return geometry is not None and self.region_shape.intersects(geometry)
        return not self.restricted

    @property
    def may_read(self) -> bool:
        return self.layer is not None

    @property
    def restricted(self) -> bool:
        """True when the caller sees fewer rows than the layer holds."""
        return self.layer is not None and self.layer.row_filter is not None


class AccessPolicy:
    """The platform's access rules, applied to (layer, caller) pairs.

    `anonymous_all`: anonymous callers read every layer whose read roles include `public` (the
    embedded default); otherwise only layers declared `access.public`. `region_shapes` gives the
    boundaries area rules need.
    """

    def __init__(self, *, anonymous_all: bool, region_shapes: RegionShapes | None = None) -> None:
        self.anonymous_all = anonymous_all
        self.region_shapes = region_shapes
        self._memo: dict[tuple[Any, ...], tuple[LayerDefinition, LayerView]] = {}
        self._lock = threading.Lock()

    def view(self, layer: LayerDefinition, principal: Principal) -> LayerView:
        key = (id(layer), principal.name if principal.is_anonymous else "", principal.roles, principal.region,
               principal.scopes)
        known = self._memo.get(key)
        if known is not None and known[0] is layer:
            return known[1]
        view = self._make(layer, principal)
        if view.restricted and view.region_prefix is None and view.region_shape is None:
            return view  # a boundary not known yet: ask again next time rather than keep "nothing"
        with self._lock:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = (layer, view)  # holding the layer keeps id(layer) unique
        return view

    def may_read(self, layer: LayerDefinition, principal: Principal) -> bool:
        if not principal.key_allows(layer.id, Access.READ):
            return False
        if principal.is_admin:
            return True
        if principal.is_anonymous:
            return "public" in layer.read_roles and (self.anonymous_all or layer.access.public)
        return bool(principal.roles.intersection(layer.read_roles))

    def is_public(self, layer: LayerDefinition) -> bool:
        """Whether anonymous callers read this definition (a caller's restricted view never is public)."""
        return not layer.is_view and self.may_read(layer, ANONYMOUS)

    def may_write(self, layer: LayerDefinition, principal: Principal) -> bool:
        if not principal.key_allows(layer.id, Access.WRITE) or principal.is_anonymous:
            return False
        return principal.is_admin or bool(principal.roles.intersection(layer.write_roles))

    def _make(self, layer: LayerDefinition, principal: Principal) -> LayerView:
        may_write = self.may_write(layer, principal)
        if not self.may_read(layer, principal):
            return LayerView(layer, None, may_write, frozenset(layer.field_names), frozenset())
        if principal.is_admin:
            return LayerView(layer, layer, may_write, frozenset(), frozenset())
        roles = principal.roles
        fields: list[FieldSpec] = []
        hidden: set[str] = set()
        masked: set[str] = set()
        for spec in layer.fields:
            if (spec.read_roles and not roles.intersection(spec.read_roles)) or (
                    spec.secret and not roles.intersection(layer.access.secret_roles)):
                hidden.add(spec.name)
            elif spec.sensitive is not None and not roles.intersection(layer.access.unmask_roles):
                masked.add(spec.name)
                fields.append(spec.model_copy(update={"masked": True}))
            else:
                fields.append(spec)
        region = self._region(layer, principal)
        if not hidden and not masked and region is None:
            return LayerView(layer, layer, may_write, frozenset(), frozenset())
        text = None if region is None else json.dumps(region.condition, sort_keys=True, ensure_ascii=False)
        update: dict[str, Any] = {"fields": tuple(fields), "row_filter": text}
        if hidden:
            update["tiles"] = _tiles_without(layer.tiles, hidden)
        return LayerView(layer, layer.model_copy(update=update), may_write, frozenset(hidden), frozenset(masked),
                         region.prefix if region else None, region.shape if region else None)

    def _region(self, layer: LayerDefinition, principal: Principal) -> _Region | None:
        """The caller's region rule on `layer`: its CQL2 condition and the prefix or boundary it tests."""
        rules = layer.access
        prefix = region_prefix(principal.region)
        if prefix is None or principal.roles.intersection(rules.all_regions_roles):
            return None
        if rules.region_field is not None:
            return _Region({"op": "like", "args": [{"property": rules.region_field}, f"{prefix}%"]}, prefix, None)
        if rules.region_by_area:
            shape = self.region_shapes(principal.region or "") if self.region_shapes else None
            if shape is None:  # a region without a known boundary sees nothing of an area-ruled layer
                return _Region({"op": "=", "args": [{"property": "fid"}, -1]}, None, None)
            condition = {"op": "s_intersects", "args": [{"property": "geometry"}, shape]}
            return _Region(condition, None, shapely.geometry.shape(shape))
        return None


class _Region(NamedTuple):
    condition: dict[str, Any]
    prefix: str | None
    shape: BaseGeometry | None


def _tiles_without(tiles: TileSettings, hidden: set[str]) -> TileSettings:
    rules = tuple(rule.model_copy(update={"fields": tuple(f for f in rule.fields if f not in hidden)})
                  for rule in tiles.properties)
    priority = tuple(key for key in tiles.priority if key.lstrip("+-") not in hidden)
    return tiles.model_copy(update={"properties": rules, "priority": priority})


def roles_may_read(layer: LayerDefinition, roles: frozenset[str]) -> bool:
    """The role rule alone (no anonymous setting, no key scopes): for domain code acting for a person."""
    return "admin" in roles or bool(roles.intersection(layer.read_roles))


def roles_may_write(layer: LayerDefinition, roles: frozenset[str]) -> bool:
    """The role rule alone, for writes (see `roles_may_read`)."""
    return "admin" in roles or bool(roles.intersection(layer.write_roles))
