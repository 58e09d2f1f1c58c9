"""A platform for the map's own APIs (search, configuration, route plan, organisations): the sample
roads of the base domain plus small constructed layers — public vehicles, restricted cases, a
workflow layer with holding organisations — on either store, with a users file naming an inspector."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from shapely.geometry import Point

from domains.base import sample_dir
from gis_server.app import create_app
from gis_server.settings import Settings
from layers.model import LayerDefinition
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tests.linear_referencing.conftest import load_base

ADMIN = "map-admin-token-0123456789"
INSPECTOR = "map-inspector-token-0123456789"
INSPECTOR_USER = {"name": "inspector.220100.01", "display_name": "长春市执法检查员", "roles": ["inspector"],
                  "organisation": "长春市交通运输综合行政执法支队", "region": "220100"}
EXTENT = [120.0, 40.0, 132.0, 47.0]


def _layer(layer_id: str, domain: str, fields: list[dict[str, Any]], **extra: Any) -> LayerDefinition:
    return LayerDefinition.model_validate({
        "id": layer_id, "title_zh": f"测试{layer_id}", "title_en": layer_id, "domain": domain,
        "catalogue_code": "JL-JT-CS-9902", "geometry_type": "Point", "valid_extent": EXTENT,
        "fields": fields, **extra})


VEHICLES = _layer("map_vehicles", "road_transport", [
    {"name": "plate", "type": "string", "title_zh": "车牌号码", "max_length": 16},
    {"name": "name_zh", "type": "string", "title_zh": "名称", "max_length": 64},
])
CASES = _layer("map_cases", "enforcement", [
    {"name": "case_no", "type": "string", "title_zh": "案件编号", "max_length": 32},
    {"name": "party_name", "type": "string", "title_zh": "当事人", "max_length": 64},
], read_roles=["inspector"])
TASKS = _layer("map_tasks", "hazards", [
    {"name": "task_no", "type": "string", "title_zh": "任务编号", "max_length": 32},
    {"name": "adcode", "type": "string", "title_zh": "行政区划代码", "max_length": 6},
], read_roles=["inspector"], write_roles=["inspector"], workflow={
    "initial": "open",
    "states": [{"id": "open", "name_zh": "办理中", "time_limit_hours": 24},
               {"id": "closed", "name_zh": "已办结", "terminal": True}],
    "transitions": [{"id": "close", "name_zh": "办结", "from_states": ["open"], "to": "closed",
                     "roles": ["inspector"]}],
})

#: (plate, name) of the public vehicles, fids 1… in this order.
VEHICLE_ROWS = [("吉A·12345", "长春运输50%公司"), ("吉A·123456", "长春运输500公司"), ("吉B·12345", "a_b物流"),
                ("吉C·54321", "axb物流")]
#: (case number, party) of the restricted cases, fids 1… in this order.
CASE_ROWS = [("ZF220100202600001", "甲运输公司"), ("ZF220100202600002", "乙运输公司")]
#: Holding organisations of the workflow tasks (None: held by nobody's organisation).
TASK_ORGS = ["长春市交通运输局", "吉林市交通运输局", "长春市交通运输局", None]


def point_of(index: int) -> Point:
    return Point(125.30 + index * 0.01, 43.85 + index * 0.005)


def stake_post(label: str) -> tuple[float, float]:
    """Where the base samples' kilometre post with this label stands (lon, lat)."""
    with (sample_dir() / "stakes.geojson").open(encoding="utf-8") as handle:
        for feature in json.load(handle)["features"]:
            if feature["properties"]["label"] == label:
                lon, lat = feature["geometry"]["coordinates"]
                return lon, lat
    raise KeyError(label)


def write_users(path: Path) -> Path:
    import yaml

    path.write_text(yaml.safe_dump({"users": {INSPECTOR: INSPECTOR_USER}}, allow_unicode=True), encoding="utf-8")
    return path


def build_registry(store_url: str, scratch: Path) -> LayerRegistry:
    store = open_store(store_url)
    registry = LayerRegistry(store)
    load_base(registry, "roads", scratch)
    for layer in (VEHICLES, CASES, TASKS):
        registry.register(layer)
    store.insert(VEHICLES, [FeatureRecord(point_of(i), {"plate": plate, "name_zh": name})
                            for i, (plate, name) in enumerate(VEHICLE_ROWS)])
    store.insert(CASES, [FeatureRecord(point_of(10 + i), {"case_no": no, "party_name": party})
                         for i, (no, party) in enumerate(CASE_ROWS)])
    store.insert(TASKS, [FeatureRecord(point_of(20 + i), {
        "task_no": f"RW{i:04d}", "adcode": "220100", "workflow_state": "open", "holder": "someone",
        "holder_org": org, "overdue": False}) for i, org in enumerate(TASK_ORGS)])
    return registry


def serve(registry: LayerRegistry, store_url: str, scratch: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=store_url, admin_token=ADMIN, users_file=write_users(scratch / "users.yaml"),
                        sweep_seconds=0)
    with TestClient(create_app(settings, store=registry.store), base_url="http://testserver") as client:
        yield client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
