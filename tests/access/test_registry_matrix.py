"""The permission matrix over the real registry: every layer every domain declares × every role the
registry names (and the anonymous caller, in both anonymous modes) × listing, collection and items,
against the declarations' read roles (every other path: test_permission_matrix)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from domains.framework.discovery import discover_domains
from gis_server.app import create_app
from gis_server.settings import Settings
from layers.model import LayerDefinition
from layers.registry import LayerRegistry
from layers.stores import open_store

DECLARED: list[LayerDefinition] = [layer for domain in discover_domains() for layer in domain.layers()]
ROLES = sorted({role for layer in DECLARED for role in layer.read_roles if role != "public"})
TOKEN = "registry-matrix-{}-0123456789"


def _expected(role: str | None, layer: LayerDefinition, anonymous_all: bool) -> int:
    if role is None:
        open_to_anonymous = "public" in layer.read_roles and (anonymous_all or layer.access.public)
        return 200 if open_to_anonymous else 401
    return 200 if role in layer.read_roles or "public" in layer.read_roles else 403


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("registry-matrix")
    url = f"geopackage://{folder / 'registry.gpkg'}"
    store = open_store(url)
    LayerRegistry(store).register_many(DECLARED)
    store.close()
    users = {TOKEN.format(role): {"name": f"user-{role}", "roles": [role], "region": "220100"} for role in ROLES}
    (folder / "users.yaml").write_text(yaml.safe_dump({"users": users}), encoding="utf-8")
    yield url, folder / "users.yaml"


@pytest.mark.parametrize("anonymous_read", ["all", "public-layers"])
def test_every_role_reads_exactly_the_layers_declared_for_it(world: tuple[str, Path], anonymous_read: str,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tiles"))
    url, users = world
    settings = Settings(database_url=url, admin_token="registry-matrix-admin-0123", users_file=users,
                        sweep_seconds=0, anonymous_read=anonymous_read)
    problems: list[str] = []
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        for role in [None, *ROLES]:
            headers = {} if role is None else {"Authorization": f"Bearer {TOKEN.format(role)}"}
            listed = {c["id"] for c in client.get("/collections?f=json", headers=headers).json()["collections"]}
            for layer in DECLARED:
                wanted = _expected(role, layer, anonymous_read == "all")
                if (layer.id in listed) != (wanted == 200):
                    problems.append(f"{role or 'anonymous'} × {layer.id}: listed {layer.id in listed}")
                for path in (f"/collections/{layer.id}?f=json", f"/collections/{layer.id}/items?f=json&limit=1"):
                    status = client.get(path, headers=headers).status_code
                    got = 200 if status in (200, 204) else status
                    if got != wanted:
                        problems.append(f"{role or 'anonymous'} × {layer.id} × {path}: {status}, wanted {wanted}")
    assert not problems, "\n".join(problems[:40])
