"""Reading the audit trail back: one record's history, as lines a person can read.

Used by the History tab of every record page, the history page behind it and the
audit log's detail page. Foreign keys are shown by the label of the row they point at
(when it still exists), field names by the screens' labels.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.audit import AuditEvent
from app.services.audit.policy import model_for_entity

#: Distinct related rows looked up for labels per page, at most.
LABEL_LOOKUPS = 50


@dataclass(frozen=True)
class ChangeLine:
    """One changed field: old -> new (or members added/removed, or an event detail)."""

    field: str
    label: str
    old: Any = None
    new: Any = None
    masked: bool = False
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    #: "change", "collection" or "detail" (an event's own data, such as a login's reason).
    kind: str = "change"


@dataclass
class HistoryEntry:
    event: AuditEvent
    lines: list[ChangeLine] = field(default_factory=list)

    @property
    def who(self) -> str:
        return self.event.actor_email or "system"


def history_query(entity_type: str, entity_id: str):
    """The rows of one record, newest first (index ix_audit_event_entity)."""
    return (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )


def record_history(
    session: Session,
    entity_type: str,
    entity_id: str,
    *,
    limit: int,
    offset: int = 0,
    labels: dict[str, str] | None = None,
) -> list[HistoryEntry]:
    """Up to `limit` entries of one record's history, newest first."""
    events = list(session.scalars(history_query(entity_type, entity_id).limit(limit).offset(offset)))
    return describe(session, events, labels or {})


def describe(session: Session, events: list[AuditEvent], labels: dict[str, str]) -> list[HistoryEntry]:
    """Entries with readable lines; foreign keys resolved to labels in a bounded number of lookups."""
    resolver = RelationLabels(session)
    entries = []
    for event in events:
        model = model_for_entity(event.entity_type) if event.entity_type else None
        entries.append(HistoryEntry(event, change_lines(event.changes or {}, model, labels, resolver)))
    return entries


def change_lines(
    changes: dict[str, Any], model: type | None, labels: dict[str, str], resolver: RelationLabels
) -> list[ChangeLine]:
    lines = []
    for name in sorted(changes):
        value = changes[name]
        label = _label(name, labels)
        if isinstance(value, dict) and ("added" in value or "removed" in value):
            lines.append(
                ChangeLine(
                    name,
                    label,
                    added=tuple(value.get("added") or ()),
                    removed=tuple(value.get("removed") or ()),
                    kind="collection",
                )
            )
        elif isinstance(value, dict) and ("old" in value or "new" in value):
            old, new = value.get("old"), value.get("new")
            if not value.get("masked") and model is not None:
                old, new = resolver.label(model, name, old), resolver.label(model, name, new)
            lines.append(ChangeLine(name, label, old, new, masked=bool(value.get("masked"))))
        else:
            lines.append(ChangeLine(name, label, new=value, kind="detail"))
    return lines


def _label(name: str, labels: dict[str, str]) -> str:
    base, _, key = name.partition(".")
    if key:
        return f"{labels.get(base, base.replace('_', ' ').capitalize())}: {key}"
    if name.endswith("_id") and name[:-3] in labels:
        return labels[name[:-3]]
    return labels.get(name, name.replace("_", " ").capitalize())


class RelationLabels:
    """`client_id` "3f2a..." -> "Acme Corp" (the row's label today), with a lookup budget."""

    def __init__(self, session: Session, budget: int = LABEL_LOOKUPS) -> None:
        self.session, self.budget = session, budget
        self._cache: dict[tuple[type, Any], str | None] = {}

    def label(self, model: type, column: str, value: Any) -> Any:
        if value is None or not isinstance(value, str | int):
            return value
        target = self._target(model, column)
        if target is None:
            return value
        key = self._key(target, value)
        if key is None:
            return value
        cache_key = (target, key)
        if cache_key not in self._cache:
            if self.budget <= 0:
                return value
            self.budget -= 1
            row = self.session.get(target, key)
            self._cache[cache_key] = str(row) if row is not None else None
        found = self._cache[cache_key]
        return found if found is not None else value

    @staticmethod
    def _target(model: type, column: str) -> type | None:
        table_column = model.__table__.columns.get(column)
        if table_column is None or not table_column.foreign_keys:
            return None
        target_table = next(iter(table_column.foreign_keys)).column.table
        for mapper in model.registry.mappers:
            if mapper.local_table is target_table and mapper.class_.__name__ != "User":
                return mapper.class_
        return None

    @staticmethod
    def _key(target: type, value: Any) -> Any:
        column = target.__mapper__.primary_key[0]
        try:
            python_type = column.type.python_type
        except NotImplementedError:
            return value
        try:
            if python_type is uuid.UUID:
                return uuid.UUID(str(value))
            if python_type is int:
                return int(value)
        except (ValueError, TypeError):
            return None
        return value

