"""A person's alerts: the bell's unread count, the list, marking read, and the link to each record.

Every function takes the person's user id and touches only that person's copies
(`AlertRecipient`), so a view can pass `g.user.id` and need not check ownership itself.
An alert resolved because its record changed no longer counts as unread.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from app.errors import NotFound
from app.models.alerts import Alert, AlertKind, AlertRecipient
from app.services.alerts.kinds import KINDS
from app.services.transaction import session_or_default, unit_of_work

PAGE_SIZE = 25


@dataclass(frozen=True)
class InboxItem:
    copy_id: uuid.UUID
    alert: Alert
    read_at: datetime | None

    @property
    def kind_label(self) -> str:
        return KINDS[self.alert.kind].label


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max((self.total + self.page_size - 1) // self.page_size, 1)


def _unread(user_id: int):  # type: ignore[no-untyped-def]
    return (
        AlertRecipient.user_id == user_id,
        AlertRecipient.read_at.is_(None),
        Alert.resolved_at.is_(None),
    )


def unread_count(user_id: int, session: Session | None = None) -> int:
    """The bell's number."""
    session = session_or_default(session)
    return session.scalar(
        select(func.count()).select_from(AlertRecipient).join(Alert).where(*_unread(user_id))
    ) or 0


def inbox(
    user_id: int, *, unread_only: bool = False, kind: AlertKind | None = None, page: int = 1,
    page_size: int = PAGE_SIZE, session: Session | None = None,
) -> InboxPage:
    """This person's alerts, newest first (open ones before resolved ones of the same moment)."""
    session = session_or_default(session)
    conditions = list(_unread(user_id)) if unread_only else [AlertRecipient.user_id == user_id]
    if kind is not None:
        conditions.append(Alert.kind == kind)
    counted = select(func.count()).select_from(AlertRecipient).join(Alert).where(*conditions)
    total = session.scalar(counted) or 0
    page = max(page, 1)
    rows = session.execute(
        select(AlertRecipient.id, AlertRecipient.read_at, Alert)
        .join(Alert)
        .where(*conditions)
        .order_by(Alert.fired_at.desc(), Alert.resolved_at.desc().nulls_first(), Alert.title, Alert.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return InboxPage([InboxItem(row.id, row.Alert, row.read_at) for row in rows], total, page, page_size)


def mark_read(user_id: int, copy_id: uuid.UUID, session: Session | None = None) -> None:
    """Mark one of this person's alerts read; NotFound for anyone else's; commits."""
    session = session_or_default(session)
    with unit_of_work(session):
        copy = session.get(AlertRecipient, copy_id)
        if copy is None or copy.user_id != user_id:
            raise NotFound("No such alert.")
        if copy.read_at is None:
            copy.read_at = datetime.now(UTC)


def mark_all_read(user_id: int, session: Session | None = None) -> int:
    """Mark every unread alert of this person read; returns how many; commits."""
    session = session_or_default(session)
    with unit_of_work(session):
        result = session.execute(
            update(AlertRecipient)
            .where(AlertRecipient.user_id == user_id, AlertRecipient.read_at.is_(None))
            .values(read_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
    return result.rowcount or 0


def record_path(kind: AlertKind, record_id: uuid.UUID) -> str | None:
    """The path of the record's page (no host), or None when that screen is not registered.

    Built from the URL map, so it works in a job with an app context and no request.
    """
    adapter = current_app.url_map.bind("localhost")
    try:
        return adapter.build(KINDS[kind].view, {"pk": str(record_id)})
    except BuildError:
        return None
