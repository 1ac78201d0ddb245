"""One import run: match the columns, check every row as its form would, write them all in
one transaction through the flush hooks (business rules and audit), or write nothing.

The rows are checked first (the target: the screen's own form, so the messages are the
form's), then written in chunks, each chunk flushed inside a savepoint: a chunk a flush hook
or a constraint refuses is rolled back and written again row by row, so the refusal lands on
its row and field. A dry run, and a run with a bad row without "skip bad rows", roll the
whole transaction back at the end: nothing is written, every row's fate is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.services.audit.context import audit_action, audit_details
from app.services.imports.reading import ImportRefused, Table
from app.services.imports.report import (
    CREATE,
    ERROR,
    SKIPPED,
    UNCHANGED,
    UPDATE,
    ImportReport,
    RowError,
    RowOutcome,
)

#: Rows flushed together (one savepoint each).
CHUNK_SIZE = 500
ID_COLUMN = "id"
AUDIT_ACTION = "import"


class ImportTarget(Protocol):
    """What an import writes into (app.web.imports builds one from a screen)."""

    resource: str
    entity_label: str
    may_create: bool
    may_update: bool
    #: The field that names a record ("company_name"), used by "update matching records".
    natural_key: str | None
    #: Why a row may not change a record this person sees.
    not_editable_message: str

    def field_for_header(self, header: str) -> str | None: ...
    def field_label(self, field: str) -> str: ...
    def prepare(self, fields: list[str], rows: list[dict[str, str]]) -> None: ...
    def existing_by_id(self, ids: list[str]) -> dict[str, Any]: ...
    def existing_by_key(self, keys: list[str]) -> dict[str, Any]: ...
    def build(
        self, values: dict[str, str], existing: Any | None
    ) -> tuple[Any | None, dict[str, list[str]]]: ...
    def before_write(self, obj: Any, is_new: bool) -> None: ...
    def has_changes(self, obj: Any) -> bool: ...
    def may_edit(self, record: Any) -> bool: ...
    def forget(self, obj: Any) -> None: ...
    def explain(self, error: BaseException) -> tuple[str | None, str] | None: ...
    def record_id(self, obj: Any) -> str: ...


@dataclass
class ImportOptions:
    dry_run: bool = True
    skip_bad_rows: bool = False
    #: Rows without an id update the record with the same natural key, when there is one.
    update_by_key: bool = False
    file_name: str = ""


@dataclass
class _Pending:
    outcome: RowOutcome
    values: dict[str, str]
    existing_key: str | None
    obj: Any | None = None


def match_columns(
    target: ImportTarget, headers: list[str]
) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """Header position -> field; header -> field (for the report); headers matched to nothing."""
    positions: dict[int, str] = {}
    named: dict[str, str] = {}
    ignored: list[str] = []
    for position, header in enumerate(headers):
        if not header:
            continue
        field = ID_COLUMN if header.strip().lower() == ID_COLUMN else target.field_for_header(header)
        if field is None or field in positions.values():
            ignored.append(header)
            continue
        positions[position] = field
        named[header] = field
    if not [f for f in positions.values() if f != ID_COLUMN]:
        raise ImportRefused(
            f"No column of the file matches a field of {target.entity_label}: the first line must name "
            "the columns (download the template next to the Import button)."
        )
    return positions, named, ignored


def run_import(
    target: ImportTarget,
    table: Table,
    options: ImportOptions,
    session: Session,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check and (unless a dry run or a bad row) write every row of `table`; the report says what."""
    positions, named, ignored = match_columns(target, table.headers)
    headers_by_field = {field: header for header, field in named.items()}
    report = ImportReport(
        resource=target.resource,
        file_name=options.file_name,
        dry_run=options.dry_run,
        skip_bad_rows=options.skip_bad_rows,
        columns=named,
        ignored_columns=ignored,
    )
    rows = []
    for line, cells in table.rows:
        values = {field: (cells[p].strip() if p < len(cells) else "") for p, field in positions.items()}
        rows.append((line, values, {h: values[f] for h, f in named.items()}))
    report.rows_read = len(rows)
    target.prepare([f for f in positions.values() if f != ID_COLUMN], [v for _, v, _ in rows])

    ids = [v[ID_COLUMN] for _, v, _ in rows if v.get(ID_COLUMN)]
    by_id = target.existing_by_id(ids) if ids else {}
    by_key: dict[str, Any] = {}
    key_field = target.natural_key if options.update_by_key else None
    if key_field and key_field in positions.values():
        keys = [v[key_field] for _, v, _ in rows if not v.get(ID_COLUMN) and v.get(key_field)]
        by_key = target.existing_by_key(keys) if keys else {}

    def header(field: str | None) -> str | None:
        if field is None:
            return None
        return headers_by_field.get(field, target.field_label(field))

    pending: list[_Pending] = []
    for line, values, shown in rows:
        outcome = RowOutcome(line=line, action=CREATE, values=shown)
        report.rows.append(outcome)
        existing_key = None
        raw_id = values.pop(ID_COLUMN, "")
        if raw_id:
            existing_key = raw_id
            if raw_id not in by_id:
                outcome.errors.append(
                    RowError(
                        header(ID_COLUMN) or ID_COLUMN,
                        f"No {target.entity_label} with id {raw_id} that you may edit.",
                    )
                )
        elif key_field and values.get(key_field, "").strip().lower() in by_key:
            existing_key = "key:" + values[key_field].strip().lower()
        if existing_key and not target.may_update:
            outcome.errors.append(RowError(None, f"You may not edit {target.entity_label} records."))
        if not existing_key and not target.may_create:
            outcome.errors.append(RowError(None, f"You may not add {target.entity_label} records."))
        pending.append(_Pending(outcome, values, existing_key))

    existing = {**by_id, **{"key:" + k: v for k, v in by_key.items()}}
    with _import_audit(options.file_name):
        done = 0
        for start in range(0, len(pending), CHUNK_SIZE):
            chunk = pending[start : start + CHUNK_SIZE]
            _build_chunk(target, chunk, existing, header)
            _write_chunk(
                target,
                session,
                [p for p in chunk if not p.outcome.errors and p.obj is not None],
                existing,
                header,
            )
            done += len(chunk)
            if progress is not None:
                progress(done)

    for item in pending:
        if item.outcome.errors:
            item.outcome.action = SKIPPED if options.skip_bad_rows else ERROR
    bad = bool(report.bad_rows)
    if options.dry_run or (bad and not options.skip_bad_rows):
        session.rollback()
    else:
        session.commit()
        report.written = True
    return report


def _build_chunk(
    target: ImportTarget, chunk: list[_Pending], existing: dict[str, Any], header: Callable
) -> None:
    for item in chunk:
        if item.outcome.errors:
            continue
        record = existing.get(item.existing_key) if item.existing_key else None
        obj, errors = target.build(item.values, record)
        for field, messages in errors.items():
            item.outcome.errors += [RowError(header(field), m) for m in messages]
        if errors:
            continue
        item.obj = obj
        item.outcome.label = str(obj)
        if record is not None:
            item.outcome.record_id = target.record_id(obj)
            if target.has_changes(obj) and not target.may_edit(record):
                item.outcome.errors.append(RowError(None, target.not_editable_message))
                target.forget(obj)
                item.obj = None
            elif target.has_changes(obj):
                item.outcome.action = UPDATE
            else:
                # Nothing to write: the record is left exactly as it is (no save, no audit entry).
                item.outcome.action = UNCHANGED
                target.forget(obj)
                item.obj = None


def _write_chunk(
    target: ImportTarget, session: Session, chunk: list[_Pending], existing: dict[str, Any], header: Callable
) -> None:
    if not chunk:
        return
    savepoint = session.begin_nested()
    try:
        for item in chunk:
            _stage(target, session, item)
        session.flush()
    except Exception as error:
        savepoint.rollback()
        if target.explain(error) is None:
            raise
        # The rolled-back rows still sit in their parents' collections (a client's licenses):
        # reload those from the database before the rows are written again one by one.
        session.expire_all()
    else:
        savepoint.commit()
        _note_ids(target, chunk)
        return
    # Something in the chunk was refused: again row by row, to say which.
    for item in chunk:
        record = existing.get(item.existing_key) if item.existing_key else None
        obj, errors = target.build(item.values, record)
        if errors or obj is None:  # cannot happen for a row that passed once; stay honest
            item.outcome.errors += [RowError(header(f), m) for f, ms in errors.items() for m in ms]
            continue
        item.obj = obj
        savepoint = session.begin_nested()
        try:
            _stage(target, session, item)
            session.flush()
        except Exception as error:
            savepoint.rollback()
            explained = target.explain(error)
            if explained is None:
                raise
            field, message = explained
            item.outcome.errors.append(RowError(header(field), message))
        else:
            savepoint.commit()
            _note_ids(target, [item])


def _stage(target: ImportTarget, session: Session, item: _Pending) -> None:
    is_new = item.existing_key is None
    target.before_write(item.obj, is_new)
    if is_new:
        session.add(item.obj)


def _note_ids(target: ImportTarget, chunk: list[_Pending]) -> None:
    for item in chunk:
        if item.outcome.record_id is None:
            item.outcome.record_id = target.record_id(item.obj)


@contextmanager
def _import_audit(file_name: str) -> Iterator[None]:
    """Every change is recorded as action "import", with the file's name."""
    with audit_action(AUDIT_ACTION), audit_details({"import_file": file_name or "(pasted)"}):
        yield
