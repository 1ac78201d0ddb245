"""Turn a refused write into a message for a person, naming the field when there is one.

PostgreSQL tells which constraint refused a row; our naming convention
(`uq_<table>_<columns>`, `ck_<table>_<name>`, `fk_<table>_<column>_<referred table>`)
and the constraint objects in the metadata tell which column it guards. The views
show the message on that form field, the APIs answer 422 with it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import CheckConstraint, Table, Uuid, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.errors import DomainError, NotFound
from app.extensions import db
from app.models.references import referenced_table_name, restricting_references

UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"
RESTRICT_VIOLATION = "23001"
CHECK_VIOLATION = "23514"
NOT_NULL_VIOLATION = "23502"

#: Messages for constraints whose generic wording would be unhelpful.
CONSTRAINT_MESSAGES: dict[str, str] = {
    "uq_client_hardware_assignments_open_asset": (
        "This asset already has an open assignment: record its return first."
    ),
    "uq_clients_company_name_ci": (
        "A client with this company name already exists (names are compared ignoring case and "
        "surrounding spaces)."
    ),
    "ck_contracts_not_its_own_renewal": "A contract cannot be its own predecessor.",
    "ck_clients_lead_score_range": "Lead score must be between 0 and 100.",
    "ck_external_data_sources_base_url_http": "The base URL must start with http:// or https://.",
    "ck_external_data_sources_timeout_range": "The timeout must be between 1 and 300 seconds.",
    "ck_data_source_queries_one_schedule": "Give either a cron schedule or an interval, not both.",
    "ck_custom_field_definitions_name_identifier": (
        "Use lower-case letters, digits and underscores, starting with a letter."
    ),
}


@dataclass(frozen=True)
class WriteRefusal:
    """Why a write was refused: the column (if known), the message, and the HTTP status."""

    message: str
    column: str | None = None
    status: int = 422


def humanize(name: str) -> str:
    """`client_hardware_assignments` -> `client hardware assignments`."""
    return name.replace("_", " ").strip()


def _table(name: str | None) -> Table | None:
    return db.metadata.tables.get(name or "")


def _constraint_columns(table: Table, constraint_name: str) -> list[str]:
    """The columns a named constraint or unique index of `table` covers, in order."""
    for constraint in table.constraints:
        if str(constraint.name) != constraint_name:
            continue
        if isinstance(constraint, CheckConstraint):
            sql = str(constraint.sqltext)
            found = []
            for column in table.columns:
                match = re.search(rf"\b{column.name}\b", sql)
                if match:
                    found.append((match.start(), column.name))
            return [name for _pos, name in sorted(found)]
        return [c.name for c in getattr(constraint, "columns", [])]
    for index in table.indexes:
        if str(index.name) == constraint_name:
            return [c.name for c in index.columns]
    return _columns_from_name(table, constraint_name)


def _columns_from_name(table: Table, constraint_name: str) -> list[str]:
    """Fallback when the metadata does not know the name: read it (naming convention)."""
    for prefix in ("uq", "ck", "fk", "ix"):
        head = f"{prefix}_{table.name}_"
        if constraint_name.startswith(head):
            rest = constraint_name[len(head) :]
            break
    else:
        return []
    columns = sorted((c.name for c in table.columns), key=len, reverse=True)
    found: list[str] = []
    while rest:
        match = next((c for c in columns if rest == c or rest.startswith(c + "_")), None)
        if match is None:
            break
        found.append(match)
        rest = rest[len(match) + 1 :]
    return found


def _unique_message(table: Table, columns: list[str]) -> str:
    if len(columns) == 1:
        return f"A {humanize(_singular(table.name))} with this {humanize(columns[0])} already exists."
    listed = ", ".join(humanize(c.removesuffix("_id")) for c in columns[:-1])
    return (
        f"A {humanize(_singular(table.name))} with this {listed} and "
        f"{humanize(columns[-1].removesuffix('_id'))} already exists."
    )


def _singular(table_name: str) -> str:
    if table_name.endswith("ies"):
        return table_name[:-3] + "y"
    if table_name.endswith(("sses", "xes")):
        return table_name[:-2]
    return table_name[:-1] if table_name.endswith("s") else table_name


def refusal_for_integrity_error(error: IntegrityError, session: Session | None = None) -> WriteRefusal:
    """Explain an IntegrityError from an insert, update or delete."""
    orig = error.orig
    code = getattr(orig, "pgcode", None)
    diag = getattr(orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    table = _table(getattr(diag, "table_name", None))
    if constraint in CONSTRAINT_MESSAGES:
        columns = _constraint_columns(table, constraint) if table is not None else []
        return WriteRefusal(CONSTRAINT_MESSAGES[constraint], columns[-1] if columns else None)
    if code == NOT_NULL_VIOLATION:
        column = getattr(diag, "column_name", None)
        return WriteRefusal("This field is required.", column)
    if table is None:
        return WriteRefusal("The change breaks a rule of the database and was not saved.")
    columns = _constraint_columns(table, constraint)
    if code == UNIQUE_VIOLATION:
        return WriteRefusal(_unique_message(table, columns), columns[-1] if columns else None)
    if code == CHECK_VIOLATION:
        column = columns[0] if columns else None
        what = humanize(column) if column else "a value"
        if constraint.endswith("_non_negative"):
            return WriteRefusal(f"{what.capitalize()} cannot be negative.", column)
        if constraint.endswith("_iso4217"):
            return WriteRefusal("Use a three-letter ISO 4217 code in capitals, e.g. USD.", column)
        if "dates_ordered" in constraint or "after" in constraint:
            return WriteRefusal(
                f"{humanize(column or 'the end').capitalize()} cannot be before "
                f"{humanize(columns[1]) if len(columns) > 1 else 'the start'}.",
                column,
            )
        return WriteRefusal(f"The value of {what} is not allowed ({humanize(constraint)}).", column)
    if code == RESTRICT_VIOLATION:
        return _restrict_refusal(table, columns, str(orig), session)
    if code == FOREIGN_KEY_VIOLATION:
        message = str(orig)
        if "is still referenced" in message or "update or delete on table" in message:
            return _restrict_refusal(table, columns, message, session)
        column = columns[0] if columns else None
        target = referenced_table_name(table, column) if column else None
        return WriteRefusal(f"The selected {humanize(_singular(target or 'record'))} does not exist.", column)
    return WriteRefusal("The change breaks a rule of the database and was not saved.")


def _restrict_refusal(
    referencing: Table, columns: list[str], message: str, session: Session | None
) -> WriteRefusal:
    """A delete refused by ON DELETE RESTRICT: say what still points at the record, and how much."""
    deleted = re.search(r'(?:update or delete on table|on table) "(\w+)" violates', message)
    key = re.search(r"Key \((\w+)\)=\(([^)]*)\)", message)
    counts: list[str] = []
    if session is not None and deleted and key:
        counts = _references(session, deleted.group(1), key.group(2))
    if not counts:
        counts = [humanize(referencing.name)]
    return WriteRefusal(
        f"Cannot delete: still referenced by {', '.join(counts)}. "
        "Remove or reassign those first, or use the lifecycle action (archive, terminate) instead.",
        None,
    )


def _references(session: Session, table_name: str, key_value: str) -> list[str]:
    """ "3 contracts", "12 financial transactions": every table whose RESTRICT key points at the row."""
    found: list[str] = []
    try:
        for table in db.metadata.sorted_tables:
            for column, referenced in restricting_references(table):
                if referenced != table_name:
                    continue
                value = uuid.UUID(key_value) if isinstance(column.type, Uuid) else key_value
                query = select(func.count()).select_from(table).where(column == value)
                count = session.execute(query).scalar()
                if count:
                    found.append(f"{count} {humanize(table.name if count != 1 else _singular(table.name))}")
    except Exception:  # the detail is a nicety; the refusal stands without it
        session.rollback()
        return []
    return found


STALE_MESSAGE = (
    "Someone else changed this record while you were editing it. Your changes were not saved "
    "and theirs are kept: reload the page to see the current values, then apply your change again."
)


def stale_refusal() -> WriteRefusal:
    return WriteRefusal(STALE_MESSAGE, "version", status=409)


def refusal_for(error: BaseException, session: Session | None = None) -> WriteRefusal:
    """The message (and field) for any error a write can be refused with."""
    if isinstance(error, IntegrityError):
        return refusal_for_integrity_error(error, session)
    if isinstance(error, StaleDataError):
        return stale_refusal()
    if isinstance(error, NotFound):
        return WriteRefusal(error.message, error.field, status=404)
    if isinstance(error, DomainError):
        return WriteRefusal(error.message, error.field)
    raise error


#: What a write may be refused with (anything else is a bug and stays a 500).
REFUSALS: tuple[type[BaseException], ...] = (IntegrityError, StaleDataError, DomainError)
