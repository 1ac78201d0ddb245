"""Field-level changes as the audit trail stores them: {"field": {"old": ..., "new": ...}}.

Values are made JSON-safe the way a reader expects them back: money and other decimals
as exact strings, ids as strings, dates in ISO 8601, enums by their stored value. A
secret is never written: its change is recorded as `{"old": MASK, "new": MASK,
"masked": true}` (None stays None, so setting and clearing a secret still show).
JSON object columns (custom fields, configurations) are compared key by key, as
"custom_field_data.<key>".
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import InstanceState, Mapper

from app.services.audit.policy import AuditPolicy

MASK = "********"
#: Longest text kept in a recorded value (a pasted document should not bloat the trail).
TEXT_LIMIT = 10_000

Changes = dict[str, dict[str, Any]]
#: A form saving "" where the column held NULL changes nothing a person could see.
EMPTY = (None, "")
_MISSING = object()
#: Types whose equal values can still read differently as JSON (1.5 and 1.50, nested 1 and true).
_JSON_MAY_DIFFER = (dict, list, Decimal, float)


def json_value(value: Any) -> Any:
    """`value` as a JSON-safe value that reads back the same."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return value if len(value) <= TEXT_LIMIT else value[:TEXT_LIMIT] + "…"
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return json_value(value.value)
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    return str(value)


def masked(value: Any) -> str | None:
    return None if value is None or value == "" else MASK


def field_changes(policy: AuditPolicy, column: str, old: Any, new: Any) -> Changes:
    """The recorded change of one column (nothing if it did not really change)."""
    if policy.is_secret(column):
        if old == new:
            return {}
        return {column: {"old": masked(old), "new": masked(new), "masked": True}}
    old_json, new_json = json_value(old), json_value(new)
    if old_json == new_json or (old_json in EMPTY and new_json in EMPTY):
        return {}
    if isinstance(old_json, dict | None) and isinstance(new_json, dict | None) and (old_json or new_json):
        return _dict_changes(column, old_json or {}, new_json or {})
    return {column: {"old": old_json, "new": new_json}}


def _dict_changes(column: str, old: dict[str, Any], new: dict[str, Any]) -> Changes:
    keys = sorted({*old, *new})
    return {
        f"{column}.{key}": {"old": old.get(key), "new": new.get(key)}
        for key in keys
        if old.get(key) != new.get(key)
    }


def values_changes(policy: AuditPolicy, old: Mapping[str, Any], new: Mapping[str, Any]) -> Changes:
    """Changes between two snapshots {column: value}; a column missing on one side is None."""
    changes: Changes = {}
    for column in [*old, *(c for c in new if c not in old)]:
        before, after = old.get(column), new.get(column)
        # Equal values of one type whose JSON form cannot differ are unchanged, without
        # building that form (a bulk UPDATE's rows differ in a column or two).
        same_type = type(before) is type(after) and not isinstance(before, _JSON_MAY_DIFFER)
        if (same_type and before == after) or not policy.records(column):
            continue
        changes.update(field_changes(policy, column, before, after))
    return changes


# --- from ORM objects ------------------------------------------------------------------------


def column_keys(state: InstanceState) -> tuple[str, ...]:
    return _column_keys(state.mapper)


@cache
def _column_keys(mapper: Mapper) -> tuple[str, ...]:
    return tuple(prop.key for prop in mapper.column_attrs)


def changed_column_keys(state: InstanceState) -> list[str]:
    """The column attributes set since the last flush (SQLAlchemy keeps their old values
    in `committed_state`): looking only at these keeps an update's cost to what changed."""
    columns = _column_keys(state.mapper)
    return [key for key in state.committed_state if key in columns]


def loaded_values(obj: Any, policy: AuditPolicy) -> dict[str, Any]:
    """The recorded columns' values the object holds in memory (nothing is loaded)."""
    state = inspect(obj)
    values = {}
    for key in column_keys(state):
        value = state.dict.get(key, _MISSING)
        if value is not _MISSING and policy.records(key):
            values[key] = value
    return values


def created_changes(obj: Any, policy: AuditPolicy) -> Changes:
    """A new row: every recorded value it was given, and the collections it starts with."""
    values = {k: v for k, v in loaded_values(obj, policy).items() if v not in (None, {}, [])}
    changes = values_changes(policy, {}, values)
    changes.update(collection_changes(obj, policy))
    return changes


def deleted_changes(values: Mapping[str, Any], policy: AuditPolicy) -> Changes:
    """A removed row: the values it had."""
    return values_changes(policy, {k: v for k, v in values.items() if v not in (None, {}, [])}, {})


def updated_changes(obj: Any, policy: AuditPolicy, known_old: Mapping[str, Any] | None = None) -> Changes:
    """The columns an update writes, old -> new, and the collection members added/removed.

    `known_old` supplies old values the object no longer held (set while expired).
    """
    state = inspect(obj)
    changes: Changes = {}
    for key in changed_column_keys(state):
        if not policy.records(key):
            continue
        history = state.attrs[key].history
        if not history.added and not history.deleted:
            continue
        if history.deleted:
            old = history.deleted[0]
        elif known_old is not None and key in known_old:
            old = known_old[key]
        else:
            continue  # set while expired and not prefetched: nothing trustworthy to say
        new = history.added[0] if history.added else None
        changes.update(field_changes(policy, key, old, new))
    changes.update(collection_changes(obj, policy))
    return changes


def missing_old_values(obj: Any, policy: AuditPolicy) -> list[str]:
    """Recorded columns set on a persistent object whose previous value was never loaded."""
    state = inspect(obj)
    if state.key is None:
        return []
    return [
        key
        for key in changed_column_keys(state)
        if policy.records(key) and (history := state.attrs[key].history).added and not history.deleted
    ]


def collection_changes(obj: Any, policy: AuditPolicy) -> Changes:
    """{"roles": {"added": [...], "removed": [...]}} for the policy's collections."""
    state = inspect(obj)
    changes: Changes = {}
    for name in policy.collections:
        if name not in state.attrs:
            continue
        history = state.attrs[name].history
        added, removed = _labels(history.added), _labels(history.deleted)
        if added or removed:
            changes[name] = {"added": added, "removed": removed}
    return changes


def _labels(members: Iterable[Any] | None) -> list[str]:
    return sorted(str(member) for member in members or ())
