"""Property-based tests of every operation the live server publishes at `/api` (schemathesis 4).

Schemathesis loads the OpenAPI document from the running server and generates requests for
each operation — valid ones and deliberately invalid ones — including the writes, sent with
the admin token. Every response must not be a server error and must match what the document
promises: a documented status code, content type and headers, and a body valid against the
documented schema. Path ids are drawn partly from features that exist, so replace, update and
delete reach real rows, not only 404s.

`schemathesis.pytest.from_fixture` cannot be used with pytest 9 (it writes `Node._nodeid`, which
pytest 9 removed), so each operation is a parametrized test of its own driving Hypothesis with
the operation's `as_strategy()`; the operations are enumerated from the server's own OpenAPI
builder for the test layers, and looked up in the document the live server serves.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gis_server.openapi import build_openapi
from layers.model import GeometryType, LayerDefinition
from tests.clients.conftest import ROADS, STATIONS, LiveServer

#: Examples per operation and generation mode (15: the ~300 operation × mode × store cases fit the suite's
#: 20-minute CI budget; every 10 more cost ~80 s of CPU); raise it locally for a longer hunt.
MAX_EXAMPLES = int(os.environ.get("ONEMAP_TEST_FUZZ_EXAMPLES", "15"))
#: The suite replays the same examples every run (CI must be repeatable); set ONEMAP_TEST_FUZZ_RANDOM=1
#: to explore new ones.
DERANDOMIZE = os.environ.get("ONEMAP_TEST_FUZZ_RANDOM") != "1"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
LAYERS = {layer.id: layer for layer in (ROADS, STATIONS)}
METHODS = ("get", "put", "post", "patch", "delete")
PATHS = build_openapi("http://x", [ROADS, STATIONS])["paths"]
OPERATIONS = [(method.upper(), path) for path, item in PATHS.items() for method in item if method in METHODS]
#: Every operation with valid inputs; with invalid ones only those that take any input at all (an
#: operation without parameters or body has no invalid request to generate).
CASES = [(method, path, mode) for method, path in OPERATIONS
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if mode is GenerationMode.POSITIVE or PATHS[path][method.lower()].get("parameters")
         or "requestBody" in PATHS[path][method.lower()]]


@pytest.fixture(scope="module")
def api_schema(live_server: LiveServer) -> Any:
    """The live `/api` document, with feature ids steered partly towards features that exist."""
    response = httpx.get(f"{live_server.url}/api", timeout=30)
    assert response.status_code == 200, response.text
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api")
    ids = {name: [str(f["id"]) for f in live_server.items(name, limit=40, skipGeometry="true")["features"]]
           for name in (ROADS.id, STATIONS.id)}

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
        if not path_parameters or "featureId" not in path_parameters or context.operation is None:
            return st.just(path_parameters)
        known = ids[context.operation.path.split("/")[2]]
        return st.one_of(st.just(path_parameters),
                         st.sampled_from(known).map(lambda fid: {**path_parameters, "featureId": fid}))

    @schema.hook
    def flatmap_body(context: Any, body: Any) -> Any:
        """Mix in bodies the server must accept: the generated properties of the layer, a valid geometry."""
        operation = context.operation
        if operation is None or not isinstance(body, dict) or not operation.path.startswith("/collections/"):
            return st.just(body)
        layer = LAYERS[operation.path.split("/")[2]]
        if operation.method.upper() == "PATCH":
            return st.one_of(st.just(body), valid_feature(layer, {}).map(lambda f: {"properties": f["properties"]}))
        return st.one_of(st.just(body), valid_feature(layer, body))

    return schema


def valid_feature(layer: LayerDefinition, generated: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A feature inside Jilin with the generated values of the layer's own fields and a name."""
    generated_props = generated.get("properties")
    props = {k: v for k, v in (generated_props if isinstance(generated_props, dict) else {}).items()
             if k in layer.field_names}
    lon, lat = st.floats(122.0, 130.0), st.floats(41.5, 46.0)
    point = st.tuples(lon, lat).map(list)
    if layer.geometry_type is GeometryType.POINT:
        geometry = point.map(lambda p: {"type": "Point", "coordinates": p})
    else:
        geometry = st.lists(point, min_size=2, max_size=5, unique_by=tuple).map(
            lambda pts: {"type": "LineString", "coordinates": pts})
    name = st.text(st.characters(codec="utf-8", exclude_categories=("C",)), min_size=1, max_size=20)
    return st.builds(lambda g, n: {"type": "Feature", "geometry": g, "properties": {**props, "name": n}},
                     geometry, name)


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=[f"{p}-{m} {path}" for m, path, p in
                                                                 ((m, path, mode.value) for m, path, mode in CASES)])
def test_operation_keeps_its_published_contract(api_schema: Any, live_server: LiveServer, method: str, path: str,
                                                mode: GenerationMode) -> None:
    operation = api_schema[path][method]

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def exercise(case: Any) -> None:
        case.call_and_validate(headers=live_server.auth, checks=CHECKS, timeout=30)

    exercise()
