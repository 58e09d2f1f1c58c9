"""What a caller's view means for their writes (Part 4 and the workflow's creation).

A caller writes the layer's declaration, through their view's rules:
- a field hidden from them does not exist for them: naming it is a 400; a replacement keeps its value;
- a masked field sent back exactly as they were shown it (`138****5678`) keeps the stored value,
  so reading a record and writing it back never overwrites personal data with stars;
- an item outside their region is not there for them (404), and they cannot create one (403).
"""

from __future__ import annotations

from typing import Any

from shapely.geometry.base import BaseGeometry

from gis_server.problems import ApiProblem
from layers.access.masking import mask_value
from layers.access.view import LayerView
from layers.errors import InvalidFeature


def check_hidden(view: LayerView, properties: Any) -> None:
    """400 when `properties` names a field the caller may not see."""
    if not isinstance(properties, dict):
        return
    named = sorted(set(properties) & view.hidden)
    if named:
        raise InvalidFeature(f"未知属性 / unknown properties: {', '.join(named)}", field=named[0])


def keep_protected(view: LayerView, incoming: dict[str, Any], current: dict[str, Any] | None, *,
                   replacing: bool) -> dict[str, Any]:
    """`incoming` with the stored values of hidden fields (on a replacement) and of masked fields that
    came back as the caller was shown them."""
    if current is None or not (view.hidden or view.masked):
        return incoming
    kept = dict(incoming)
    if replacing:
        for name in view.hidden:
            kept[name] = current.get(name)
    for name in view.masked:
        spec = view.source.field(name)
        stored = current.get(name)
        if spec is not None and spec.sensitive is not None and name in kept and stored is not None \
                and kept[name] == mask_value(stored, spec.sensitive):
            kept[name] = stored
    return kept


def with_own_region(view: LayerView, body: Any, region: str | None) -> Any:
    """A new item's body with the caller's own region filled in when their view is bound to a region by
    the layer's region field and the body leaves that field out (a Changchun officer's report is a
    Changchun item)."""
    field = view.source.access.region_field
    properties = body.get("properties") if isinstance(body, dict) else None
    if view.region_prefix is None or field is None or region is None or not isinstance(properties, dict) \
            or properties.get(field) is not None:
        return body
    return {**body, "properties": {**properties, field: region}}


def check_region(view: LayerView, properties: dict[str, Any], geometry: BaseGeometry | None) -> None:
    """403 when the written item would lie outside the caller's region."""
    if view.restricted and not view.admits(properties, geometry):
        raise ApiProblem(403, "禁止访问 / Forbidden", "要素不在您的管辖区域内 / the item lies outside your region")
