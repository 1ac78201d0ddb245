"""Bulk edit: the same change applied to many records in one transaction, record by record.

Each record is changed inside its own SAVEPOINT and flushed there, so the flush hooks
(app.services.rules_registry: seat capacity, contract dates, custom field values ...) and the
database constraints judge it exactly as they judge a form's save. A refused record is
rolled back to its savepoint (nothing of it is written, not even the fields that were
fine) and listed with the reason; the others are committed together at the end. A dry run
(the preview) does all of that and rolls the whole transaction back, so its figures are the
ones the real run will give unless someone changes the records in between.

Every changed record gets its audit entry from the audit listeners, under the action
`bulk_edit` (app.services.audit.context.audit_action).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.errors import DomainError, ValidationFailed
from app.services.audit.context import audit_action

#: Records one bulk edit may change: a bigger selection is refused (narrow the filter), so a
#: request never holds a web worker for long.
BULK_EDIT_LIMIT = 1000
AUDIT_ACTION = "bulk_edit"
#: What a record's write may be refused with (anything else is a bug and stays an error).
REFUSED_WITH: tuple[type[BaseException], ...] = (IntegrityError, StaleDataError, DomainError)


class BulkSelectionTooLarge(ValidationFailed):
    """More records are selected than one bulk edit may change."""

    def __init__(self, count: int) -> None:
        super().__init__(
            f"{count:,} records are selected; a bulk edit changes at most {BULK_EDIT_LIMIT:,} at a "
            "time. Narrow the filter (or use the import for a spreadsheet of changes)."
        )


@dataclass(frozen=True)
class RecordRefusal:
    """A record the bulk edit did not change, and why."""

    id: Any
    label: str
    message: str
    #: The field the refusal is about, when one is known.
    field: str | None = None


@dataclass
class BulkEditReport:
    selected: int
    dry_run: bool
    changed: list[tuple[Any, str]] = field(default_factory=list)
    #: Records that already held the new values (nothing written, no audit entry).
    unchanged: list[tuple[Any, str]] = field(default_factory=list)
    refused: list[RecordRefusal] = field(default_factory=list)


#: (the error a record was refused with) -> (message for the person, field or None).
Describe = Callable[[BaseException], tuple[str, str | None]]


def _default_describe(error: BaseException) -> tuple[str, str | None]:
    if isinstance(error, DomainError):
        return error.message, error.field
    return "The change breaks a rule of the database.", None


def apply_bulk_edit(
    session: Session,
    records: Iterable[Any],
    change: Callable[[Any], bool | None],
    *,
    dry_run: bool,
    refuse: Callable[[Any], str | None] = lambda _record: None,
    describe: Describe = _default_describe,
) -> BulkEditReport:
    """Apply `change` (sets attributes on a record) to every record, each in its own savepoint.

    `change` may return True when it changed related rows the record itself does not show
    (a client's account manager is a team assignment).

    `refuse(record)` returns a reason to leave a record alone before touching it (a record
    the person may not edit); `describe` turns a refused write into its message. Commits
    at the end, or rolls everything back when `dry_run`. Returns what changed, what already
    held the values, and what was refused and why.
    """
    records = list(records)
    if len(records) > BULK_EDIT_LIMIT:
        raise BulkSelectionTooLarge(len(records))
    report = BulkEditReport(selected=len(records), dry_run=dry_run)
    # Labels and keys first: a rolled-back savepoint expires the records it touched.
    labelled = [(record, record.id, str(record)) for record in records]
    try:
        with audit_action(AUDIT_ACTION):
            for record, key, label in labelled:
                reason = refuse(record)
                if reason:
                    report.refused.append(RecordRefusal(key, label, reason))
                    continue
                savepoint = session.begin_nested()
                try:
                    related_changed = change(record)
                    if not related_changed and not session.is_modified(record):
                        savepoint.rollback()
                        report.unchanged.append((key, label))
                        continue
                    session.flush()
                    savepoint.commit()
                except REFUSED_WITH as error:
                    savepoint.rollback()
                    message, column = describe(error)
                    report.refused.append(RecordRefusal(key, label, message, column))
                else:
                    report.changed.append((key, label))
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    return report
