"""Positions in the embedded store: a plain table `rt_positions` in the GeoPackage file.

    rt_positions (plate TEXT, time_ms INTEGER, lon REAL, lat REAL, speed_kmh REAL, heading_deg REAL,
                  PRIMARY KEY (plate, time_ms)) WITHOUT ROWID

Not a GeoPackage feature table (not in `gpkg_contents`, so GIS clients leave it alone): times are
milliseconds since the epoch (UTC), coordinates plain CGCS2000 lon/lat. The primary key orders rows
by vehicle and time (per-vehicle windows are one range scan); an index on `time_ms` serves windows
over all vehicles. Duplicates are ignored with `INSERT OR IGNORE`. Writes run in the store's write
transaction (`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import numpy as np
import sqlalchemy as sa

from domains.road_transport.positions.batch import PositionBatch
from domains.road_transport.positions.store import STATE_TABLE, TABLE, DrivingState, WriteResult
from layers.stores.geopackage.engine import reading, writing

DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (plate TEXT NOT NULL, time_ms INTEGER NOT NULL, lon REAL NOT NULL, "
    "lat REAL NOT NULL, speed_kmh REAL NOT NULL, heading_deg REAL NOT NULL, PRIMARY KEY (plate, time_ms)) "
    "WITHOUT ROWID",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_time ON {TABLE} (time_ms)",
    f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (plate TEXT PRIMARY KEY, last_ms INTEGER NOT NULL, "
    "stretch_start_ms INTEGER, idle_since_ms INTEGER)",
)
_UPSERT_STATES = (
    f"INSERT INTO {STATE_TABLE} (plate, last_ms, stretch_start_ms, idle_since_ms) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (plate) DO UPDATE SET last_ms = excluded.last_ms, stretch_start_ms = excluded.stretch_start_ms, "
    f"idle_since_ms = excluded.idle_since_ms WHERE excluded.last_ms >= {STATE_TABLE}.last_ms"
)
_INSERT = f"INSERT OR IGNORE INTO {TABLE} (plate, time_ms, lon, lat, speed_kmh, heading_deg) VALUES (?, ?, ?, ?, ?, ?)"
CHUNK = 50_000


class GeoPackagePositions:
    kind = "geopackage"

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def ensure(self, conn: sa.Connection) -> None:
        for statement in DDL:
            conn.exec_driver_sql(statement)

    def write(self, batch: PositionBatch) -> WriteResult:
        if len(batch) == 0:
            return WriteResult(0, 0)
        rows = batch.sorted()
        columns = (rows.plate.tolist(), rows.t.tolist(), rows.lon.tolist(), rows.lat.tolist(), rows.speed.tolist(),
                   rows.heading.tolist())
        stored = 0
        with writing(self.engine) as conn:
            self.ensure(conn)
            data = list(zip(*columns, strict=True))
            for start in range(0, len(data), CHUNK):
                stored += int(conn.exec_driver_sql(_INSERT, data[start:start + CHUNK]).rowcount)
        return WriteResult(stored, len(batch) - stored)

    def read(self, plates: Sequence[str], start_ms: int, end_ms: int) -> PositionBatch:
        names = sorted(set(plates))
        if not names:
            return PositionBatch.empty()
        with reading(self.engine) as conn:
            if not self._exists(conn):
                return PositionBatch.empty()
            rows = conn.exec_driver_sql(
                f"SELECT plate, time_ms, lon, lat, speed_kmh, heading_deg FROM {TABLE} "
                "WHERE plate IN (SELECT value FROM json_each(?)) AND time_ms >= ? AND time_ms <= ? "
                "ORDER BY plate, time_ms", (json.dumps(names, ensure_ascii=False), int(start_ms), int(end_ms))).all()
        if not rows:
            return PositionBatch.empty()
        plate, t, lon, lat, speed, heading = zip(*rows, strict=True)
        return PositionBatch.of(plate, np.asarray(t, dtype=np.int64), lon, lat, speed, heading)

    def counts(self, start_ms: int, end_ms: int) -> dict[str, int]:
        with reading(self.engine) as conn:
            if not self._exists(conn):
                return {}
            rows = conn.exec_driver_sql(f"SELECT plate, count(*) FROM {TABLE} WHERE time_ms >= ? AND time_ms < ? "
                                        "GROUP BY plate", (int(start_ms), int(end_ms))).all()
        return {str(plate): int(count) for plate, count in rows}

    def delete_between(self, start_ms: int, end_ms: int) -> int:
        with writing(self.engine) as conn:
            if not self._exists(conn):
                return 0
            result = conn.exec_driver_sql(f"DELETE FROM {TABLE} WHERE time_ms >= ? AND time_ms < ?",
                                          (int(start_ms), int(end_ms)))
            return int(result.rowcount)

    def read_states(self, plates: Sequence[str]) -> dict[str, DrivingState]:
        names = sorted(set(plates))
        if not names:
            return {}
        with reading(self.engine) as conn:
            if not self._exists(conn, STATE_TABLE):
                return {}
            rows = conn.exec_driver_sql(
                f"SELECT plate, last_ms, stretch_start_ms, idle_since_ms FROM {STATE_TABLE} "
                "WHERE plate IN (SELECT value FROM json_each(?))", (json.dumps(names, ensure_ascii=False),)).all()
        return {str(p): DrivingState(int(last), None if start is None else int(start), None if idle is None
                                     else int(idle)) for p, last, start, idle in rows}

    def write_states(self, states: Mapping[str, DrivingState]) -> None:
        if not states:
            return
        rows = [(plate, s.last_ms, s.stretch_start_ms, s.idle_since_ms) for plate, s in sorted(states.items())]
        with writing(self.engine) as conn:
            self.ensure(conn)
            conn.exec_driver_sql(_UPSERT_STATES, rows)

    @staticmethod
    def _exists(conn: sa.Connection, table: str = TABLE) -> bool:
        found = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
        return found.first() is not None
