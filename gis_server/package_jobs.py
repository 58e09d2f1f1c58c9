"""Package builds requested over HTTP: jobs with status and progress, files kept for download.

A job is identified by what it builds — a hash of the request (area, zooms, layers, format) and the
layers' data versions at the time — so asking again for the same package of the same data finds the
job already done (or running) instead of building it twice, and a job cut short by a restart resumes
from its work file (`tiles.packages.build`) when asked for again. Jobs live in `ONEMAP_PACKAGE_DIR`
(default `$ONEMAP_DATA_DIR/packages`): `<id>.json` (status, progress, who asked, the manifest when
done) and the file `<id>.<format>`; every worker process of the server reads the same directory.
Builds run in a thread of the process that accepted them (which starts the build's own worker
processes); a job found `running` whose process is gone is reported as `interrupted`.
"""

from __future__ import annotations

import contextvars
import hashlib
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from gis_server.settings import DEFAULT_DATA_DIR
from layers.model import LayerDefinition
from tiles.packages.build import BuildReport, BuildRequest, build_package, job_description
from tiles.packages.inspect import read_manifest
from tiles.packages.update import build_patch

MEDIA_TYPES = {"mbtiles": "application/vnd.sqlite3", "pmtiles": "application/vnd.pmtiles"}
#: Seconds between progress writes of a running job.
PROGRESS_EVERY = 0.5


def package_dir() -> Path:
    raw = os.environ.get("ONEMAP_PACKAGE_DIR", "").strip()
    return Path(raw) if raw else DEFAULT_DATA_DIR / "packages"


@dataclass
class Job:
    id: str
    kind: str
    format: str
    status: str  # queued, running, done, failed, interrupted
    requested_by: str
    requested_at: float
    area: str
    zooms: list[int]
    layers: list[str]
    total_tiles: int = 0
    done_tiles: int = 0
    pid: int = 0
    error: str | None = None
    finished_at: float | None = None
    manifest: dict[str, Any] | None = None
    base: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.id}.{self.format}"


class JobBoard:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or package_dir()
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}

    def _status_path(self, job_id: str) -> Path:
        return self.directory / f"{job_id}.json"

    def file_path(self, job: Job) -> Path:
        return self.directory / job.file_name

    def get(self, job_id: str) -> Job | None:
        if not all(c in "0123456789abcdef" for c in job_id) or len(job_id) != 24:
            return None
        job = self._read(job_id)
        if job is not None and job.status in ("queued", "running") and not self._alive(job):
            # read again: the build may have finished (and saved its last status) since the first read
            job = self._read(job_id)
            if job is not None and job.status in ("queued", "running"):
                job.status = "interrupted"
        return job

    def _read(self, job_id: str) -> Job | None:
        try:
            return Job(**orjson.loads(self._status_path(job_id).read_bytes()))
        except (OSError, ValueError, TypeError):
            return None

    def _alive(self, job: Job) -> bool:
        thread = self._threads.get(job.id)
        if thread is not None:
            return thread.is_alive()
        if job.pid == os.getpid():
            return False  # this process holds no thread for it: it died with an earlier run of the app
        try:
            os.kill(job.pid, 0)
        except (OSError, ValueError):
            return False
        return True

    def all(self) -> list[Job]:
        paths = sorted(self.directory.glob("*.json")) if self.directory.is_dir() else []
        jobs = [self.get(path.stem) for path in paths]
        return sorted((job for job in jobs if job is not None), key=lambda job: job.requested_at, reverse=True)

    def save(self, job: Job) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._status_path(job.id)
        temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_bytes(orjson.dumps(asdict(job)))
        os.replace(temporary, path)

    def _reusable(self, job_id: str) -> Job | None:
        """The job with this id if it is queued, running, or done with its file still there."""
        existing = self.get(job_id)
        if existing is None or existing.status not in ("queued", "running", "done"):
            return None
        return existing if existing.status != "done" or self.file_path(existing).exists() else None

    def submit(self, request: BuildRequest, versions: dict[str, int], requested_by: str, area_text: str,
               database_url: str) -> tuple[Job, bool]:
        """The job building `request` — existing (False) or new and started (True)."""
        # A package with field work is personal and made anew each time (its items move on their own).
        personal = f"|fieldwork:{request.package_id}" if request.fieldwork is not None else ""
        job_id = hashlib.blake2b((job_description(request, versions) + personal).encode(), digest_size=12).hexdigest()
        with self._lock:
            existing = self._reusable(job_id)
            if existing is not None:
                return existing, False
            job = Job(id=job_id, kind="package", format=request.fmt, status="queued", requested_by=requested_by,
                      requested_at=time.time(), area=area_text, zooms=list(request.zooms),
                      layers=[layer.id for layer in request.layers], pid=os.getpid())
            self.save(job)
            out = self.file_path(job)
            build = replace(request, out=out, builder=requested_by)
            # the build runs as the caller (audit trail): the thread carries a copy of this context
            thread = threading.Thread(target=contextvars.copy_context().run, args=(self._run, job, build, database_url),
                                      name=f"onemap-package-{job_id}", daemon=True)
            self._threads[job_id] = thread
            thread.start()
            return job, True

    def _run(self, job: Job, request: BuildRequest, database_url: str) -> None:
        last = 0.0

        def started(report: BuildReport) -> None:
            job.status, job.total_tiles, job.done_tiles = "running", report.total_tiles, report.skipped_tiles
            self.save(job)

        def progress(tiles: int) -> None:
            nonlocal last
            job.done_tiles += tiles
            if time.monotonic() - last >= PROGRESS_EVERY:
                last = time.monotonic()
                self.save(job)

        try:
            report = build_package(request, database_url, workers=max(1, (os.cpu_count() or 2)),
                                   on_start=started, on_progress=progress)
            if report.errors or report.manifest is None:
                job.status, job.error = "failed", (report.errors or ["未完成 / not finished"])[0]
            else:
                job.status, job.manifest = "done", asdict(report.manifest)
                job.done_tiles = job.total_tiles
        except Exception as exc:  # recorded for whoever polls the job
            job.status, job.error = "failed", getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        job.finished_at = time.time()
        self.save(job)

    def submit_patch(self, base: Job, versions: dict[str, int], requested_by: str,
                     database_url: str, layers: Sequence[LayerDefinition] | None = None) -> tuple[Job, bool]:
        """The job making the patch of `base` up to the layers' current `versions` (existing or new),
        rendered with `layers` (the requester's views of the package's layers) when given."""
        key = f"patch|{base.id}|{sorted(versions.items())}"
        job_id = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
        with self._lock:
            existing = self._reusable(job_id)
            if existing is not None:
                return existing, False
            job = Job(id=job_id, kind="patch", format=base.format, status="queued", requested_by=requested_by,
                      requested_at=time.time(), area=base.area, zooms=base.zooms, layers=base.layers,
                      pid=os.getpid(), base=base.id)
            self.save(job)
            thread = threading.Thread(target=contextvars.copy_context().run,
                                      args=(self._run_patch, job, self.file_path(base), database_url, layers),
                                      name=f"onemap-patch-{job_id}", daemon=True)
            self._threads[job_id] = thread
            thread.start()
            return job, True

    def _run_patch(self, job: Job, base_file: Path, database_url: str,
                   layers: Sequence[LayerDefinition] | None = None) -> None:
        job.status = "running"
        self.save(job)
        try:
            report = build_patch(base_file, database_url, self.file_path(job), layers=layers)
            job.status, job.manifest = "done", asdict(read_manifest(self.file_path(job)))
            job.total_tiles = job.done_tiles = report.candidates
            job.extra = {"changed": report.changed, "deleted": report.deleted, "result": asdict(report.result)}
        except Exception as exc:  # recorded for whoever polls the job
            job.status, job.error = "failed", getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        job.finished_at = time.time()
        self.save(job)

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)


__all__ = ["MEDIA_TYPES", "Job", "JobBoard", "package_dir"]
