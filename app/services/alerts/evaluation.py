"""The daily alert evaluation: resolve what changed, fire what is due, once, to the right people.

`run_alerts(today)` is what the scheduler's daily job and `flask mssp alerts run` call:

1. For each enabled kind, open alerts whose record changed (renewed, date moved, returned,
   back under its threshold) are resolved: they leave the bell and no e-mail carries them.
2. The kind's rule (app.services.alerts.rules) lists the records with a level due today;
   each becomes an `Alert` keyed (kind, record, occurrence, level) and inserted with
   ON CONFLICT DO NOTHING. Only a row this run inserted gets recipients, so a second run,
   a late run or a second scheduler fires nothing twice. A transaction-level advisory lock
   makes concurrent evaluations take turns (the unique key alone would also hold, but
   two runs inserting the same keys in different orders could deadlock).
3. Recipients: the client's account manager, else the active Managers; pool alerts to the
   Managers; data-source alerts to the Admins; minus whoever muted the kind.
4. E-mail digests (app.services.alerts.email) when MSSP_SMTP_HOST is set.

`--dry-run` does steps 1-3 and rolls them back: what would fire, and to whom.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Protocol

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.models.alerts import Alert, AlertKind, AlertMute, AlertRecipient
from app.models.users import MsspUser
from app.services.accounts.roles import ADMIN, MANAGER
from app.services.alerts.kinds import KINDS, Audience
from app.services.alerts.rules import RULES, Candidate, RuleContext
from app.services.alerts.settings import kind_settings
from app.services.team import account_manager_for
from app.services.transaction import session_or_default

log = logging.getLogger(__name__)

#: pg_advisory_xact_lock key: one evaluation at a time (the scheduler's lock is 7_305_211_008).
EVALUATION_LOCK_KEY = 7_305_211_011
#: Rows per INSERT statement.
BATCH = 500

EPISODE_PREFIX = "episode-"


@dataclass(frozen=True)
class FiredAlert:
    kind: AlertKind
    title: str
    recipients: tuple[str, ...]


@dataclass
class AlertRunReport:
    day: date
    fired: list[FiredAlert] = field(default_factory=list)
    resolved: int = 0
    dry_run: bool = False
    email_enabled: bool = False
    digests_sent: int = 0
    digests_failed: int = 0

    def __str__(self) -> str:
        verb = "would fire" if self.dry_run else "fired"
        line = f"{len(self.fired)} alert(s) {verb}, {self.resolved} resolved on {self.day}"
        if self.email_enabled and not self.dry_run:
            line += f"; e-mail: {self.digests_sent} digest(s) sent, {self.digests_failed} failed"
        return line


class Recipients:
    """Who gets an alert of a kind for a client: looked up once per client and role per run."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._owners: dict[uuid.UUID, list[int]] = {}
        self._roles: dict[str, list[int]] = {}
        self._mutes: dict[AlertKind, frozenset[int]] = {}
        self._emails: dict[int, str] = {}

    def for_alert(self, kind: AlertKind, client_id: uuid.UUID | None) -> list[int]:
        audience = KINDS[kind].audience
        if audience is Audience.ADMINS:
            people = self.role(ADMIN)
        elif audience is Audience.CLIENT_OWNER and client_id is not None:
            people = self.owner(client_id)
        else:
            people = self.role(MANAGER)
        muted = self.muted(kind)
        return [user_id for user_id in people if user_id not in muted]

    def owner(self, client_id: uuid.UUID) -> list[int]:
        """The account manager if they can sign in, else the Managers."""
        if client_id not in self._owners:
            manager = account_manager_for(client_id, self.session)
            usable = manager is not None and manager.active and not manager.is_locked
            self._owners[client_id] = [manager.id] if usable else self.role(MANAGER)
        return self._owners[client_id]

    def role(self, name: str) -> list[int]:
        if name not in self._roles:
            self._roles[name] = list(
                self.session.scalars(
                    select(MsspUser.id)
                    .where(MsspUser.active.is_(True), MsspUser.roles.any(Role.name == name))
                    .order_by(MsspUser.id)
                )
            )
        return self._roles[name]

    def muted(self, kind: AlertKind) -> frozenset[int]:
        if kind not in self._mutes:
            self._mutes[kind] = frozenset(
                self.session.scalars(select(AlertMute.user_id).where(AlertMute.kind == kind))
            )
        return self._mutes[kind]

    def emails(self, user_ids: list[int]) -> tuple[str, ...]:
        missing = [u for u in user_ids if u not in self._emails]
        if missing:
            rows = self.session.execute(select(MsspUser.id, MsspUser.email).where(MsspUser.id.in_(missing)))
            self._emails.update({row.id: row.email for row in rows})
        return tuple(self._emails[u] for u in user_ids if u in self._emails)


# --- resolving -----------------------------------------------------------------------------------


def _resolve_changed(session: Session, kind: AlertKind, ctx: RuleContext, now: datetime) -> int:
    open_alerts = session.execute(
        select(Alert.id, Alert.record_id, Alert.occurrence)
        .where(Alert.kind == kind, Alert.resolved_at.is_(None))
    ).all()
    if not open_alerts:
        return 0
    live = {c.record_id: c for c in RULES[kind](session, ctx, sorted({a.record_id for a in open_alerts}))}
    gone = "Back to normal." if KINDS[kind].is_condition else "No longer applies: renewed, ended or removed."
    reasons: dict[str, list[uuid.UUID]] = {}
    for alert in open_alerts:
        candidate = live.get(alert.record_id)
        if candidate is None:
            reasons.setdefault(gone, []).append(alert.id)
        elif candidate.occurrence is not None and candidate.occurrence != alert.occurrence:
            moved = f"The date changed to {candidate.due_date:%d %b %Y}."
            reasons.setdefault(moved, []).append(alert.id)
    resolved = 0
    for reason, ids in reasons.items():
        result = session.execute(
            update(Alert)
            .where(Alert.id.in_(ids), Alert.resolved_at.is_(None))
            .values(resolved_at=now, resolution=reason)
            .execution_options(synchronize_session=False)
        )
        resolved += result.rowcount or 0
    return resolved


# --- firing --------------------------------------------------------------------------------------


def _episodes(session: Session, kind: AlertKind, record_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The episode each record's condition is in: its open one, else one after the last."""
    rows = session.execute(
        select(Alert.record_id, Alert.occurrence, Alert.resolved_at).where(
            Alert.kind == kind, Alert.record_id.in_(record_ids)
        )
    ).all()
    current: dict[uuid.UUID, int] = {}
    last: dict[uuid.UUID, int] = {}
    for row in rows:
        number = _episode_number(row.occurrence)
        if row.resolved_at is None:
            current[row.record_id] = max(current.get(row.record_id, number), number)
        last[row.record_id] = max(last.get(row.record_id, 0), number)
    numbers = {rid: current[rid] if rid in current else last.get(rid, 0) + 1 for rid in record_ids}
    return {rid: f"{EPISODE_PREFIX}{number}" for rid, number in numbers.items()}


def _episode_number(occurrence: str) -> int:
    number = occurrence.removeprefix(EPISODE_PREFIX)
    return int(number) if occurrence.startswith(EPISODE_PREFIX) and number.isdigit() else 0


def _alert_rows(
    session: Session, kind: AlertKind, due: list[Candidate], now: datetime
) -> list[dict[str, Any]]:
    episodes = _episodes(session, kind, [c.record_id for c in due]) if KINDS[kind].is_condition else {}
    rows = [
        {
            "kind": kind,
            "record_id": c.record_id,
            "occurrence": c.occurrence or episodes[c.record_id],
            "level": c.level,
            "client_id": c.client_id,
            "due_date": c.due_date,
            "title": c.title[:300],
            "detail": c.detail,
            "fired_at": now,
        }
        for c in due
    ]
    # One order for every run: two runs inserting the same keys never wait on each other in a cycle.
    rows.sort(key=lambda row: (str(row["record_id"]), row["occurrence"], row["level"]))
    return rows


def _fire_due(
    session: Session, kind: AlertKind, ctx: RuleContext, now: datetime, recipients: Recipients
) -> list[FiredAlert]:
    due = [c for c in RULES[kind](session, ctx, None) if c.level is not None]
    if not due:
        return []
    rows = _alert_rows(session, kind, due, now)
    fired: list[FiredAlert] = []
    for start in range(0, len(rows), BATCH):
        inserted = session.execute(
            insert(Alert)
            .values(rows[start : start + BATCH])
            .on_conflict_do_nothing(constraint="uq_alerts_once")
            .returning(Alert.id, Alert.client_id, Alert.title)
        ).all()
        copies = []
        for alert in inserted:
            people = recipients.for_alert(kind, alert.client_id)
            copies += [{"alert_id": alert.id, "user_id": user_id} for user_id in people]
            fired.append(FiredAlert(kind, alert.title, recipients.emails(people)))
        if copies:
            session.execute(insert(AlertRecipient).values(copies).on_conflict_do_nothing())
    return fired


# --- the run -------------------------------------------------------------------------------------


def evaluate_alerts(
    today: date, now: datetime, *, dry_run: bool = False, session: Session | None = None
) -> AlertRunReport:
    """Resolve changed alerts and fire due ones for `today`; commits (rolls back when `dry_run`)."""
    session = session_or_default(session)
    report = AlertRunReport(day=today, dry_run=dry_run)
    try:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVALUATION_LOCK_KEY})
        recipients = Recipients(session)
        for kind, setting in kind_settings(session).items():
            if not setting.enabled:
                continue
            ctx = RuleContext(today=today, now=now, levels=setting.levels)
            report.resolved += _resolve_changed(session, kind, ctx, now)
            report.fired += _fire_due(session, kind, ctx, now, recipients)
    except BaseException:
        session.rollback()
        raise
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return report


def run_alerts(
    today: date | None = None,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    send_email: bool = True,
    session: Session | None = None,
) -> AlertRunReport:
    """The daily job: evaluate, then send the e-mail digests when SMTP is configured.

    `today` defaults to today in UTC; `now` (stored as the alerts' fired time) to the
    current time, or the start of `today` when only `today` is given (a frozen clock).
    E-mail failures are retried and recorded (app.services.alerts.email), never raised.
    """
    if now is None:
        now = datetime.now(UTC) if today is None else datetime.combine(today, time.min, tzinfo=UTC)
    today = today or now.date()
    report = evaluate_alerts(today, now, dry_run=dry_run, session=session)
    if send_email and not dry_run:
        from app.services.alerts.email import send_digests, smtp_settings

        settings = smtp_settings()
        if settings is not None:
            report.email_enabled = True
            outcome = send_digests(today, settings, session=session)
            report.digests_sent, report.digests_failed = outcome.sent, outcome.failed
    return report


class HasNow(Protocol):
    now: datetime


def alerts_job(ctx: HasNow) -> str:
    """The scheduler's daily job (app.jobs.definitions): one line for job_runs."""
    return str(run_alerts(ctx.now.date(), now=ctx.now))
