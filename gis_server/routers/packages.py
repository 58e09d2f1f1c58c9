"""`/packages`: offline packages for field staff, built as jobs and downloaded with resume.

- `POST /packages` (JSON `{"area", "zooms", "layers", "format"}`) — 202 with the job and its
  `Location`, or 200 when the same package of the same data exists already; bad input → 400/404
  problem+json naming the parameter; the caller must be signed in and may read every layer.
- `GET /packages` — the caller's jobs (an administrator sees all); `GET /packages/{id}` — status,
  progress (`done_tiles`/`total_tiles`), the manifest when done, links (`enclosure`: the file).
- `GET /packages/{id}/file` — the package file: `Range` requests (206, so a broken download resumes),
  `ETag` and `Last-Modified` (Starlette's `FileResponse`), `Content-Disposition: attachment`.
- `POST /packages/{id}/update` — a patch job: only the tiles whose data changed since the package
  was built (`onemap package apply` applies it; byte-identical to a fresh build).
- `"fieldwork": true` in the request carries the caller's open items in the area as an editable
  GeoPackage (`GET /packages/{id}/items` gives it on its own); `POST /packages/sync` with the returned
  package or GeoPackage as the body applies its edits once and keeps conflicts (docs/fieldwork.md).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from gis_server.links import JSON, base_url, link
from gis_server.package_fieldwork import FIELD_PART, sync_file, with_fieldwork
from gis_server.package_jobs import MEDIA_TYPES, Job, JobBoard
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.routers.workflow import actor_of
from gis_server.security import authorize_read, denied, principal_of
from gis_server.state import services
from layers.errors import InvalidQuery
from tiles.packages.container import PackageError, open_package
from tiles.packages.requests import build_request

router = APIRouter()
#: Largest request body accepted (the area may be a GeoJSON polygon).
MAX_BODY = 2 * 1024 * 1024
#: Largest returned package or GeoPackage accepted by /packages/sync (photos included).
MAX_UPLOAD = 512 * 1024 * 1024
GEOPACKAGE = "application/geopackage+sqlite3"
NOT_FOUND = "未找到 / Not found"


def board(request: Request) -> JobBoard:
    state = request.app.state
    found: JobBoard | None = getattr(state, "package_jobs", None)
    if found is None:
        found = state.package_jobs = JobBoard()
    return found


def _signed_in(request: Request) -> str:
    principal = principal_of(request)
    if principal.is_anonymous:
        raise ApiProblem(401, "未认证 / Unauthorized", "制作离线包需要登录 / sign in to build packages",
                         headers={"WWW-Authenticate": 'Bearer realm="onemap"'})
    return principal.name


def _job_json(request: Request, job: Job) -> dict[str, Any]:
    url = f"{base_url(request)}/packages/{job.id}"
    body: dict[str, Any] = {
        "id": job.id, "kind": job.kind, "format": job.format, "status": job.status, "area": job.area,
        "zooms": job.zooms, "layers": job.layers, "requested_by": job.requested_by,
        "progress": {"done_tiles": job.done_tiles, "total_tiles": job.total_tiles,
                     "percent": round(100 * job.done_tiles / job.total_tiles, 1) if job.total_tiles else 0.0},
        "error": job.error, "manifest": job.manifest, "base": job.base,
        "links": [link(url, "self", JSON, "离线包任务 / package job")],
    }
    if job.kind == "patch":
        body["patch"] = {key: job.extra[key] for key in ("changed", "deleted") if key in job.extra}
    if job.status == "done":
        body["links"].append(link(f"{url}/file", "enclosure", MEDIA_TYPES[job.format],
                                  f"下载离线包 / download the package ({job.format})"))
    return body


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=JSON,
                    headers={"Cache-Control": "no-store", **(headers or {})})


def _visible(request: Request, job: Job) -> bool:
    principal = principal_of(request)
    return "admin" in principal.roles or job.requested_by == principal.name


@router.post("/packages", include_in_schema=False)
async def request_package(request: Request) -> Response:
    reject_unknown(request.query_params, ())
    who = _signed_in(request)
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ApiProblem(413, "请求过大 / Payload too large",
                         f"请求体不得超过 {MAX_BODY} 字节 / at most {MAX_BODY} bytes")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidQuery(f"请求体须为 JSON / the body must be JSON: {exc}", parameter="body") from None
    if not isinstance(body, dict):
        raise InvalidQuery("请求体须为 JSON 对象 / the body must be a JSON object", parameter="body")
    unknown = sorted(set(body) - {"area", "zooms", "layers", "format", "fieldwork"})
    if unknown:
        raise InvalidQuery(f"未知字段 / unknown member {unknown[0]!r}", parameter=unknown[0])
    area, zooms, layers, fmt = (body.get(key) for key in ("area", "zooms", "layers", "format"))
    if isinstance(layers, list) and all(isinstance(item, str) for item in layers):
        layers = ",".join(layers)
    for name, value in (("area", area), ("zooms", zooms), ("layers", layers)):
        if not isinstance(value, str):
            raise InvalidQuery(f"{name} 须为字符串 / {name} must be a string", parameter=name)
    fieldwork = body.get("fieldwork", False)
    if not isinstance(fieldwork, bool):
        raise InvalidQuery("fieldwork 须为 true 或 false / fieldwork must be true or false", parameter="fieldwork")
    svc = services(request)
    jobs = board(request)

    def plan() -> tuple[Job, bool]:
        registered = svc.registry.all()
        built = build_request(area=area, zooms=zooms, layers=layers, fmt=fmt if isinstance(fmt, str) else "mbtiles",
                              out=jobs.directory / "pending", builder=who, store=svc.store, registered=registered)
        # the package holds what the requester sees: their views of the layers (rows, fields, masks)
        built = replace(built, layers=tuple(authorize_read(request, layer) for layer in built.layers))
        if fieldwork:
            built = with_fieldwork(built, svc.store, registered, actor_of(request))
        current = svc.store.layer_versions()
        versions = {layer.id: current.get(layer.id, 0) for layer in built.layers}
        return jobs.submit(built, versions, who, area, svc.settings.database_url)

    job, _ = await run_in_threadpool(plan)
    location = f"{base_url(request)}/packages/{job.id}"
    return _json(_job_json(request, job), 202 if job.status != "done" else 200, {"Location": location})


@router.get("/packages", include_in_schema=False)
def list_packages(request: Request) -> Response:
    reject_unknown(request.query_params, ())
    _signed_in(request)
    jobs = [_job_json(request, job) for job in board(request).all() if _visible(request, job)]
    return _json({"packages": jobs, "links": [link(f"{base_url(request)}/packages", "self", JSON,
                                                   "离线包 / packages")]})


def _job(request: Request, job_id: str) -> Job:
    _signed_in(request)
    job = board(request).get(job_id)
    if job is None or not _visible(request, job):
        raise ApiProblem(404, NOT_FOUND, f"没有该离线包任务 / no package job {job_id!r}")
    return job


@router.get("/packages/{job_id}", include_in_schema=False)
def package_status(request: Request, job_id: str) -> Response:
    reject_unknown(request.query_params, ())
    return _json(_job_json(request, _job(request, job_id)))


@router.post("/packages/{job_id}/update", include_in_schema=False)
async def update_package(request: Request, job_id: str) -> Response:
    """A patch of the package up to the data as it is now: 202 with the patch job (or 200 when made
    already); its file holds only the tiles whose data changed (`onemap package apply` applies it)."""
    reject_unknown(request.query_params, ())
    who = _signed_in(request)
    base = _job(request, job_id)
    if base.kind != "package" or base.status != "done" or not board(request).file_path(base).exists():
        raise ApiProblem(409, "尚未完成 / Not ready", f"只能为已完成的离线包制作更新 / only a finished package can be "
                         f"updated ({base.kind}, {base.status})")
    if base.requested_by != who:  # the patch is rendered with its requester's views: the package's own
        raise denied(request, "只能更新自己制作的离线包 / only the person who made a package can update it",
                     target=f"package:{base.id}")
    svc = services(request)

    def submit() -> tuple[Job, bool]:
        current = svc.store.layer_versions()
        views = [authorize_read(request, svc.registry.get(layer_id)) for layer_id in base.layers]
        return board(request).submit_patch(base, {i: current.get(i, 0) for i in base.layers}, who,
                                           svc.settings.database_url, views)

    job, _ = await run_in_threadpool(submit)
    location = f"{base_url(request)}/packages/{job.id}"
    return _json(_job_json(request, job), 202 if job.status != "done" else 200, {"Location": location})


@router.post("/packages/sync", include_in_schema=False)
async def sync_package(request: Request) -> Response:
    """A returned package (or its field-work GeoPackage) as the request body: its edits applied once,
    conflicts kept; only the person it was built for (or an administrator) may send it."""
    reject_unknown(request.query_params, ())
    _signed_in(request)
    raw = await request.body()
    if not raw:
        raise InvalidQuery("请求体须为离线包或现场作业 GeoPackage / send the package or its GeoPackage as the body",
                           parameter="body")
    if len(raw) > MAX_UPLOAD:
        raise ApiProblem(413, "请求过大 / Payload too large", f"上传不得超过 {MAX_UPLOAD // 2**20} MB / at most "
                         f"{MAX_UPLOAD // 2**20} MB")
    svc = services(request)
    actor = actor_of(request)

    def work() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="onemap-upload-") as scratch:
            path = Path(scratch) / "returned"
            path.write_bytes(raw)
            try:
                return sync_file(path, svc.store, svc.registry.all(), actor).as_json()
            except PackageError as exc:
                raise InvalidQuery(str(exc), parameter="body") from None

    return _json(await run_in_threadpool(work))


@router.get("/packages/{job_id}/items", include_in_schema=False)
def package_items(request: Request, job_id: str) -> Response:
    """The field-work GeoPackage a package carries, for a field app."""
    reject_unknown(request.query_params, ())
    job = _job(request, job_id)
    path = board(request).file_path(job)
    if job.status != "done" or not path.exists():
        raise ApiProblem(409, "尚未完成 / Not ready", f"离线包尚未制作完成（{job.status}）/ the package is not ready")
    with open_package(path) as reader:
        data = reader.file(FIELD_PART)
    if data is None:
        raise ApiProblem(404, NOT_FOUND, "该离线包没有现场作业数据 / this package carries no field work")
    return Response(data, media_type=GEOPACKAGE, headers={
        "Content-Disposition": f'attachment; filename="onemap-{job.id}-items.gpkg"', "Cache-Control": "no-store"})


@router.get("/packages/{job_id}/file", include_in_schema=False)
def package_file(request: Request, job_id: str) -> Response:
    reject_unknown(request.query_params, ())
    job = _job(request, job_id)
    path = board(request).file_path(job)
    if job.status != "done" or not path.exists():
        raise ApiProblem(409, "尚未完成 / Not ready", f"离线包尚未制作完成（{job.status}）/ the package is not ready "
                         f"({job.status})")
    return FileResponse(path, media_type=MEDIA_TYPES[job.format], filename=f"onemap-{job.id}.{job.format}",
                        headers={"Cache-Control": "private, no-cache"})
