"""Positions in PostGIS: `rt_positions`, partitioned by China-time day, written through binary COPY.

    rt_positions (plate, time timestamptz, geom geometry(Point, 4490), speed_kmh, heading_deg,
                  received_at, PRIMARY KEY (plate, time)) PARTITION BY RANGE (time)

One partition per day, `rt_positions_pYYYYMMDD` covering [00:00, 24:00) China time, created on
demand inside the writing transaction (under an advisory lock, so two writers never race to create
the same day). Indexes are declared on the parent, so each partition gets its own: the primary
key (per-vehicle windows), a GiST index on `geom` and a BRIN index on `time`.

A write sorts the batch by plate and time (repeats inside the batch dropped), then COPYs it
straight into the table inside a savepoint; if a row is already stored the savepoint is rolled
back and the batch goes through a temporary table and `INSERT … ON CONFLICT DO NOTHING` instead,
so duplicates are ignored and the new rows kept. The COPY stream is built whole with numpy
(timestamps in their binary form, microseconds since 2000-01-01; points as EWKB).

Reads (`read`) come back as six packed binary columns (`string_agg` of each value's binary send
form), decoded by numpy and sorted there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import psycopg
import psycopg.errors
import sqlalchemy as sa

from domains.road_transport.positions.batch import CST, DAY_MS, PositionBatch, china_day_start, from_ms
from domains.road_transport.positions.store import STATE_TABLE, TABLE, DrivingState, WriteResult
from layers.stores.postgis.support import translate, translated

#: `pg_advisory_xact_lock` key serialising partition creation ("rt_pos").
PARTITION_LOCK = 0x72745F706F73
_EPOCH_2000_MS = 946_684_800_000

PARENT_DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    plate varchar(9) NOT NULL,
    time timestamptz NOT NULL,
    geom geometry(Point, 4490) NOT NULL,
    speed_kmh real NOT NULL,
    heading_deg real NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plate, time)
) PARTITION BY RANGE (time);
CREATE INDEX IF NOT EXISTS {TABLE}_geom_gist ON {TABLE} USING gist (geom);
CREATE INDEX IF NOT EXISTS {TABLE}_time_brin ON {TABLE} USING brin (time);
COMMENT ON TABLE {TABLE} IS '车辆位置（按日分区，北京时间）/ vehicle positions, one partition per China-time day';
"""

STATE_DDL = f"""
CREATE TABLE IF NOT EXISTS {STATE_TABLE} (
    plate varchar(9) PRIMARY KEY,
    last_ms bigint NOT NULL,
    stretch_start_ms bigint,
    idle_since_ms bigint,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE {STATE_TABLE} IS '车辆驾驶状态（疲劳驾驶判定用）/ driving state per vehicle, for fatigue evaluation';
"""
_UPSERT_STATES = (
    f"INSERT INTO {STATE_TABLE} AS s (plate, last_ms, stretch_start_ms, idle_since_ms) "
    "SELECT * FROM unnest(CAST(:plates AS text[]), CAST(:last AS bigint[]), CAST(:start AS bigint[]), "
    "CAST(:idle AS bigint[])) ON CONFLICT (plate) DO UPDATE SET last_ms = excluded.last_ms, "
    "stretch_start_ms = excluded.stretch_start_ms, idle_since_ms = excluded.idle_since_ms, updated_at = now() "
    "WHERE excluded.last_ms >= s.last_ms"
)

_COPY_IN = f"COPY {TABLE} (plate, time, geom, speed_kmh, heading_deg) FROM STDIN (FORMAT BINARY)"
_STAGE = ("CREATE TEMP TABLE IF NOT EXISTS rt_positions_in "
          "(plate text, time timestamptz, geom geometry, speed_kmh real, heading_deg real) ON COMMIT DELETE ROWS")
_STAGE_COPY = "COPY rt_positions_in (plate, time, geom, speed_kmh, heading_deg) FROM STDIN (FORMAT BINARY)"
_MERGE = (f"INSERT INTO {TABLE} (plate, time, geom, speed_kmh, heading_deg) "
          "SELECT plate, time, geom, speed_kmh, heading_deg FROM rt_positions_in ON CONFLICT (plate, time) DO NOTHING")

#: A window read as six packed binary columns (one aggregate pass, so every column has the same row order).
_READ = (
    "SELECT string_agg(int4send(v.k::int4), ''), string_agg(timestamptz_send(p.time), ''), "
    "string_agg(float8send(ST_X(p.geom)), ''), string_agg(float8send(ST_Y(p.geom)), ''), "
    "string_agg(float4send(p.speed_kmh), ''), string_agg(float4send(p.heading_deg), '') "
    f"FROM unnest(CAST(:plates AS text[])) WITH ORDINALITY AS v(plate, k) JOIN {TABLE} p ON p.plate = v.plate "
    "WHERE p.time >= :start AND p.time <= :end"
)

_EWKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")])


def partition_name(day_start_ms: int) -> str:
    return f"{TABLE}_p{from_ms(day_start_ms).astimezone(CST):%Y%m%d}"


class PostgisPositions:
    kind = "postgis"

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- schema ------------------------------------------------------------------------------
    def ensure(self, conn: sa.Connection, day_starts: Sequence[int]) -> list[str]:
        """Create the parent table and the day partitions that are missing; the partitions created."""
        wanted = [partition_name(day) for day in day_starts]
        names = [TABLE, STATE_TABLE, *wanted]
        missing = conn.execute(sa.text("SELECT n FROM unnest(CAST(:names AS text[])) AS n "
                                       "WHERE to_regclass(n) IS NULL"), {"names": names}).scalars().all()
        if not missing:
            return []
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARTITION_LOCK})
        if conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": TABLE}).scalar() is None:
            conn.exec_driver_sql(PARENT_DDL)
        if conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": STATE_TABLE}).scalar() is None:
            conn.exec_driver_sql(STATE_DDL)
        created = []
        for day, name in zip(day_starts, wanted, strict=True):
            if name not in missing:
                continue
            start = from_ms(day).astimezone(CST).isoformat()
            end = from_ms(day + DAY_MS).astimezone(CST).isoformat()
            conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {TABLE} "
                                 f"FOR VALUES FROM ('{start}') TO ('{end}')")
            created.append(name)
        return created

    def partitions(self) -> list[str]:
        """The day partitions, oldest first (from `pg_inherits`)."""
        with translated(), self.engine.connect() as conn:
            return list(conn.execute(sa.text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = to_regclass(:t) ORDER BY c.relname"), {"t": TABLE}).scalars())

    # -- writing -----------------------------------------------------------------------------
    def write(self, batch: PositionBatch) -> WriteResult:
        if len(batch) == 0:
            return WriteResult(0, 0)
        rows = batch.sorted()
        days = sorted({china_day_start(int(t)) for t in np.unique(rows.t // 3_600_000 * 3_600_000)})
        data = _copy_rows(rows)
        with translated(TABLE, writing=True), self.engine.begin() as conn:
            self.ensure(conn, days)
            raw = conn.connection.driver_connection
            assert isinstance(raw, psycopg.Connection)
            with raw.cursor() as cursor:
                try:
                    stored = _copy_or_merge(cursor, data, len(rows))
                except psycopg.Error as exc:  # raised on the raw connection: not wrapped by SQLAlchemy
                    error = translate(exc, TABLE, writing=True)
                    if error is None:
                        raise
                    raise error from exc
        return WriteResult(stored, len(batch) - stored)

    # -- reading -----------------------------------------------------------------------------
    def read(self, plates: Sequence[str], start_ms: int, end_ms: int) -> PositionBatch:
        names = sorted(set(plates))
        if not names:
            return PositionBatch.empty()
        with translated(TABLE), self.engine.connect() as conn:
            if not self._exists(conn):
                return PositionBatch.empty()
            row = conn.execute(sa.text(_READ), {"plates": names, "start": from_ms(start_ms),
                                                "end": from_ms(end_ms)}).one()
        return _decode(row, names)

    def counts(self, start_ms: int, end_ms: int) -> dict[str, int]:
        with translated(TABLE), self.engine.connect() as conn:
            if not self._exists(conn):
                return {}
            rows = conn.execute(sa.text(f"SELECT plate, count(*) FROM {TABLE} WHERE time >= :a AND time < :b "
                                        "GROUP BY plate"), {"a": from_ms(start_ms), "b": from_ms(end_ms)})
            return {str(plate): int(count) for plate, count in rows}

    def delete_between(self, start_ms: int, end_ms: int) -> int:
        with translated(TABLE, writing=True), self.engine.begin() as conn:
            if not self._exists(conn):
                return 0
            result = conn.execute(sa.text(f"DELETE FROM {TABLE} WHERE time >= :a AND time < :b"),
                                  {"a": from_ms(start_ms), "b": from_ms(end_ms)})
            return int(result.rowcount)

    # -- driving states ----------------------------------------------------------------------
    def read_states(self, plates: Sequence[str]) -> dict[str, DrivingState]:
        names = sorted(set(plates))
        if not names:
            return {}
        with translated(STATE_TABLE), self.engine.connect() as conn:
            if not self._exists(conn, STATE_TABLE):
                return {}
            rows = conn.execute(sa.text(f"SELECT plate, last_ms, stretch_start_ms, idle_since_ms FROM {STATE_TABLE} "
                                        "WHERE plate = ANY(CAST(:plates AS text[]))"), {"plates": names})
            return {str(p): DrivingState(int(last), _int(start), _int(idle)) for p, last, start, idle in rows}

    def write_states(self, states: Mapping[str, DrivingState]) -> None:
        if not states:
            return
        plates = sorted(states)
        with translated(STATE_TABLE, writing=True), self.engine.begin() as conn:
            self.ensure(conn, [])
            conn.execute(sa.text(_UPSERT_STATES), {
                "plates": plates, "last": [states[p].last_ms for p in plates],
                "start": [states[p].stretch_start_ms for p in plates],
                "idle": [states[p].idle_since_ms for p in plates]})

    @staticmethod
    def _exists(conn: sa.Connection, table: str = TABLE) -> bool:
        return conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": table}).scalar() is not None


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_TRAILER = b"\xff\xff"


def _copy_rows(batch: PositionBatch) -> bytes:
    """The batch as one binary COPY stream (signature, tuples, trailer), built with numpy.

    Each tuple: plate (text), time (timestamptz: µs since 2000-01-01), geom (EWKB point, SRID 4490),
    speed and heading (float4). Rows are grouped by the plate's byte length so each group is one
    fixed-size record array.
    """
    names, codes = batch.plate_codes()
    encoded = [str(name).encode("utf-8") for name in names]
    lengths = np.array([len(b) for b in encoded], dtype=np.int64)[codes]
    micros = (batch.t - _EPOCH_2000_MS) * 1000
    parts = [_SIGNATURE]
    for size in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == size)
        record = np.zeros(len(rows), dtype=_tuple_dtype(size))
        record["n"] = 5
        record["l_plate"] = size
        record["plate"] = np.array(encoded, dtype=f"S{size}")[codes[rows]] if size else b""
        record["l_time"] = 8
        record["time"] = micros[rows]
        record["l_geom"] = _EWKB_POINT.itemsize
        record["order"] = 1
        record["type"] = 0x20000001
        record["srid"] = 4490
        record["x"] = batch.lon[rows]
        record["y"] = batch.lat[rows]
        record["l_speed"] = 4
        record["speed"] = batch.speed[rows]
        record["l_heading"] = 4
        record["heading"] = batch.heading[rows]
        parts.append(record.tobytes())
    parts.append(_TRAILER)
    return b"".join(parts)


def _tuple_dtype(plate_bytes: int) -> np.dtype:
    return np.dtype([("n", ">i2"), ("l_plate", ">i4"), ("plate", f"S{plate_bytes}"), ("l_time", ">i4"),
                     ("time", ">i8"), ("l_geom", ">i4"), ("order", "u1"), ("type", "<u4"), ("srid", "<u4"),
                     ("x", "<f8"), ("y", "<f8"), ("l_speed", ">i4"), ("speed", ">f4"), ("l_heading", ">i4"),
                     ("heading", ">f4")])


def _copy_or_merge(cursor: psycopg.Cursor, data: bytes, rows: int) -> int:
    """COPY straight in; on a duplicate, stage the rows and merge them ignoring conflicts. Rows stored."""
    cursor.execute("SAVEPOINT rt_positions_copy")
    try:
        with cursor.copy(_COPY_IN) as copy:
            copy.write(data)
    except psycopg.errors.UniqueViolation:
        cursor.execute("ROLLBACK TO SAVEPOINT rt_positions_copy")
    else:
        cursor.execute("RELEASE SAVEPOINT rt_positions_copy")
        return rows
    cursor.execute(_STAGE)
    with cursor.copy(_STAGE_COPY) as copy:
        copy.write(data)
    cursor.execute(_MERGE)
    return int(cursor.rowcount)


def _decode(row: sa.Row[Any], names: list[str]) -> PositionBatch:
    """The six packed columns of `_READ` → a batch sorted by plate and time."""
    if row[0] is None:
        return PositionBatch.empty()
    k = np.frombuffer(row[0], dtype=">i4").astype(np.int64) - 1
    t = np.frombuffer(row[1], dtype=">i8") // 1000 + _EPOCH_2000_MS
    order = np.lexsort((t, k))
    plates = np.asarray(names, dtype=object)[k[order]]
    lon, lat = (np.frombuffer(row[i], dtype=">f8")[order].astype(np.float64) for i in (2, 3))
    # speed and heading are stored as float4: round away the widening's noise
    speed, heading = (np.round(np.frombuffer(row[i], dtype=">f4")[order].astype(np.float64), 3) for i in (4, 5))
    return PositionBatch(plates, t[order].astype(np.int64), lon, lat, speed, heading)
