"""In-process timings of the access benchmark (no HTTP): where an authenticated request's extra time goes.

- `gis_server.security.authenticate` for no header, the platform token (JWT) and the API key: the
  first call (signature check or key hash plus the store read of the account or key) and the
  median of the calls after it (answered by the 30 s cache of verified tokens);
- `AccessPolicy.view` for the anonymous caller on `bench_open` and for the JWT's and the key's
  principals on `bench_guarded`: the first call (the view is made) and the median of the memoised
  calls after it;
- the store's page query (`store.query`, 100 features in a random box) through the declaration of
  `bench_open` and through the inspector's view of `bench_guarded` (row filter + masked `plate`,
  hidden `internal_note`), alternating, a new box for every call: the SQL side of the difference.

Imports the server's security and identity modules, which is the point: the same code the server runs.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.access_data import GUARDED, random_boxes
from gis_server.identity import bind, unbind
from gis_server.security import authenticate
from gis_server.settings import Settings
from layers.access.view import AccessPolicy
from layers.model import LayerDefinition
from layers.query import FeatureQuery
from layers.stores import open_store


def _timed(call: Callable[[], object], n: int) -> dict[str, float]:
    """First call and the median/p95 of `n` further calls, in microseconds."""
    started = time.perf_counter_ns()
    call()
    first = (time.perf_counter_ns() - started) / 1000
    times = []
    for _ in range(n):
        started = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - started)
    times.sort()
    return {"first_us": round(first, 1), "median_us": round(statistics.median(times) / 1000, 2),
            "p95_us": round(times[int(len(times) * 0.95)] / 1000, 2), "calls": n}


def measure(url: str, *, admin_token: str, token_secret: str, jwt: str, key: str, open_layer: LayerDefinition,
            guarded: LayerDefinition, calls: int, queries: int, box: float, seed: int) -> dict[str, Any]:
    settings = Settings(database_url=url, admin_token=admin_token, users_file=None, token_secret=token_secret,
                        anonymous_read="all", sweep_seconds=0)
    store = open_store(url)
    service = bind(settings, store)
    try:
        headers = {"anonymous": None, "jwt": f"Bearer {jwt}", "key": f"Bearer {key}"}
        auth = {name: _timed(lambda h=header: authenticate(h, settings), calls) for name, header in headers.items()}
        principals = {name: authenticate(header, settings) for name, header in headers.items()}
        policy = AccessPolicy(anonymous_all=True)
        targets = {"anonymous": open_layer, "jwt": guarded, "key": guarded}
        views = {name: _timed(lambda p=principals[name], layer=targets[name]: policy.view(layer, p), calls)
                 for name in headers}
        view = policy.view(guarded, principals["jwt"]).layer
        assert view is not None and view.row_filter is not None, "the inspector's view has no row filter"
        sql = _queries(store, open_layer, view, queries, box, seed)
    finally:
        unbind(service)
        store.close()
    return {"authenticate": auth, "view": views, "store_query": sql}


def _queries(store: Any, open_layer: LayerDefinition, view: LayerDefinition, n: int, box: float,
             seed: int) -> dict[str, Any]:
    """`store.query` of 100-feature pages, declaration and view alternating, a new box each time."""
    boxes = random_boxes([seed, 9], 2 * n, box)
    times: dict[str, list[float]] = {"open": [], GUARDED: []}
    for i in range(n):
        for j, (name, layer) in enumerate((("open", open_layer), (GUARDED, view))):
            bbox = tuple(float(v) for v in boxes[2 * i + j].split(","))
            query = FeatureQuery(limit=100, bbox=bbox)  # type: ignore[arg-type]
            started = time.perf_counter_ns()
            store.query(layer, query)
            times[name].append((time.perf_counter_ns() - started) / 1e6)
    medians = {name: round(statistics.median(values), 3) for name, values in times.items()}
    return {"calls": n, "median_ms": medians, "difference_ms": round(medians[GUARDED] - medians["open"], 3)}
