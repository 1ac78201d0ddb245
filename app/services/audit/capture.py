"""The one mechanism that writes the audit trail of changes: SQLAlchemy Session events.

Three listeners on the Session *class* (so every session: requests, jobs, commands, tests):

- `before_flush` prepares what only the state before the flush can tell: old values that
  were never loaded, the values of rows about to be deleted (also rows the database will
  delete by ON DELETE CASCADE), and it lets an explicit event of the same flush (an
  account lock, a password change) carry the field changes of its subject, so one
  change leaves one record;
- `after_flush` turns every insert, update and delete of an audited entity into a row of
  `audit_event`, written with one INSERT on the flush's own connection: in the same
  transaction as the change, gone with it on a rollback;
- `do_orm_execute` covers statements that change rows without the unit of work:
  `session.execute(update(...)/delete(...)/insert(...))` on an audited table, ORM or Core
  (bulk expiry of contracts, key rotation, a sync run's end): the rows are read before
  (locked) and after, and the differences recorded in the same transaction.

What no ORM listener can see, and is therefore not audited: SQL sent as text or through
the DBAPI cursor (the metric and ticket ingestion with COPY and execute_values, snapshot
and rollup refreshes, all measurements rather than operational entities) and changes made
outside the application (psql). See docs/audit.md.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import Flask
from sqlalchemy import Table, event, insert, inspect, select, tuple_
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.exc import ObjectDeletedError

from app.models.audit import AuditAction, AuditEvent, AuditOperation
from app.services.audit.context import current_action, current_details
from app.services.audit.diff import (
    Changes,
    created_changes,
    deleted_changes,
    loaded_values,
    missing_old_values,
    updated_changes,
    values_changes,
)
from app.services.audit.policy import AuditPolicy, entity_id_of, policy_for, tables
from app.services.audit.recording import event_context

log = logging.getLogger(__name__)

NOTES_KEY = "mssp_audit_notes"
#: Execution option of an UPDATE: the names of the columns it changes (the audit reads only those).
AUDIT_COLUMNS_OPTION = "mssp_audit_columns"
#: Explicit events that never stand for a change of their subject's fields.
NON_ABSORBING_ACTIONS = frozenset(
    {
        AuditAction.LOGIN_SUCCESS,
        AuditAction.LOGIN_FAILURE,
        AuditAction.LOGOUT,
        AuditAction.PERMISSION_DENIED,
    }
)


@dataclass
class RowChange:
    """One audited change, before it becomes an `audit_event` row."""

    policy: AuditPolicy
    entity_id: str | None
    operation: AuditOperation
    changes: Changes
    #: The lifecycle action this row's own changes amount to (None: a plain change).
    lifecycle: str | None = None
    #: (entity type, id) of the audited rows this one points at, when it has a lifecycle.
    refs: frozenset[tuple[str, str]] = frozenset()


@dataclass
class FlushNotes:
    """What `before_flush` learned for `after_flush` (keyed by id() of live objects)."""

    old_values: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted_values: dict[int, dict[str, Any]] = field(default_factory=dict)
    cascaded: list[RowChange] = field(default_factory=list)
    explained: set[int] = field(default_factory=set)


# --- before the flush --------------------------------------------------------------------------


def prepare_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    """The `before_flush` listener."""
    if not (session.new or session.dirty or session.deleted):
        return
    notes = FlushNotes()
    with session.no_autoflush:
        for obj in session.dirty:
            policy = policy_for(obj)
            if policy is not None:
                _prefetch_old_values(session, obj, policy, notes)
        for obj in session.deleted:
            policy = policy_for(obj)
            if policy is not None:
                notes.deleted_values[id(obj)] = _current_values(session, obj, policy)
        notes.cascaded = _cascaded_deletes(session)
        _absorb_into_events(session, notes)
    session.info[NOTES_KEY] = notes


def _prefetch_old_values(session: Session, obj: Any, policy: AuditPolicy, notes: FlushNotes) -> None:
    missing = missing_old_values(obj, policy)
    if not missing:
        return
    state = inspect(obj)
    table = state.mapper.local_table
    columns = [state.mapper.get_property(key).columns[0] for key in missing]
    where = [column == value for column, value in zip(state.mapper.primary_key, state.identity, strict=True)]
    row = session.execute(select(*columns).select_from(table).where(*where)).first()
    if row is not None:
        notes.old_values[id(obj)] = dict(zip(missing, row, strict=True))


def _current_values(session: Session, obj: Any, policy: AuditPolicy) -> dict[str, Any]:
    state = inspect(obj)
    if state.key is not None and state.expired_attributes:
        # A delete of an expired object: read what is being removed (unless it is gone already).
        with contextlib.suppress(ObjectDeletedError):
            session.refresh(obj)
    return loaded_values(obj, policy)


def _cascaded_deletes(session: Session) -> list[RowChange]:
    """Audited rows the database will delete by ON DELETE CASCADE, read before it does."""
    deleted_keys = {(type(o), entity_id_of(o)) for o in session.deleted}
    parents: dict[str, list[Any]] = {}
    for obj in session.deleted:
        state = inspect(obj)
        if state.key is not None and len(state.identity) == 1:
            parents.setdefault(state.mapper.local_table.name, []).append(state.identity[0])
    return cascaded_rows(session, parents, deleted_keys)


def cascaded_rows(
    session: Session, parents: dict[str, list[Any]], skip: set[tuple[type, str | None]]
) -> list[RowChange]:
    """The audited rows ON DELETE CASCADE removes with the rows `parents` ({table: keys})."""
    deleted_keys = skip
    found: list[RowChange] = []
    for _depth in range(3):  # a source's queries' runs: three levels at most today
        next_parents: dict[str, list[Any]] = {}
        for table_name, ids in parents.items():
            for model, policy, fk_column in _cascading_children(table_name):
                child_table = model.__table__
                query = select(child_table).where(child_table.c[fk_column].in_(ids))
                for row in session.execute(query).mappings():
                    key = _row_key(child_table, row)
                    if (model, key) in deleted_keys:
                        continue  # the ORM deletes it itself: recorded from the object
                    deleted_keys.add((model, key))
                    found.append(
                        RowChange(
                            policy,
                            key,
                            AuditOperation.DELETE,
                            deleted_changes(row, policy),
                            policy.delete_action,
                        )
                    )
                    if len(child_table.primary_key.columns) == 1:
                        pk = child_table.primary_key.columns[0].name
                        next_parents.setdefault(child_table.name, []).append(row[pk])
        if not next_parents:
            break
        parents = next_parents
    return found


@cache
def _cascading_children(table_name: str) -> list[tuple[type, AuditPolicy, str]]:
    children = []
    for model, policy in tables().values():
        for fk in model.__table__.foreign_keys:
            if fk.column.table.name == table_name and (fk.ondelete or "").upper() == "CASCADE":
                children.append((model, policy, fk.parent.name))
    return children


def _row_key(table: Table, row: Any) -> str:
    return ",".join(str(row[column.name]) for column in table.primary_key.columns)


def _absorb_into_events(session: Session, notes: FlushNotes) -> None:
    """An explicit event about a record (locked, unlocked...) carries that record's changes."""
    events = [
        obj
        for obj in session.new
        if isinstance(obj, AuditEvent)
        and obj.entity_type
        and obj.entity_id is not None
        and obj.action not in NON_ABSORBING_ACTIONS
    ]
    if not events:
        return
    subjects = {}
    for obj in session.dirty:
        policy = policy_for(obj)
        if policy is not None:
            subjects[(policy.entity_type, entity_id_of(obj))] = (obj, policy)
    for audit_event in events:
        found = subjects.get((audit_event.entity_type, str(audit_event.entity_id)))
        if found is None or id(found[0]) in notes.explained:
            continue
        obj, policy = found
        changes = updated_changes(obj, policy, notes.old_values.get(id(obj)))
        if changes:
            audit_event.changes = {**(audit_event.changes or {}), **changes}
            audit_event.operation = AuditOperation.UPDATE
            notes.explained.add(id(obj))


# --- after the flush ---------------------------------------------------------------------------


def write_flush_audit(session: Session, flush_context: Any) -> None:
    """The `after_flush` listener: one audit row per audited insert, update and delete."""
    notes = session.info.pop(NOTES_KEY, None) or FlushNotes()
    found: list[RowChange] = []
    for state, (is_delete, list_only) in list(flush_context.states.items()):
        if list_only:
            continue
        obj = state.obj()
        if obj is None or isinstance(obj, AuditEvent):
            continue
        policy = policy_for(obj)
        if policy is None:
            continue
        change = _change_of(session, obj, policy, is_delete, notes)
        if change is not None:
            found.append(change)
    found.extend(notes.cascaded)
    if found:
        write_rows(session, found)


def _change_of(
    session: Session, obj: Any, policy: AuditPolicy, is_delete: bool, notes: FlushNotes
) -> RowChange | None:
    entity_id = entity_id_of(obj)
    if is_delete:
        values = notes.deleted_values.get(id(obj))
        if values is None:  # deleted as an orphan during the flush: what it held in memory
            values = loaded_values(obj, policy)
        return RowChange(
            policy, entity_id, AuditOperation.DELETE, deleted_changes(values, policy), policy.delete_action
        )
    if obj in session.new:
        change = RowChange(
            policy, entity_id, AuditOperation.CREATE, created_changes(obj, policy), policy.create_action
        )
    elif id(obj) in notes.explained:
        return None
    else:
        changes = updated_changes(obj, policy, notes.old_values.get(id(obj)))
        if not changes:
            return None
        change = RowChange(policy, entity_id, AuditOperation.UPDATE, changes, policy.update_action(changes))
    if change.lifecycle:
        change.refs = references(type(obj).__table__, inspect(obj).dict)
    return change


def references(table: Table, values: Any) -> frozenset[tuple[str, str]]:
    """The audited rows a row points at through its foreign keys: {(entity type, id)}."""
    found = set()
    for fk in table.foreign_keys:
        entry = tables().get(fk.column.table.name)
        value = values.get(fk.parent.key) if entry is not None else None
        if value is not None:
            found.add((entry[1].entity_type, str(value)))
    return frozenset(found)


# --- bulk statements ---------------------------------------------------------------------------


def audit_bulk_statement(state: ORMExecuteState) -> Any:
    """The `do_orm_execute` listener: UPDATE/DELETE/INSERT statements on audited tables."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return None
    target = getattr(state.statement, "table", None)
    entry = tables().get(getattr(target, "name", None))
    if entry is None:
        return None
    model, policy = entry
    table = model.__table__
    session = state.session
    if state.is_insert:
        result = state.invoke_statement()
        _record_bulk_insert(session, table, policy, state.parameters)
        return result
    columns = _read_columns(table, state)
    before = _rows_before(session, table, state, columns)
    cascaded: list[RowChange] = []
    if state.is_delete and before and len(table.primary_key.columns) == 1:
        pk = table.primary_key.columns[0].name
        cascaded = cascaded_rows(session, {table.name: [row[pk] for row in before.values()]}, set())
    result = state.invoke_statement()
    if not before:
        return result
    if state.is_delete:
        found = [
            RowChange(policy, key, AuditOperation.DELETE, deleted_changes(row, policy), policy.delete_action)
            for key, row in before.items()
        ] + cascaded
    else:
        after = _rows_by_key(session, columns, _key_condition(table, before))
        found = []
        for key, old in before.items():
            changes = values_changes(policy, old, after.get(key, {}))
            if changes:
                change = RowChange(policy, key, AuditOperation.UPDATE, changes, policy.update_action(changes))
                if change.lifecycle:
                    change.refs = references(table, old)
                found.append(change)
    if found:
        write_rows(session, found)
    return result


def _read_columns(table: Table, state: ORMExecuteState) -> list[Any]:
    """What to read of each row: all columns, or for an UPDATE that names the columns it
    changes (execution option AUDIT_COLUMNS_OPTION) only those, its keys and foreign keys:
    a rewrite of one column over 100k rows then reads and compares that column only."""
    named = state.execution_options.get(AUDIT_COLUMNS_OPTION) if state.is_update else None
    if not named:
        return list(table.columns)
    return [c for c in table.columns if c.primary_key or c.foreign_keys or c.name in named]


def _rows_before(
    session: Session, table: Table, state: ORMExecuteState, columns: list[Any]
) -> dict[str, dict[str, Any]]:
    """The rows the statement will change, locked until the transaction ends."""
    parameters = state.parameters
    if isinstance(parameters, list) and parameters:
        # ORM "bulk UPDATE by primary key": one parameter set per row, keys in them.
        pk_names = [c.name for c in table.primary_key.columns]
        keys = [tuple(p.get(name) for name in pk_names) for p in parameters]
        if any(None in key for key in keys):
            log.warning("bulk statement on %s without primary keys: not audited row by row", table.name)
            return {}
        condition = tuple_(*table.primary_key.columns).in_(keys)
    else:
        condition = state.statement.whereclause
    query = select(*columns)
    if condition is not None:
        query = query.where(condition)
    # A textual WHERE (`text("jsonb_exists(...)")`) takes the statement's own parameters.
    params = parameters if isinstance(parameters, dict) else None
    with session.no_autoflush:
        rows = session.execute(query.with_for_update(), params).mappings().all()
    return {_row_key(table, row): dict(row) for row in rows}


def _key_condition(table: Table, rows: dict[str, dict[str, Any]]) -> Any:
    columns = list(table.primary_key.columns)
    keys = [tuple(row[c.name] for c in columns) for row in rows.values()]
    return tuple_(*columns).in_(keys)


def _rows_by_key(session: Session, columns: list[Any], condition: Any) -> dict[str, dict[str, Any]]:
    with session.no_autoflush:
        rows = session.execute(select(*columns).where(condition)).mappings().all()
    return {_row_key(columns[0].table, row): dict(row) for row in rows}


def _record_bulk_insert(session: Session, table: Table, policy: AuditPolicy, parameters: Any) -> None:
    """Rows given with their keys are recorded one by one; others as one summary row."""
    rows = parameters if isinstance(parameters, list) else [parameters or {}]
    pk_names = [c.name for c in table.primary_key.columns]
    found = []
    keyless = 0
    for row in rows:
        if all(row.get(name) is not None for name in pk_names):
            key = ",".join(str(row[name]) for name in pk_names)
            found.append(
                RowChange(
                    policy, key, AuditOperation.CREATE, values_changes(policy, {}, row), policy.create_action
                )
            )
        else:
            keyless += 1
    if keyless:
        found.append(
            RowChange(
                policy,
                None,
                AuditOperation.CREATE,
                {"rows": {"old": None, "new": keyless}},
                AuditAction.BULK_CREATE,
            )
        )
    write_rows(session, found)


# --- writing -------------------------------------------------------------------------------------


def write_rows(session: Session, found: list[RowChange]) -> None:
    """Insert the rows on the session's connection (same transaction as the change)."""
    context = event_context()
    explicit = current_action()
    details = current_details()
    # A lifecycle action names the plain updates of the rows it points at, in the same
    # flush: returning hardware closes the assignment and puts its asset back in stock.
    shared: dict[tuple[str, str | None], str] = {}
    for change in found:
        if change.lifecycle:
            for ref in change.refs:
                shared.setdefault(ref, change.lifecycle)
    rows = []
    for change in found:
        if explicit:
            action = explicit
        elif change.lifecycle:
            action = change.lifecycle
        elif (
            change.operation is AuditOperation.UPDATE
            and (key := (change.policy.entity_type, change.entity_id)) in shared
        ):
            action = shared[key]
        else:
            action = change.operation.value
        rows.append(
            {
                **context,
                "id": uuid.uuid4(),
                "action": action,
                "operation": change.operation,
                "entity_type": change.policy.entity_type,
                "entity_id": change.entity_id,
                "changes": {**(change.changes or {}), **details} if details else change.changes,
            }
        )
    if rows:
        connection = session.connection(bind_arguments={"mapper": inspect(AuditEvent)})
        # One row (a save) as a plain execute, several as one executemany.
        connection.execute(insert(AuditEvent.__table__), rows[0] if len(rows) == 1 else rows)


# --- wiring ----------------------------------------------------------------------------------------

LISTENERS = (
    ("before_flush", prepare_flush),
    ("after_flush", write_flush_audit),
    ("do_orm_execute", audit_bulk_statement),
)


def install_audit_capture() -> None:
    """Register the listeners once per process (after the business rules' before_flush)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def remove_audit_capture() -> None:
    """Unregister the listeners: for the benchmark's "without auditing" baseline only."""
    for name, listener in LISTENERS:
        if event.contains(Session, name, listener):
            event.remove(Session, name, listener)


def init_audit_capture(app: Flask) -> None:
    """The init step: every session of this process writes the audit trail."""
    install_audit_capture()
