"""Alert e-mails: one digest per person per day, plain text and HTML, over SMTP (stdlib smtplib).

Off unless MSSP_SMTP_HOST is set. A run first *claims* today's digest of each person
with new alerts (INSERT ... ON CONFLICT DO NOTHING on (user, date), and the unread,
open copies not yet in a digest are attached to it) and commits; then it sends each
claimed digest under a row lock taken with SKIP LOCKED, so two runs never send one
digest twice. Each digest gets MSSP_SMTP_MAX_ATTEMPTS attempts with a doubling wait;
the outcome (attempts, last error) is stored on the digest, never raised. A digest that
failed (or a run cut off before sending it) is tried again by the runs of the next
MSSP_ALERT_EMAIL_RETRY_DAYS days. When the server cannot be reached at all, the run
stops sending and leaves the remaining digests to the next run instead of waiting on
every one of them.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import current_app
from markupsafe import escape
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.models.alerts import Alert, AlertEmailDigest, AlertRecipient, DigestStatus
from app.models.users import MsspUser
from app.services.alerts.inbox import record_path
from app.services.alerts.kinds import KINDS
from app.services.secrets import redact, register_secret_values
from app.services.transaction import session_or_default

log = logging.getLogger(__name__)

#: Alerts older than this are not mailed (e.g. the backlog when SMTP is first configured).
DIGEST_BACKLOG_DAYS = 7

#: Errors that mean "no server to talk to": the run stops sending after one such digest.
UNREACHABLE = (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    use_ssl: bool
    sender: str
    timeout: float
    max_attempts: int
    retry_seconds: float
    retry_days: int
    base_url: str
    app_name: str = "MSSP Client Management"


def smtp_settings(config: Mapping[str, Any] | None = None) -> SmtpSettings | None:
    """The MSSP_SMTP_* settings of the app, or None when e-mail is off (no host)."""
    config = current_app.config if config is None else config
    host = config.get("MSSP_SMTP_HOST")
    if not host:
        return None
    use_ssl = bool(config.get("MSSP_SMTP_SSL"))
    starttls = bool(config.get("MSSP_SMTP_STARTTLS"))
    port = config.get("MSSP_SMTP_PORT") or (465 if use_ssl else 587 if starttls else 25)
    return SmtpSettings(
        host=host,
        port=int(port),
        username=config.get("MSSP_SMTP_USERNAME") or None,
        password=config.get("MSSP_SMTP_PASSWORD") or None,
        starttls=starttls,
        use_ssl=use_ssl,
        sender=config.get("MSSP_SMTP_FROM") or "mssp-alerts@localhost",
        timeout=float(config.get("MSSP_SMTP_TIMEOUT") or 30),
        max_attempts=max(int(config.get("MSSP_SMTP_MAX_ATTEMPTS") or 1), 1),
        retry_seconds=float(config.get("MSSP_SMTP_RETRY_SECONDS") or 0),
        retry_days=int(config.get("MSSP_ALERT_EMAIL_RETRY_DAYS") or 0),
        base_url=(config.get("MSSP_BASE_URL") or "http://127.0.0.1:8080").rstrip("/"),
        app_name=config.get("APP_NAME") or "MSSP Client Management",
    )


@dataclass
class DigestOutcome:
    sent: int = 0
    failed: int = 0
    postponed: int = 0


# --- claiming ------------------------------------------------------------------------------------


def claim_digests(today: date, session: Session) -> int:
    """Create today's digest of each person with new alerts and attach those alerts; commits."""
    since = datetime.combine(today - timedelta(days=DIGEST_BACKLOG_DAYS), day_time.min, tzinfo=UTC)
    unsent = (
        AlertRecipient.digest_id.is_(None),
        AlertRecipient.read_at.is_(None),
        Alert.resolved_at.is_(None),
        Alert.fired_at >= since,
    )
    users = session.scalars(
        select(AlertRecipient.user_id)
        .join(Alert)
        .join(MsspUser, MsspUser.id == AlertRecipient.user_id)
        .where(*unsent, MsspUser.active.is_(True), MsspUser.email.is_not(None), MsspUser.email != "")
        .distinct()
        .order_by(AlertRecipient.user_id)
    ).all()
    claimed = 0
    for user_id in users:
        digest_id = session.scalar(
            insert(AlertEmailDigest)
            .values(user_id=user_id, digest_date=today, status=DigestStatus.PENDING)
            .on_conflict_do_nothing()
            .returning(AlertEmailDigest.id)
        )
        if digest_id is None:
            continue  # today's digest exists: these alerts go in tomorrow's
        alert_ids = select(Alert.id).where(Alert.resolved_at.is_(None), Alert.fired_at >= since)
        session.execute(
            update(AlertRecipient)
            .where(
                AlertRecipient.user_id == user_id,
                AlertRecipient.digest_id.is_(None),
                AlertRecipient.read_at.is_(None),
                AlertRecipient.alert_id.in_(alert_ids),
            )
            .values(digest_id=digest_id)
            .execution_options(synchronize_session=False)
        )
        claimed += 1
    session.commit()
    return claimed


# --- the message ---------------------------------------------------------------------------------


def _link(settings: SmtpSettings, alert: Alert) -> str | None:
    path = record_path(alert.kind, alert.record_id)
    return f"{settings.base_url}{path}" if path else None


def build_message(settings: SmtpSettings, user: MsspUser, alerts: list[Alert], day: date) -> EmailMessage:
    """The digest: a plain-text part and an HTML part, one entry per alert with its record's link."""
    message = EmailMessage()
    message["Subject"] = f"{len(alerts)} alert(s) for {day:%d %b %Y} — {settings.app_name}"
    message["From"] = settings.sender
    message["To"] = user.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    inbox_url = f"{settings.base_url}/alerts/"
    lines = [f"Hello {user.first_name},", "", f"{len(alerts)} new alert(s) for {day:%d %b %Y}:", ""]
    items = []
    for alert in alerts:
        link = _link(settings, alert)
        label = KINDS[alert.kind].label
        lines += [f"* [{label}] {alert.title}"]
        lines += [f"  {alert.detail}"] if alert.detail else []
        lines += [f"  {link}"] if link else []
        lines += [""]
        title = f'<a href="{escape(link)}">{escape(alert.title)}</a>' if link else escape(alert.title)
        detail = f"<br><small>{escape(alert.detail)}</small>" if alert.detail else ""
        items.append(f"<li><strong>{escape(label)}</strong>: {title}{detail}</li>")
    lines += [f"All your alerts: {inbox_url}", "", "Mute kinds you do not need in your alert preferences."]
    message.set_content("\n".join(lines))
    message.add_alternative(
        "<!DOCTYPE html><html><body>"
        f"<p>Hello {escape(user.first_name)},</p>"
        f"<p>{len(alerts)} new alert(s) for {day:%d %b %Y}:</p>"
        f"<ul>{''.join(items)}</ul>"
        f'<p><a href="{escape(inbox_url)}">All your alerts</a> · mute kinds you do not need in your '
        "alert preferences.</p></body></html>",
        subtype="html",
    )
    return message


def deliver(settings: SmtpSettings, message: EmailMessage) -> None:
    """One SMTP conversation; raises smtplib/socket errors."""
    if settings.use_ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        if settings.starttls and not settings.use_ssl:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)


def _describe(error: BaseException) -> str:
    return redact(f"{type(error).__name__}: {error}")[:1000]


def _deliver_with_retries(settings: SmtpSettings, message: EmailMessage) -> tuple[int, BaseException | None]:
    """(attempts made, the last error or None when delivered)."""
    error: BaseException | None = None
    for attempt in range(1, settings.max_attempts + 1):
        try:
            deliver(settings, message)
            return attempt, None
        except (smtplib.SMTPException, OSError) as failure:
            error = failure
            log.warning(
                "alert digest to %s: attempt %d failed: %s", message["To"], attempt, _describe(failure)
            )
            if isinstance(failure, smtplib.SMTPRecipientsRefused):
                return attempt, failure  # the address is wrong: trying again will not help
            if attempt < settings.max_attempts:
                time.sleep(settings.retry_seconds * 2 ** (attempt - 1))
    return settings.max_attempts, error


# --- sending -------------------------------------------------------------------------------------


def _due_digests(today: date, settings: SmtpSettings, session: Session) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(AlertEmailDigest.id)
            .where(
                AlertEmailDigest.status.in_([DigestStatus.PENDING, DigestStatus.FAILED]),
                AlertEmailDigest.digest_date >= today - timedelta(days=settings.retry_days),
                AlertEmailDigest.digest_date <= today,
            )
            .order_by(AlertEmailDigest.digest_date, AlertEmailDigest.id)
        )
    )


def _send_one(digest_id: uuid.UUID, settings: SmtpSettings, session: Session) -> DigestStatus | None:
    """Send one digest under its row lock; None when another run has it or it was sent meanwhile."""
    digest = session.scalars(
        select(AlertEmailDigest)
        .where(
            AlertEmailDigest.id == digest_id,
            AlertEmailDigest.status.in_([DigestStatus.PENDING, DigestStatus.FAILED]),
        )
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).first()
    if digest is None:
        session.rollback()
        return None
    user = session.get(MsspUser, digest.user_id)
    alerts = list(
        session.scalars(
            select(Alert)
            .join(AlertRecipient)
            .where(AlertRecipient.digest_id == digest.id, Alert.resolved_at.is_(None))
            .order_by(Alert.fired_at, Alert.kind, Alert.title)
        )
    )
    now = datetime.now(UTC)
    if not alerts or user is None:
        digest.status, digest.last_error = DigestStatus.SENT, "nothing to send: its alerts were resolved"
        session.commit()
        return None
    message = build_message(settings, user, alerts, digest.digest_date)
    attempts, error = _deliver_with_retries(settings, message)
    digest.attempts += attempts
    digest.last_attempt_at = now
    if error is None:
        digest.status, digest.sent_at, digest.last_error = DigestStatus.SENT, datetime.now(UTC), None
    else:
        digest.status, digest.last_error = DigestStatus.FAILED, _describe(error)
    session.commit()
    if error is not None and isinstance(error, UNREACHABLE):
        raise ServerUnreachable(digest.last_error or "")
    return digest.status


class ServerUnreachable(Exception):
    """The SMTP server could not be reached: the rest of this run's digests wait for the next run."""


def send_digests(today: date, settings: SmtpSettings, session: Session | None = None) -> DigestOutcome:
    """Claim today's digests, then send every due one (today's, and earlier failures); never raises."""
    session = session_or_default(session)
    outcome = DigestOutcome()
    if settings.password:
        register_secret_values([settings.password])
    try:
        claim_digests(today, session)
        due = _due_digests(today, settings, session)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("alert digests: could not claim today's digests")
        return outcome
    for index, digest_id in enumerate(due):
        try:
            status = _send_one(digest_id, settings, session)
        except ServerUnreachable as unreachable:
            outcome.failed += 1
            outcome.postponed = len(due) - index - 1
            log.error("alert digests: SMTP server unreachable (%s); %d left for the next run",
                      unreachable, outcome.postponed)
            break
        except Exception:
            session.rollback()
            outcome.failed += 1
            log.exception("alert digest %s could not be processed", digest_id)
            continue
        if status is DigestStatus.SENT:
            outcome.sent += 1
        elif status is DigestStatus.FAILED:
            outcome.failed += 1
    return outcome
