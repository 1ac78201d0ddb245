"""Running a DataSourceQuery: fetch every page, map, write in one transaction, record the run.

A run goes: record a RUNNING SyncRun (its own short transaction, visible at once);
read what the run needs and decrypt the credentials; fetch all pages (no
transaction open during network I/O); then, in ONE transaction, map every record,
upsert the rows, and mark the run and the query. Any error rolls that transaction
back (so a failure mid-way writes nothing) and records the run as FAILED with the
reason in a transaction of its own. Records whose client is not mapped are skipped
and named: the run is PARTIAL and `{since}` does not move past them.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.integrations import templates
from app.integrations.base import DataSourceType, FetchRequest
from app.integrations.errors import InvalidConfiguration, MappingFailed, SourceError
from app.integrations.guard import parse_allowlist
from app.integrations.http import RetryPolicy, SourceClient
from app.integrations.mapping import (
    CLIENT,
    TARGET_FIELDS,
    CompiledMapping,
    TypingNotes,
    compile_mappings,
    is_finite_point,
    typed_rows,
    unmapped_column,
)
from app.integrations.registry import source_type_for
from app.models.catalog import Service
from app.models.integrations import (
    MAX_LOOKBACK_HOURS,
    DataSourceQuery,
    ExternalDataSource,
    QueryRunStatus,
    QueryTarget,
)
from app.models.sync import ClientSourceMapping, RunTrigger, SyncRun, SyncRunStatus
from app.services.secrets import SecretsUnavailable, decrypt_secrets, redact
from app.services.sync.ingestion import (
    LOCK_NAMESPACE,
    MetricPoint,
    UpsertCounts,
    collector_paused,
    split_duplicates,
    upsert_service_metrics,
    upsert_sla_metrics,
    upsert_tickets,
)

log = logging.getLogger(__name__)

#: How many unmapped client values a PARTIAL run names.
NAMED_UNMAPPED = 10
#: The labels of a point whose query maps none (one object for every such point).
NO_LABELS = "{}"


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- the HTTP client of a source ---------------------------------------------------------


def retry_policy() -> RetryPolicy:
    cfg = current_app.config
    return RetryPolicy(
        max_attempts=int(cfg["MSSP_HTTP_MAX_ATTEMPTS"]),
        backoff_initial=float(cfg["MSSP_HTTP_BACKOFF_INITIAL"]),
        backoff_max=float(cfg["MSSP_HTTP_BACKOFF_MAX"]),
        budget_seconds=float(cfg["MSSP_HTTP_RETRY_BUDGET_SECONDS"]),
    )


def build_client(source: ExternalDataSource, kind: DataSourceType) -> SourceClient:
    """A SourceClient with the source's decrypted credentials and the app's policies."""
    config = dict(source.config or {})
    secrets = decrypt_secrets(source.encrypted_credentials) if source.encrypted_credentials else {}
    return SourceClient(
        base_url=source.base_url,
        auth=kind.auth_for(source.auth_type, config, secrets),
        timeout=float(source.timeout_seconds),
        verify_tls=source.verify_tls,
        policy=retry_policy(),
        allowlist=parse_allowlist(current_app.config.get("MSSP_OUTBOUND_ALLOWLIST") or []),
        headers=kind.extra_headers(config),
    )


@dataclass(frozen=True)
class ConnectionReport:
    ok: bool
    message: str
    kind: str | None = None  # the failure reason: auth, dns, timeout, tls, ...


def test_connection(source_id: uuid.UUID) -> ConnectionReport:
    """Reach the source with its credentials: success, or the exact reason it failed."""
    source = db.session.get(ExternalDataSource, source_id)
    if source is None:
        raise NotFound("no such data source")
    kind = source_type_for(source.source_type)
    client = None
    try:
        client = build_client(source, kind)
        config = dict(source.config or {})
        db.session.rollback()  # no transaction stays open during network I/O
        return ConnectionReport(True, kind.test_connection(client, config))
    except SourceError as error:
        return ConnectionReport(False, redact(error.message), error.kind)
    except SecretsUnavailable as error:
        return ConnectionReport(False, error.message, "configuration")
    finally:
        if client is not None:
            client.close()


# --- a run -------------------------------------------------------------------------------


@dataclass
class RunPlan:
    """Everything a run needs, read before any network I/O."""

    query_id: uuid.UUID
    target: QueryTarget
    endpoint: str
    template: str | None
    mappings: dict[str, Any]
    kind: DataSourceType
    config: dict[str, Any]
    client: SourceClient
    compiled: CompiledMapping
    since: datetime
    until: datetime
    #: (client_key, client_id) per fetch: one (None, None) unless the template uses {client_key}.
    fetches: list[tuple[str | None, uuid.UUID | None]]
    client_ids: dict[str, uuid.UUID]
    service_ids: dict[str, uuid.UUID]
    data_source_id: uuid.UUID | None = None


@dataclass
class RunOutcome:
    pages: int = 0
    records: int = 0
    skipped: int = 0
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    unmapped: dict[str, int] = field(default_factory=dict)
    non_finite: int = 0
    typing: TypingNotes = field(default_factory=TypingNotes)
    #: Records dropped for sharing their key with a later record of the run, and why (a sentence).
    duplicates: int = 0
    duplicate_note: str | None = None
    #: (field, the source's word) -> rows stored under the field's fallback.
    unknown: dict[tuple[str, str], int] = field(default_factory=dict)
    #: field -> the source setting that maps its words (status -> status_map).
    enum_settings: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> SyncRunStatus:
        return SyncRunStatus.PARTIAL if self.skipped else SyncRunStatus.SUCCESS

    def summary(self) -> str | None:
        parts = []
        if self.unmapped:
            names = ", ".join(repr(k) for k in sorted(self.unmapped)[:NAMED_UNMAPPED])
            more = (
                f" and {len(self.unmapped) - NAMED_UNMAPPED} more"
                if len(self.unmapped) > NAMED_UNMAPPED
                else ""
            )
            total = sum(self.unmapped.values())
            parts.append(
                f"{total} record(s) skipped: no client mapped for {names}{more} (add client mappings)"
            )
        if self.non_finite:
            parts.append(f"{self.non_finite} point(s) skipped: value is NaN or infinite")
        parts += self.typing.summary()
        if self.duplicate_note:
            parts.append(self.duplicate_note)
        parts.extend(self.unknown_summaries())
        return "; ".join(parts) or None

    def unknown_summaries(self) -> list[str]:
        """Per field: the unknown words with their counts, the fallback, and the setting to map them."""
        specs = TARGET_FIELDS[QueryTarget.TICKET_SUMMARY]
        lines = []
        for name in [f for f in specs if any(f == k for k, _ in self.unknown)]:
            found = ((w, n) for (f, w), n in self.unknown.items() if f == name)
            words = sorted(found, key=lambda x: (-x[1], x[0]))
            shown = ", ".join(f"{w!r} ({n})" for w, n in words[:NAMED_UNMAPPED])
            more = f" and {len(words) - NAMED_UNMAPPED} more" if len(words) > NAMED_UNMAPPED else ""
            fallback = specs[name].fallback
            setting = self.enum_settings.get(name)
            how = (
                f"map them in the data source's settings ({setting})"
                if setting
                else "this source type has no setting that maps them"
            )
            lines.append(
                f"{sum(n for _, n in words)} row(s) stored with {name} "
                f"'{fallback.value if fallback else '?'}' for an unknown {name}: {shown}{more}; {how}"
            )
        return lines


def lookback_hours(query: DataSourceQuery) -> float:
    """The first run's look-back: the query's own, else MSSP_SYNC_INITIAL_LOOKBACK_HOURS."""
    if query.initial_lookback_hours:
        return float(query.initial_lookback_hours)
    return float(current_app.config["MSSP_SYNC_INITIAL_LOOKBACK_HOURS"])


def since_for(query: DataSourceQuery, started: datetime) -> datetime:
    """The last fully successful run's start minus the overlap, or the first-run look-back.

    Re-reads ("re-read from date X") do not count: they cover a window of their own.
    """
    cfg = current_app.config
    last = db.session.scalar(
        select(func.max(SyncRun.started_at)).where(
            SyncRun.query_id == query.id,
            SyncRun.status == SyncRunStatus.SUCCESS,
            SyncRun.is_reread.is_(False),
        )
    )
    if last is None:
        return started - timedelta(hours=lookback_hours(query))
    return last - timedelta(minutes=float(cfg["MSSP_SYNC_OVERLAP_MINUTES"]))


def parse_since(value: Any) -> datetime:
    """A re-read start from text: YYYY-MM-DD (midnight UTC) or an ISO 8601 date-time (no zone: UTC).

    ValidationFailed (field `since`) for anything else, a future moment or one too far back.
    """
    if isinstance(value, datetime):
        since = value
    elif isinstance(value, str) and value.strip():
        text_value = value.strip()
        try:
            since = datetime.fromisoformat(text_value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed(
                f"since: {value[:40]!r} is not a date (YYYY-MM-DD) or an ISO 8601 date-time", "since"
            ) from None
    else:
        raise ValidationFailed("since: required, a date (YYYY-MM-DD) or an ISO 8601 date-time", "since")
    since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
    problems = reread_problems(since)
    if problems:
        raise ValidationFailed(f"since: {problems[0]}", "since")
    return since


def reread_problems(since: Any, now: datetime | None = None) -> list[str]:
    """Why a re-read start is refused: not a date-time, in the future, or beyond the look-back limit."""
    if not isinstance(since, datetime) or since.tzinfo is None:
        return ["a date (YYYY-MM-DD) or a date-time with a time zone"]
    now = now or utcnow()
    if since >= now:
        return [f"must be in the past (it is {since:%Y-%m-%d %H:%M} UTC, now {now:%Y-%m-%d %H:%M} UTC)"]
    if now - since > timedelta(hours=MAX_LOOKBACK_HOURS):
        return [f"at most {MAX_LOOKBACK_HOURS // 8760} years back"]
    return []


def _plan(query: DataSourceQuery, started: datetime, since: datetime | None = None) -> RunPlan:
    source = query.data_source
    kind = source_type_for(source.source_type)
    config = dict(source.config or {})
    per_client = templates.uses_client_key(query.query_template)
    problems = templates.template_errors(query.query_template)
    problems += kind.query_errors(query.endpoint, query.query_template, config)
    if problems:
        raise InvalidConfiguration("; ".join(problems))
    compiled = compile_mappings(
        query.jsonpath_mappings or {}, query.target, kind.rows_path(query.endpoint), per_client
    )
    mappings = dict(
        db.session.execute(
            select(ClientSourceMapping.external_key, ClientSourceMapping.client_id).where(
                ClientSourceMapping.data_source_id == source.id
            )
        ).all()
    )
    if per_client and not mappings:
        raise InvalidConfiguration(
            f"the template uses {{client_key}} but no client is mapped in {source.name}"
        )
    fetches = sorted(mappings.items()) if per_client else [(None, None)]
    services: dict[str, uuid.UUID] = {}
    if query.target is QueryTarget.SERVICE_PERFORMANCE_METRIC:
        for service_id, name in db.session.execute(select(Service.id, Service.name)):
            services[name.casefold()] = service_id
            services[str(service_id)] = service_id
    return RunPlan(
        query_id=query.id,
        target=query.target,
        endpoint=query.endpoint,
        template=query.query_template,
        mappings=dict(query.jsonpath_mappings or {}),
        kind=kind,
        config=config,
        client=build_client(source, kind),
        compiled=compiled,
        since=since or since_for(query, started),
        until=started,
        fetches=fetches,
        client_ids=mappings,
        service_ids=services,
        data_source_id=source.id,
    )


def _fetch(
    plan: RunPlan, outcome: RunOutcome, budget_seconds: float | None
) -> list[tuple[uuid.UUID | None, list[Any]]]:
    cfg = current_app.config
    deadline = time.monotonic() + float(budget_seconds or cfg["MSSP_SYNC_RUN_BUDGET_SECONDS"])
    fetched = []
    for client_key, client_id in plan.fetches:
        request = FetchRequest(
            endpoint=plan.endpoint,
            query=plan.kind.render_query(plan.template, plan.since, plan.until, client_key),
            since=plan.since,
            until=plan.until,
            page_size=int(cfg["MSSP_SYNC_PAGE_SIZE"]),
            page_cap=int(cfg["MSSP_SYNC_PAGE_CAP"]) - outcome.pages,  # shared by every client's fetch
            deadline=deadline,
            mappings=plan.mappings,
        )
        pages = []
        for page in plan.kind.fetch(plan.client, plan.config, request):
            pages.append(page)
            outcome.pages += 1
        fetched.append((client_id, pages))
    return fetched


def _resolve_client(
    plan: RunPlan, row: dict[str, Any], fixed: uuid.UUID | None, outcome: RunOutcome
) -> uuid.UUID | None:
    if fixed is not None:
        return fixed
    key = row.get(CLIENT)
    client_id = plan.client_ids.get(key) if key is not None else None
    if client_id is None:
        label = "(empty)" if key is None else key
        outcome.unmapped[label] = outcome.unmapped.get(label, 0) + 1
        outcome.skipped += 1
    return client_id


def _service_id(plan: RunPlan, value: Any) -> uuid.UUID:
    service_id = plan.service_ids.get(str(value).casefold()) or plan.service_ids.get(str(value))
    if service_id is None:
        raise MappingFailed(f"service {value!r} is not in the service catalog (use its exact name)")
    return service_id


def _rows(
    plan: RunPlan, fetched: Iterable[tuple[uuid.UUID | None, list[Any]]], outcome: RunOutcome
) -> Iterator[dict[str, Any]]:
    enum_maps = plan.kind.enum_maps(plan.config)
    outcome.enum_settings = dict(plan.kind.enum_settings)
    fallback_fields = [f for f, spec in TARGET_FIELDS[plan.target].items() if spec.fallback is not None]
    for fixed_client, pages in fetched:
        for row in typed_rows(pages, plan.compiled, enum_maps, outcome.typing):
            outcome.records += 1
            client_id = _resolve_client(plan, row, fixed_client, outcome)
            if client_id is None:
                continue
            for name in fallback_fields:
                word = row.get(unmapped_column(name))
                if word is not None:
                    outcome.unknown[(name, word)] = outcome.unknown.get((name, word), 0) + 1
            if plan.target is QueryTarget.SERVICE_PERFORMANCE_METRIC and not is_finite_point(row):
                outcome.non_finite += 1
                outcome.skipped += 1
                continue
            row["client_id"] = client_id
            yield row
    # Rows refused for a text longer than its column were read and are skipped: counted here.
    outcome.records += outcome.typing.refused_rows
    outcome.skipped += outcome.typing.refused_rows


def _write(plan: RunPlan, fetched: list[tuple[uuid.UUID | None, list[Any]]], outcome: RunOutcome) -> None:
    session = db.session
    # Two runs of one query (schedule and "Run now") write one after the other.
    session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"),
        {"ns": LOCK_NAMESPACE, "key": str(plan.query_id)},
    )
    with collector_paused():  # a row per point: collections would walk them all, again and again
        rows = list(_rows(plan, fetched, outcome))
    if plan.target is QueryTarget.SERVICE_PERFORMANCE_METRIC:
        with collector_paused():
            points = [
                MetricPoint(
                    r["client_id"],
                    _service_id(plan, r["service"]),
                    r["metric_name"],
                    r["timestamp"],
                    r["value"],
                    r.get("unit"),
                    r.get("labels", NO_LABELS),
                )
                for r in rows
            ]
            deduped = split_duplicates(points)
        if deduped.dropped:
            _count_duplicates(
                outcome,
                deduped.dropped,
                f"{deduped.dropped} point(s) skipped: same client, service, metric, labels and time "
                f"as another point of this run ({_describe_duplicate(plan, deduped.example)})",
            )
        outcome.counts += upsert_service_metrics(session, deduped.unique, deduplicated=True)
    elif plan.target is QueryTarget.TICKET_SUMMARY:
        outcome.counts += upsert_tickets(
            session, plan.kind.ticket_source, [_ticket(r) for r in rows], data_source_id=plan.data_source_id
        )
    else:
        periods = {}
        for row in rows:  # the last record of a (client, metric, period) is the one stored
            periods[(row["client_id"], row["metric_name"], row["period_start"], row["period_end"])] = row
        dropped = len(rows) - len(periods)
        if dropped:
            kept = {id(row) for row in periods.values()}
            example = next(row for row in rows if id(row) not in kept)
            _count_duplicates(
                outcome,
                dropped,
                f"{dropped} SLA figure(s) skipped: same client, metric and period as another record "
                f"of this run (e.g. {example['metric_name']!r} {example['period_start']} to "
                f"{example['period_end']}): the last one read is stored",
            )
        outcome.counts += upsert_sla_metrics(session, list(periods.values()))


def _count_duplicates(outcome: RunOutcome, dropped: int, note: str) -> None:
    outcome.duplicates += dropped
    outcome.skipped += dropped
    outcome.duplicate_note = note


def _describe_duplicate(plan: RunPlan, point: MetricPoint | None) -> str:
    """Which point was dropped, and what tells such series apart."""
    assert point is not None
    at = point.timestamp.strftime("%Y-%m-%d %H:%M:%S UTC")
    found = f"e.g. {point.metric_name!r} {point.labels} at {at}"
    if "labels" in plan.compiled.fields:
        return f"{found}: the source answered one series twice"
    return f"{found}: map 'labels' (e.g. $.schema.fields[1].labels or $.metric) to keep such series apart"


def _ticket(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != CLIENT}


def _finish(
    run_id: uuid.UUID,
    query_id: uuid.UUID,
    started: datetime,
    outcome: RunOutcome,
    error: BaseException | None,
    window_start: datetime | None = None,
) -> None:
    """Record the run's end and the query's latest state (plain UPDATEs: `version` untouched)."""
    runs, queries = SyncRun.__table__, DataSourceQuery.__table__
    kind, message = _describe(error) if error is not None else (None, outcome.summary())
    status = SyncRunStatus.FAILED if error is not None else outcome.status
    db.session.execute(
        update(runs)
        .where(runs.c.id == run_id)
        .values(
            status=status,
            finished_at=utcnow(),
            pages=outcome.pages,
            records_fetched=outcome.records,
            rows_inserted=0 if error else outcome.counts.inserted,
            rows_updated=0 if error else outcome.counts.updated,
            rows_skipped=0 if error else outcome.skipped,
            error_kind=kind,
            error_message=message,
            window_start=window_start,
        )
    )
    failures = queries.c.consecutive_failures + 1 if error is not None else 0
    db.session.execute(
        update(queries)
        .where(queries.c.id == query_id)
        .values(
            last_run_at=started,
            last_status=QueryRunStatus(status.value),
            last_error=message,
            consecutive_failures=failures,
        )
    )


def _describe(error: BaseException) -> tuple[str, str]:
    if isinstance(error, SourceError):
        return error.kind, redact(error.message)
    if isinstance(error, SecretsUnavailable):
        return "configuration", error.message
    if isinstance(error, SQLAlchemyError):
        orig = getattr(error, "orig", None)
        diag = getattr(orig, "diag", None)
        detail = getattr(diag, "message_primary", None) or str(orig or error).splitlines()[0]
        return "database", redact(f"the database refused the rows: {detail}")
    return "internal", redact(f"{type(error).__name__}: {error}")[:1000]


def run_query(
    query_id: uuid.UUID,
    trigger: RunTrigger = RunTrigger.MANUAL,
    budget_seconds: float | None = None,
    since: datetime | None = None,
) -> SyncRun:
    """Run one query now; returns its SyncRun (FAILED with the reason when it failed).

    `budget_seconds` bounds the whole run (default MSSP_SYNC_RUN_BUDGET_SECONDS).
    `since` makes it a re-read from that moment to now (see `reread_query`).
    """
    session = db.session
    query = session.get(DataSourceQuery, query_id)
    if query is None:
        raise NotFound("no such query")
    started = utcnow()
    if since is not None:
        problems = reread_problems(since, started)
        if problems:
            raise ValidationFailed(f"since: {problems[0]}", "since")
    run = SyncRun(
        query_id=query.id,
        trigger=trigger,
        status=SyncRunStatus.RUNNING,
        started_at=started,
        is_reread=since is not None,
    )
    session.add(run)
    session.commit()
    run_id = run.id
    outcome = RunOutcome()
    plan = None
    try:
        plan = _plan(session.get(DataSourceQuery, query_id), started, since)
        session.rollback()  # end the read transaction: nothing stays open during network I/O
        fetched = _fetch(plan, outcome, budget_seconds)
        _write(plan, fetched, outcome)
        _finish(run_id, query_id, started, outcome, None, plan.since)
        session.commit()
    except Exception as error:
        session.rollback()
        if not isinstance(error, SourceError | SecretsUnavailable):
            log.exception("query %s: run %s failed unexpectedly", query_id, run_id)
        else:
            log.warning("query %s: run %s failed: %s", query_id, run_id, redact(str(error)))
        _finish(run_id, query_id, started, outcome, error, plan.since if plan else since)
        session.commit()
    finally:
        if plan is not None:
            plan.client.close()
    return session.get(SyncRun, run_id)


def reread_query(
    query_id: uuid.UUID,
    since: datetime,
    trigger: RunTrigger = RunTrigger.MANUAL,
    budget_seconds: float | None = None,
) -> SyncRun:
    """"Re-read from date X": fetch the window from `since` to now again and upsert it.

    Idempotent (rows are matched on their keys: what is stored already is left alone or
    updated, nothing is duplicated). The run is marked `is_reread`: later scheduled runs
    keep their own `{since}`. A plain service function: the screen, the API, the CLI and
    any job runner call it. ValidationFailed (field `since`) for a future or too-old date.
    """
    return run_query(query_id, trigger, budget_seconds, since=since)


# --- failing queries back off --------------------------------------------------------------


def backoff_until(query: DataSourceQuery) -> datetime | None:
    """Until when a failing query's scheduled runs are skipped (None: not backing off).

    From the failure threshold on, each further failure doubles the wait, starting
    at twice the query's interval (or 15 minutes for a cron schedule), up to the cap.
    """
    cfg = current_app.config
    threshold = int(cfg["MSSP_SYNC_FAILURE_THRESHOLD"])
    if query.consecutive_failures < threshold or query.last_run_at is None:
        return None
    base = float(query.schedule_interval_minutes or 15)
    delay = min(
        float(cfg["MSSP_SYNC_MAX_BACKOFF_MINUTES"]), base * 2 ** (query.consecutive_failures - threshold + 1)
    )
    return query.last_run_at + timedelta(minutes=delay)


def is_failing(query: DataSourceQuery) -> bool:
    """Shown as failing: N failed runs in a row (MSSP_SYNC_FAILURE_THRESHOLD)."""
    return query.consecutive_failures >= int(current_app.config["MSSP_SYNC_FAILURE_THRESHOLD"])
