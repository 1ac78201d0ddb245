"""Bulk, idempotent writes of synced rows: metric points, tickets, SLA figures.

Never a row per statement. Metric points are COPYed, 50,000 at a time, into a
temporary table; one index probe per point sorts them into unchanged (left alone), changed
(updated where the probe found them, by `ctid`) and new (a plain INSERT); a concurrent run
that stored, changed or deleted one of them meanwhile sends it through `INSERT ... ON
CONFLICT`: see bench/ingestion.py and docs/benchmarks.md.
Tickets go through `execute_values` with an ON CONFLICT upsert on (source, data source, key).
An update happens only
when a value really changed (`IS DISTINCT FROM`), so a re-run reports rows as
unchanged, not updated, and bumps no `version`. SLA metrics have no unique key in the schema, so they are
matched on (client, metric, period) under a transaction-level advisory lock.

These functions write inside the caller's transaction and never commit: the
sync run that calls them owns the transaction (one per run).
"""

from __future__ import annotations

import gc
import io
import secrets
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

import psycopg2.errors
from psycopg2.extras import execute_values
from sqlalchemy.orm import Session

from app.integrations.mapping import TARGET_FIELDS, unmapped_column
from app.models.integrations import QueryTarget
from app.models.metrics import SlaUnit, TicketPriority, TicketSource, TicketStatus
from app.services.sla import is_breached

#: Namespace of this module's transaction-level advisory locks (pg_advisory_xact_lock(ns, key)).
LOCK_NAMESPACE = 730_521
SLA_LOCK_KEY = 1

#: Ticket columns a query may map (every ticket target field but the key, which names the row);
#: everything else keeps its stored value on update.
TICKET_COLUMNS = (
    *(name for name in TARGET_FIELDS[QueryTarget.TICKET_SUMMARY] if name != "external_key"),
    *(unmapped_column(n) for n, spec in TARGET_FIELDS[QueryTarget.TICKET_SUMMARY].items() if spec.fallback),
)


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


class MetricPoint(NamedTuple):
    """One point; a NamedTuple, so that a million of them are cheap to build and to key.

    `labels` is the series' labels as canonical JSON text (app.integrations.mapping.labels_text):
    hashable, formatted once per series, and read by PostgreSQL as jsonb.
    """

    client_id: uuid.UUID
    service_id: uuid.UUID
    metric_name: str
    timestamp: datetime
    value: float
    unit: str | None = None
    labels: str = "{}"


def _cursor(session: Session) -> Any:
    """A DBAPI cursor on the session's connection, inside its current transaction."""
    return session.connection().connection.cursor()


def _counts(returned: Sequence[Sequence[Any]], total: int) -> UpsertCounts:
    inserted = sum(1 for row in returned if row[0])
    updated = len(returned) - inserted
    return UpsertCounts(inserted, updated, total - inserted - updated)


# --- metric points -----------------------------------------------------------------------

STAGE_TABLE = "_ingest_metric_points"
#: Points per staged chunk: the stage stays within the session's temp_buffers (8 MB by
#: default, about 100 bytes a row) instead of spilling to temporary files, and the COPY
#: text of a million-point run is never held in memory at once.
CHUNK_POINTS = 50_000
#: Timestamps travel as integer microseconds since the epoch: exact, and far cheaper to
#: format than ISO text (a float would round microseconds).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
EPOCH_SQL = "timestamptz 'epoch' + epoch_us * interval '1 microsecond'"
#: The order of a staged line: a series' five columns are formatted once, as one piece.
STAGE_COLUMNS = "id, client_id, service_id, metric_name, unit, labels, epoch_us, value"
#: The stage once probed: each point with the stored row it matches (`stored`, its `ctid`;
#: NULL for a new point) and whether that row holds the same value and unit already.
PROBED_TABLE = "_ingest_metric_points_probed"
STAGE_DDL = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE_TABLE} (
    id uuid, client_id uuid, service_id uuid, metric_name varchar(100), labels jsonb,
    epoch_us bigint, value double precision, unit varchar(30)
) ON COMMIT DELETE ROWS;
CREATE TEMPORARY TABLE IF NOT EXISTS {PROBED_TABLE} (
    id uuid, client_id uuid, service_id uuid, metric_name varchar(100), labels jsonb,
    "timestamp" timestamptz, value double precision, unit varchar(30), stored tid, same boolean
) ON COMMIT DELETE ROWS"""
#: The point key, in the order of the unique index `uq_service_performance_metrics_point`.
POINT_KEY = ("client_id", "service_id", "metric_name", '"timestamp"', "labels")


def _key(alias: str) -> str:
    return ", ".join(f"{alias}.{column}" for column in POINT_KEY)


#: The probe, one per staged point: the first stored point whose key is not below the staged
#: point's, in the unique index's order (a row comparison and ORDER BY ... LIMIT 1, which
#: only an index leading with the whole key can serve), then whether that key is the point's.
#: The btree is entered at the staged key and left after one entry: 3-4 buffer hits a point
#: on PostgreSQL 15 and 18 alike, whatever the table's statistics say, no planner setting.
#: Earlier shapes (docs/benchmarks.md): four equalities let the statistics of a much smaller
#: table (a first backfill) pick the `timestamp` index; a row comparison per bound
#: (`>= key AND <= key`) stops at the upper bound on PostgreSQL 18 only: PostgreSQL 15 marks
#: only its first column as ending the scan and walks through the rest of the client's
#: entries (40 buffer hits a point in a 200k-point table: re-runs 20-40x slower).
_PROBE = f"""LEFT JOIN LATERAL (
    SELECT next.tid, (next.value, next.unit) IS NOT DISTINCT FROM (s.value, s.unit) AS same
    FROM (
        SELECT stored.ctid AS tid, {_key("stored")}, stored.value, stored.unit
        FROM service_performance_metrics stored
        WHERE ({_key("stored")}) >= ({_key("s")})
        ORDER BY {_key("stored")}
        LIMIT 1
    ) next
    WHERE ({_key("next")}) = ({_key("s")})
) found ON true"""
#: Sorts a staged chunk into new (`stored` NULL), changed (`same` false) and unchanged points;
#: returns (unchanged, changed). A statement of its own: inside the INSERT of the new points,
#: each probe would step over the index entries that INSERT has just added (invisible to it).
PROBE_STAGED = f"""
WITH probed AS (
    INSERT INTO {PROBED_TABLE}
    SELECT s.id, s.client_id, s.service_id, s.metric_name, s.labels, s."timestamp", s.value, s.unit,
           found.tid, found.same
    FROM (
        SELECT id, client_id, service_id, metric_name, labels, {EPOCH_SQL} AS "timestamp", value, unit
        FROM {STAGE_TABLE}
    ) s {_PROBE}
    RETURNING same
)
SELECT count(*) FILTER (WHERE same), count(*) FILTER (WHERE NOT same) FROM probed
"""
_TARGET_COLUMNS = 'id, client_id, service_id, metric_name, labels, "timestamp", value, unit'
#: The new points: a plain INSERT, a quarter cheaper than ON CONFLICT (no arbiter probe, no
#: speculative insertion). If a concurrent run stored one of them meanwhile (a unique
#: violation), the run starts over from a savepoint with UPSERT_POINTS.
INSERT_NEW = (
    f"INSERT INTO service_performance_metrics ({_TARGET_COLUMNS}) "
    f"SELECT {_TARGET_COLUMNS} FROM {PROBED_TABLE} WHERE stored IS NULL"
)
#: The changed points, updated where the probe found them: by `ctid`, with no index descent
#: and no arbiter probe. `ctid = ANY (...)` makes the planner fetch them by TID (joined on
#: `ctid` alone it may hash the whole table). A row another transaction updated or deleted
#: since the probe is skipped (its `ctid` or key no longer match): UPSERT_POINTS writes it.
UPDATE_CHANGED = f"""
UPDATE service_performance_metrics AS t SET value = p.value, unit = p.unit, updated_at = now()
FROM {PROBED_TABLE} p
WHERE t.ctid = ANY (ARRAY(SELECT stored FROM {PROBED_TABLE} WHERE NOT same))
    AND t.ctid = p.stored AND NOT p.same AND ({_key("t")}) = ({_key("p")})
"""
#: ON CONFLICT for the probed points matching {}; returns (inserted, updated). The way for
#: races: points a concurrent run stored, updated or deleted between probe and write.
UPSERT_POINTS = f"""
WITH upserted AS (
    INSERT INTO service_performance_metrics AS t ({_TARGET_COLUMNS})
    SELECT {_TARGET_COLUMNS} FROM {PROBED_TABLE} WHERE {{}}
    ON CONFLICT ON CONSTRAINT uq_service_performance_metrics_point DO UPDATE
        SET value = EXCLUDED.value, unit = EXCLUDED.unit, updated_at = now()
        WHERE (t.value, t.unit) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.unit)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
"""


_POINT_KEY = itemgetter(0, 1, 2, 3, 6)


def dedupe_points(points: Iterable[MetricPoint]) -> list[MetricPoint]:
    """One point per unique key, the last one winning (ON CONFLICT refuses a key twice)."""
    return split_duplicates(points).unique


@dataclass(frozen=True)
class DedupedPoints:
    """A run's points once per key: `dropped` points shared a key with a later point."""

    unique: list[MetricPoint]
    dropped: int
    example: MetricPoint | None  # the first dropped point, to name in the run's summary


def split_duplicates(points: Iterable[MetricPoint]) -> DedupedPoints:
    """One point per key (client, service, metric, time, labels), the last one winning.

    Two points with one key in one run are two records the mapping could not tell apart
    (a series' labels not mapped): the caller counts and reports `dropped`, never hides it.
    """
    points = points if isinstance(points, list | tuple) else list(points)
    unique = list(dict(zip(map(_POINT_KEY, points), points, strict=True)).values())
    dropped = len(points) - len(unique)
    example = None
    if dropped:
        seen: set[tuple[Any, ...]] = set()
        for point in points:
            key = _POINT_KEY(point)
            if key in seen:
                example = point
                break
            seen.add(key)
    return DedupedPoints(unique, dropped, example)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a run builds its keys and COPY text.

    Each new tuple counts towards a collection, and a full one walks every live point: with
    a million points held, collections took more CPU than the keys themselves (0.67 s against
    0.24 s for 500k). The objects built here hold no cycles, so nothing is left uncollected.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def time_ordered_ids(now: datetime | None = None) -> Iterator[str]:
    """Ids for new points that sort by creation time (the layout of RFC 9562's UUIDv7).

    48 bits of Unix milliseconds, the version, 42 random bits, then a 32-bit counter,
    as 32 hex digits (PostgreSQL's uuid input needs no dashes). Random v4 ids would put
    every new point on a random leaf of the primary key, which writes (and after each
    checkpoint logs a full image of) a different page per point; these ids append.
    """
    millis = int((now or datetime.now(UTC)).timestamp() * 1000)
    random_bits = secrets.randbits(42)
    head = f"{millis & (1 << 48) - 1:012x}7{random_bits >> 30:03x}"
    tail = (0b10 << 62) | ((random_bits & (1 << 30) - 1) << 32)
    for counter in range(1 << 32):
        yield f"{head}{tail | counter:016x}"


def _copy_text(value: str | None) -> str:
    """A value in PostgreSQL's COPY text format (\\N is NULL)."""
    if value is None:
        return "\\N"
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _points_copy_buffer(points: Sequence[MetricPoint], ids: Iterator[str]) -> io.StringIO:
    """COPY text lines in STAGE_COLUMNS order.

    A series' client, service, metric, unit and labels are formatted once, as one piece of text,
    found by the identity of those objects (they stay alive as long as `points`, so an id
    cannot be reused meanwhile): no UUID is hashed or formatted once per point.
    """
    series: dict[tuple[int, int, int, int], str] = {}
    lines = []
    for p in points:
        key = (id(p[0]), id(p[1]), id(p[2]), id(p[5]), id(p[6]))
        head = series.get(key)
        if head is None:
            head = series[key] = "\t".join(
                _copy_text(None if v is None else str(v)) for v in (p[0], p[1], p[2], p[5], p[6])
            )
        lines.append(f"{next(ids)}\t{head}\t{(p[3] - EPOCH) // MICROSECOND}\t{p[4]!r}\n")
    return io.StringIO("".join(lines))


def upsert_service_metrics(
    session: Session, points: Iterable[MetricPoint], *, deduplicated: bool = False
) -> UpsertCounts:
    """Insert new points, update changed values, leave equal ones alone (set-based, no row loop).

    `deduplicated`: the caller has already kept one point per key (split_duplicates).
    """
    with collector_paused(), _cursor(session) as cur:
        unique = list(points) if deduplicated else dedupe_points(points)
        if not unique:
            return UpsertCounts()
        cur.execute(STAGE_DDL)
        # One savepoint per run, not per chunk: a transaction keeps up to 64 subtransaction
        # ids in shared memory; past that every snapshot in the server gets slower.
        cur.execute("SAVEPOINT ingest_points")
        try:
            counts = _upsert_chunks(cur, unique, plain_insert=True)
        except psycopg2.errors.UniqueViolation:
            # A concurrent run stored some of the points the probe found new: start over,
            # inserting them through ON CONFLICT (no such race can fail that way).
            cur.execute("ROLLBACK TO SAVEPOINT ingest_points")
            counts = _upsert_chunks(cur, unique, plain_insert=False)
        cur.execute("RELEASE SAVEPOINT ingest_points")
        cur.execute(f"TRUNCATE {STAGE_TABLE}, {PROBED_TABLE}")
    return counts


def _upsert_chunks(cur: Any, unique: list[MetricPoint], plain_insert: bool) -> UpsertCounts:
    counts = UpsertCounts()
    ids = time_ordered_ids()
    for first in range(0, len(unique), CHUNK_POINTS):
        chunk = unique[first : first + CHUNK_POINTS]
        # ON COMMIT DELETE ROWS empties them at commit; a savepoint (tests) does not.
        cur.execute(f"TRUNCATE {STAGE_TABLE}, {PROBED_TABLE}")
        cur.copy_expert(f"COPY {STAGE_TABLE} ({STAGE_COLUMNS}) FROM STDIN", _points_copy_buffer(chunk, ids))
        cur.execute(PROBE_STAGED)
        unchanged, changed = cur.fetchone()
        new = len(chunk) - unchanged - changed
        if new and plain_insert:
            cur.execute(INSERT_NEW)
            inserted, updated = cur.rowcount, 0
        elif new:
            inserted, updated = _upsert_where(cur, "stored IS NULL")
        else:
            inserted = updated = 0
        if changed:
            cur.execute(UPDATE_CHANGED)
            updated += cur.rowcount
            if cur.rowcount < changed:  # updated or deleted by another transaction since the probe
                late_inserted, late_updated = _upsert_where(cur, "NOT same")
                inserted, updated = inserted + late_inserted, updated + late_updated
        counts += UpsertCounts(inserted, updated, len(chunk) - inserted - updated)
    return counts


def _upsert_where(cur: Any, condition: str) -> tuple[int, int]:
    cur.execute(UPSERT_POINTS.format(condition))
    inserted, updated = cur.fetchone()
    return inserted, updated


def upsert_service_metrics_values(
    session: Session, points: Iterable[MetricPoint], page_size: int = 5000
) -> UpsertCounts:
    """The same upsert through execute_values (kept for the benchmark's comparison)."""
    unique = dedupe_points(points)
    sql = """
        INSERT INTO service_performance_metrics AS t
            (client_id, service_id, metric_name, "timestamp", value, unit, labels)
        VALUES %s
        ON CONFLICT ON CONSTRAINT uq_service_performance_metrics_point DO UPDATE
            SET value = EXCLUDED.value, unit = EXCLUDED.unit, updated_at = now()
            WHERE (t.value, t.unit) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.unit)
        RETURNING (xmax = 0)
    """
    rows = [
        (str(p.client_id), str(p.service_id), p.metric_name, p.timestamp, p.value, p.unit, p.labels)
        for p in unique
    ]
    with _cursor(session) as cur:
        returned = execute_values(
            cur,
            sql,
            rows,
            template="(%s::uuid, %s::uuid, %s, %s, %s, %s, %s::jsonb)",
            page_size=page_size,
            fetch=True,
        )
    return _counts(returned, len(unique))


# --- tickets -----------------------------------------------------------------------------


def upsert_tickets(
    session: Session,
    source: TicketSource,
    rows: Sequence[Mapping[str, Any]],
    *,
    data_source_id: uuid.UUID | None,
) -> UpsertCounts:
    """Upsert tickets on (source, data_source_id, external_key); only the mapped columns are written.

    Each row has `client_id`, `external_key` and any of TICKET_COLUMNS; all rows of
    one call carry the same columns (one query's mapping). A key stored before tickets
    were told apart by source (no data source) is adopted by the first source that
    syncs it: counted as updated.
    """
    latest = {row["external_key"]: row for row in rows}  # a key twice in one run: the last wins
    if not latest:
        return UpsertCounts()
    mapped = [c for c in TICKET_COLUMNS if any(c in row for row in latest.values())]
    columns = ["client_id", "source", "data_source_id", "external_key", *mapped]
    changing = ["client_id", *mapped]
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in changing)
    old = ", ".join(f"t.{c}" for c in changing)
    new = ", ".join(f"EXCLUDED.{c}" for c in changing)
    sql = f"""
        INSERT INTO ticket_summaries AS t ({", ".join(columns)}) VALUES %s
        ON CONFLICT (source, data_source_id, external_key) DO UPDATE
            SET {assignments}, version = t.version + 1, updated_at = now()
            WHERE ({old}) IS DISTINCT FROM ({new})
        RETURNING external_key, (xmax = 0)
    """
    values = [
        tuple(_db_value(_or_default(c, row.get(c))) for c in columns)
        for row in ({**r, "source": source, "data_source_id": data_source_id} for r in latest.values())
    ]
    template = "(" + ", ".join("%s::uuid" if c.endswith("_id") else "%s" for c in columns) + ")"
    with _cursor(session) as cur:
        adopted = _adopt_unassigned_tickets(cur, source, data_source_id, list(latest))
        returned = execute_values(cur, sql, values, template=template, page_size=1000, fetch=True)
    inserted = {key for key, is_new in returned if is_new}
    updated = {key for key, is_new in returned if not is_new} | adopted
    return UpsertCounts(len(inserted), len(updated), len(latest) - len(inserted) - len(updated))


#: What a NOT NULL ticket column holds when an optional path matched nothing for a ticket
#: (an issue with no SLA running): the column's own default.
TICKET_EMPTY_DEFAULTS: dict[str, Any] = {
    "status": TicketStatus.OPEN,
    "priority": TicketPriority.MEDIUM,
    "is_sla_breached": False,
}


def _or_default(column: str, value: Any) -> Any:
    return TICKET_EMPTY_DEFAULTS.get(column) if value is None else value


def _adopt_unassigned_tickets(
    cur: Any, source: TicketSource, data_source_id: uuid.UUID | None, keys: list[str]
) -> set[str]:
    """Give the rows of these keys that have no data source (synced before sources were told
    apart) to this data source, unless it already has its own row of that key."""
    if data_source_id is None:
        return set()
    cur.execute(
        """UPDATE ticket_summaries AS t
           SET data_source_id = %(ds)s, version = t.version + 1, updated_at = now()
           WHERE t.data_source_id IS NULL AND t.source = %(source)s AND t.external_key = ANY(%(keys)s)
             AND NOT EXISTS (
                 SELECT 1 FROM ticket_summaries own
                 WHERE own.source = t.source AND own.data_source_id = %(ds)s
                   AND own.external_key = t.external_key)
           RETURNING t.external_key""",
        {"ds": str(data_source_id), "source": source.value, "keys": keys},
    )
    return {row[0] for row in cur.fetchall()}


def _db_value(value: Any) -> Any:
    if hasattr(value, "value") and not isinstance(value, Decimal | datetime | date):
        return value.value  # an enum member: stored as its value
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# --- SLA metrics -------------------------------------------------------------------------


def upsert_sla_metrics(session: Session, rows: Sequence[Mapping[str, Any]]) -> UpsertCounts:
    """Upsert SLA figures matched on (client, metric_name, period_start, period_end).

    `is_breached` is computed from actual against target (app.services.sla).
    """
    latest = {(r["client_id"], r["metric_name"], r["period_start"], r["period_end"]): r for r in rows}
    if not latest:
        return UpsertCounts()
    counts = UpsertCounts()
    with _cursor(session) as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, SLA_LOCK_KEY))
        keys = [(str(k[0]), k[1], k[2], k[3]) for k in latest]
        existing = execute_values(
            cur,
            """SELECT m.id, m.client_id, m.metric_name, m.period_start, m.period_end,
                      m.target_value, m.actual_value, m.unit, m.is_breached
               FROM sla_metrics m JOIN (VALUES %s) AS k (client_id, metric_name, period_start, period_end)
                 ON m.client_id = k.client_id AND m.metric_name = k.metric_name
                AND m.period_start = k.period_start AND m.period_end = k.period_end""",
            keys,
            template="(%s::uuid, %s, %s::date, %s::date)",
            fetch=True,
        )
        stored: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
        for row in existing:
            stored.setdefault((row[1], row[2], row[3], row[4]), []).append(row)
        inserts, updates = [], []
        for key, row in latest.items():
            unit = SlaUnit(row["unit"]) if not isinstance(row["unit"], SlaUnit) else row["unit"]
            actual = row.get("actual_value")
            breached = is_breached(actual, row["target_value"], unit)
            values = (row["target_value"], actual, unit.value, breached)
            matches = stored.get(key, [])
            if not matches:
                inserts.append((str(key[0]), key[1], key[2], key[3], *values))
            for match in matches:
                if (match[5], match[6], match[7], match[8]) == values:
                    counts.unchanged += 1
                else:
                    updates.append((str(match[0]), *values))
        if inserts:
            execute_values(
                cur,
                """INSERT INTO sla_metrics
                   (client_id, metric_name, period_start, period_end,
                    target_value, actual_value, unit, is_breached)
                   VALUES %s""",
                inserts,
                template="(%s::uuid, %s, %s, %s, %s, %s, %s, %s)",
            )
        if updates:
            execute_values(
                cur,
                """UPDATE sla_metrics AS m SET target_value = v.target_value, actual_value = v.actual_value,
                          unit = v.unit, is_breached = v.is_breached,
                          version = m.version + 1, updated_at = now()
                   FROM (VALUES %s) AS v (id, target_value, actual_value, unit, is_breached)
                   WHERE m.id = v.id""",
                updates,
                template="(%s::uuid, %s::numeric, %s::numeric, %s, %s::boolean)",
            )
    counts.inserted += len(inserts)
    counts.updated += len(updates)
    return counts
