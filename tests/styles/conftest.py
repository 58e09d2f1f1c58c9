"""An app over a GeoPackage registry holding the Jilin base layers plus three supervision layers.

Styles come from the registry alone, so one store suffices. The extra layers exercise what the
base layers lack: workflow states with and without a code list, the overdue flag on points,
lines and polygons, a second domain, and a layer only staff may read.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from domains.base import layer_file
from gis_server.app import create_app
from gis_server.settings import Settings
from layers.model import CodeListEntry, FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.registry import LayerRegistry, load_layer_file
from layers.stores import open_store

ADMIN_TOKEN = "styles-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BASE = "http://testserver"

_WORKFLOW = FieldSpec(name="workflow_state", type=FieldType.STRING, title_zh="办理状态", required=True, enum=(
    CodeListEntry(code="reported", label_zh="已上报", label_en="reported"),
    CodeListEntry(code="rectifying", label_zh="整改中", label_en="rectifying"),
    CodeListEntry(code="verified", label_zh="已验收", label_en="verified"),
    CodeListEntry(code="closed", label_zh="已关闭", label_en="closed"),
    CodeListEntry(code="escalated", label_zh="已升级", label_en="escalated"),
))
_OVERDUE = FieldSpec(name="overdue", type=FieldType.BOOLEAN, title_zh="是否超期")
_HOLDER = FieldSpec(name="holder", type=FieldType.STRING, title_zh="办理人")

HAZARDS = LayerDefinition(
    id="hazards", title_zh="安全隐患", title_en="Safety hazards", domain="safety",
    catalogue_code="JL-JT-TEST-0101", geometry_type=GeometryType.POINT, min_zoom=6, max_zoom=20,
    style_id="safety-hazards", keywords=("隐患",),
    fields=(
        FieldSpec(name="name_zh", type=FieldType.STRING, title_zh="隐患名称"),
        FieldSpec(name="grade", type=FieldType.STRING, title_zh="隐患等级", enum=(
            CodeListEntry(code="major", label_zh="重大"), CodeListEntry(code="general", label_zh="一般"))),
        _WORKFLOW, _OVERDUE, _HOLDER,
        FieldSpec(name="deadline", type=FieldType.DATE, title_zh="整改期限"),
    ),
)
ROAD_WORKS = LayerDefinition(
    id="road_works", title_zh="施工路段", title_en="Road works", domain="construction",
    catalogue_code="JL-JT-TEST-0102", geometry_type=GeometryType.MULTILINESTRING, min_zoom=7, max_zoom=18,
    fields=(
        FieldSpec(name="project_zh", type=FieldType.STRING, title_zh="项目名称"),
        FieldSpec(name="workflow_state", type=FieldType.STRING, title_zh="办理状态"),  # no code list
        _OVERDUE,
    ),
)
RESTRICTED = LayerDefinition(
    id="restricted_zones", title_zh="危险货物限行区", title_en="Dangerous-goods restricted zones",
    domain="transport", catalogue_code="JL-JT-TEST-0103", geometry_type=GeometryType.MULTIPOLYGON,
    min_zoom=4, max_zoom=16, style_id="transport-restricted", read_roles=("staff",),
    fields=(FieldSpec(name="name_zh", type=FieldType.STRING, title_zh="名称"), _OVERDUE),
)
EXTRA_LAYERS = (HAZARDS, ROAD_WORKS, RESTRICTED)


def base_layers() -> list[LayerDefinition]:
    return load_layer_file(layer_file())


def all_layers() -> list[LayerDefinition]:
    return [*base_layers(), *EXTRA_LAYERS]


def _with_styles_router(app: object) -> object:
    """Until the lead wires the router into create_app, include it here (once)."""
    from gis_server.routers import styles

    if not any(getattr(route, "path", None) == "/styles" for route in app.routes):  # type: ignore[attr-defined]
        app.include_router(styles.router)  # type: ignore[attr-defined]
    return app


@pytest.fixture
def client(gpkg_url: str) -> Iterator[TestClient]:
    store = open_store(gpkg_url)
    LayerRegistry(store).register_many(all_layers())
    settings = Settings(database_url=gpkg_url, admin_token=ADMIN_TOKEN, public_url=None)
    app = _with_styles_router(create_app(settings, store=store))
    with TestClient(app, base_url=BASE) as test_client:  # type: ignore[arg-type]
        yield test_client
    store.close()
