"""From a JSON response to target rows: JSONPath extraction and typing (pure functions).

A query's `jsonpath_mappings` maps target fields to JSONPath expressions
(jsonpath-ng, extended syntax) or to constants: a string starting with `$` is a
path, anything else is the value itself (e.g. `"metric_name": "endpoints_online"`).
`rows` selects the records in a page (each source type has a default); the other
paths are evaluated inside each record. When some paths match several values (a
Grafana frame's timestamps and values) the record expands into one row per value;
single values are repeated on each row.

A required path that matches nothing is an error naming the path and the record.
A ticket status or priority no map knows is no error: the row gets the field's fallback
(`FieldSpec.fallback`: status `open`, priority `medium`) and keeps the source's own word in
`unmapped_status` / `unmapped_priority`; the run counts and names such values.
A path through an empty list (`$.issues[*]` on `"issues": []`) is no data, not an error.

Text longer than its column is never cut silently: a key or a name (a ticket key, a metric
name, a unit) refuses its row, free text (a ticket summary) is shortened with an ellipsis;
both are counted in TypingNotes for the run's summary.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil import parser as date_parser
from jsonpath_ng import Child, JSONPath
from jsonpath_ng.ext import parse as parse_jsonpath
from jsonpath_ng.jsonpath import Slice, Wildcard

from app.integrations.errors import InvalidConfiguration, MappingFailed
from app.models.integrations import QueryTarget
from app.models.metrics import SlaUnit, TicketPriority, TicketStatus

ROWS = "rows"
CLIENT = "client"


#: What a text longer than its column does: refuse its row, or be shortened (with an ellipsis).
REFUSE, SHORTEN = "refuse", "shorten"


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # string, datetime, date, float, decimal, bool, labels, or enum
    required: bool = False
    enum_cls: type[enum.Enum] | None = None
    max_length: int | None = None
    too_long: str = REFUSE  # REFUSE for keys and names, SHORTEN for free text
    #: An enum value no map knows is stored as this, the source's own word kept in
    #: `unmapped_<field>` (None: an unknown value fails the run).
    fallback: enum.Enum | None = None


#: The longest source value kept in an `unmapped_<field>` column (ticket_summaries).
UNMAPPED_MAX_LENGTH = 100


def unmapped_column(field: str) -> str:
    """Where a row keeps the source's value of `field` that no map knew."""
    return f"unmapped_{field}"


TARGET_FIELDS: dict[QueryTarget, dict[str, FieldSpec]] = {
    QueryTarget.TICKET_SUMMARY: {
        "external_key": FieldSpec("string", True, max_length=100),
        "summary": FieldSpec("string", True, max_length=500, too_long=SHORTEN),
        "opened_at": FieldSpec("datetime", True),
        "status": FieldSpec("enum", enum_cls=TicketStatus, fallback=TicketStatus.OPEN),
        "priority": FieldSpec("enum", enum_cls=TicketPriority, fallback=TicketPriority.MEDIUM),
        "first_response_at": FieldSpec("datetime"),
        "resolved_at": FieldSpec("datetime"),
        "response_due_at": FieldSpec("datetime"),
        "resolution_due_at": FieldSpec("datetime"),
        "is_sla_breached": FieldSpec("bool"),
    },
    QueryTarget.SERVICE_PERFORMANCE_METRIC: {
        "timestamp": FieldSpec("datetime", True),
        "value": FieldSpec("float", True),
        "metric_name": FieldSpec("string", True, max_length=100),
        "service": FieldSpec("string", True),
        "unit": FieldSpec("string", max_length=30),
        # The series' labels (an object of name -> text): with the metric name, what tells a
        # series apart, e.g. "$.schema.fields[1].labels" (a Grafana frame) or "$.metric" (Prometheus).
        "labels": FieldSpec("labels"),
    },
    QueryTarget.SLA_METRIC: {
        "metric_name": FieldSpec("string", True, max_length=100),
        "period_start": FieldSpec("date", True),
        "period_end": FieldSpec("date", True),
        "target_value": FieldSpec("decimal", True),
        "actual_value": FieldSpec("decimal"),
        "unit": FieldSpec("enum", True, enum_cls=SlaUnit),
    },
}

#: Names ticket systems use, normalised (lower case, "_" for blanks), for our enum values.
ENUM_SYNONYMS: dict[type[enum.Enum], dict[str, str]] = {
    TicketStatus: {
        "to_do": "open",
        "new": "open",
        "backlog": "open",
        "reopened": "open",
        "selected_for_development": "open",
        "in_review": "in_progress",
        "work_in_progress": "in_progress",
        "investigating": "in_progress",
        "waiting_for_customer": "waiting_on_client",
        "pending": "waiting_on_client",
        "waiting_for_support": "in_progress",
        "on_hold": "waiting_on_client",
        "done": "closed",
        "complete": "closed",
        "completed": "closed",
        "canceled": "cancelled",
        "won't_do": "cancelled",
        "wont_do": "cancelled",
        "declined": "cancelled",
        "rejected": "cancelled",
    },
    TicketPriority: {
        "highest": "critical",
        "blocker": "critical",
        "p1": "critical",
        "urgent": "critical",
        "p2": "high",
        "major": "high",
        "p3": "medium",
        "normal": "medium",
        "lowest": "low",
        "minor": "low",
        "trivial": "low",
        "p4": "low",
        "p5": "low",
    },
}


@dataclass(frozen=True)
class CompiledMapping:
    target: QueryTarget
    rows: JSONPath
    rows_text: str
    paths: dict[str, JSONPath]  # field -> compiled JSONPath
    path_texts: dict[str, str]
    constants: dict[str, Any]  # field -> literal value

    @property
    def fields(self) -> set[str]:
        return set(self.paths) | set(self.constants)


def _compile(text: str, field: str) -> JSONPath:
    try:
        return parse_jsonpath(text)
    except Exception as error:  # the parser raises several types, some not exported
        raise InvalidConfiguration(f"'{field}': {text!r} is not a valid JSONPath ({error})") from None


def compile_mappings(
    mappings: Mapping[str, Any], target: QueryTarget, default_rows: str, client_from_template: bool
) -> CompiledMapping:
    """Check and compile a query's mappings; InvalidConfiguration lists every problem."""
    specs = TARGET_FIELDS[target]
    problems: list[str] = []
    if not isinstance(mappings, Mapping):
        raise InvalidConfiguration("JSONPath mappings must be a JSON object of field -> JSONPath")
    allowed = set(specs) | {ROWS, CLIENT}
    for key in sorted(set(mappings) - allowed):
        problems.append(f"'{key}' is not a field of {target.value} (fields: {', '.join(sorted(allowed))})")
    required = {name for name, spec in specs.items() if spec.required}
    if not client_from_template:
        required.add(CLIENT)
    for key in sorted(required - set(mappings)):
        hint = " (or use {client_key} in the template)" if key == CLIENT else ""
        problems.append(f"'{key}' is required for {target.value}{hint}")
    paths: dict[str, JSONPath] = {}
    texts: dict[str, str] = {}
    constants: dict[str, Any] = {}
    rows_text = str(mappings.get(ROWS) or default_rows)
    rows = None
    for key, value in mappings.items():
        if key not in allowed:
            continue
        if isinstance(value, str) and value.strip().startswith("$"):
            try:
                compiled = _compile(value.strip(), key)
            except InvalidConfiguration as error:
                problems.append(error.message)
                continue
            if key == ROWS:
                rows = compiled
            else:
                paths[key], texts[key] = compiled, value.strip()
        elif key == ROWS:
            problems.append(f"'rows' must be a JSONPath starting with $, got {value!r}")
        else:
            constants[key] = value
    if rows is None and ROWS not in mappings:
        rows = _compile(default_rows, ROWS)
    if problems:
        raise InvalidConfiguration("; ".join(problems))
    assert rows is not None
    return CompiledMapping(target, rows, rows_text, paths, texts, constants)


def _is_empty_collection(expr: JSONPath, data: Any) -> bool:
    """Whether `expr` matched nothing only because it went through an empty list or object."""
    if not isinstance(expr, Child):
        return False
    left = expr.left.find(data)
    if not left:
        return _is_empty_collection(expr.left, data)
    if isinstance(expr.right, Wildcard | Slice):
        return all(isinstance(m.value, list | dict) and not m.value for m in left)
    return False


def find_values(expr: JSONPath, data: Any) -> list[Any] | None:
    """All values `expr` matches in `data`; [] for an empty collection; None for no match."""
    matches = expr.find(data)
    if matches:
        return [m.value for m in matches]
    return [] if _is_empty_collection(expr, data) else None


def select_records(payload: Any, compiled: CompiledMapping) -> list[Any]:
    """The records of one page (the `rows` path)."""
    found = find_values(compiled.rows, payload)
    if found is None:
        raise MappingFailed(f"JSONPath {compiled.rows_text} ('rows') matched nothing in the response")
    return found


def _label(record: Any) -> str:
    if isinstance(record, Mapping):
        for key in ("key", "id", "refId", "name"):
            if isinstance(record.get(key), str | int):
                return f" ({record[key]})"
    return ""


def extract_record(
    record: Any, index: int, compiled: CompiledMapping
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """A record's raw values: those matched once (and constants), and series matched several times."""
    specs = TARGET_FIELDS[compiled.target]
    single: dict[str, Any] = dict(compiled.constants)
    series: dict[str, list[Any]] = {}
    for field, expr in compiled.paths.items():
        values = find_values(expr, record)
        required = field == CLIENT or (specs.get(field) and specs[field].required)
        if values is None:
            if required:
                raise MappingFailed(
                    f"JSONPath {compiled.path_texts[field]} ('{field}') matched nothing "
                    f"in record {index + 1}{_label(record)}"
                )
            single[field] = None
        elif len(values) == 1:
            single[field] = values[0]
        else:
            series[field] = values
    lengths = {field: len(values) for field, values in series.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{f}: {n}" for f, n in sorted(lengths.items()))
        raise MappingFailed(f"record {index + 1}{_label(record)}: series of different lengths ({detail})")
    return single, series


# --- typing ------------------------------------------------------------------------------


def to_datetime(value: Any) -> datetime:
    """ISO 8601 text (Jira's `+0000` too) or epoch seconds/milliseconds -> aware UTC datetime."""
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 1e11 else value
        result = datetime.fromtimestamp(seconds, UTC)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            result = datetime.fromisoformat(text)
        except ValueError:
            try:
                result = date_parser.isoparse(text)
            except ValueError:
                raise ValueError(f"{value!r} is not a date-time") from None
    else:
        raise ValueError(f"{value!r} is not a date-time")
    return result.replace(tzinfo=UTC) if result.tzinfo is None else result.astimezone(UTC)


def to_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date") from None
    return to_datetime(value).date()


def to_float(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{value!r} is not a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{value!r} is not a number")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1", "false", "no", "0"}:
        return value.strip().lower() in {"true", "yes", "1"}
    if isinstance(value, int):
        return bool(value)
    raise ValueError(f"{value!r} is not true or false")


def labels_text(value: Any) -> str:
    """A series' labels as canonical JSON text (keys sorted): equal labels, equal text.

    An object of names to scalar values (numbers and booleans become text); none is `{}`.
    """
    if value is None:
        return "{}"
    if not isinstance(value, Mapping):
        raise ValueError(f"{value!r} is not an object of label names to values")
    labels = {}
    for name, item in value.items():
        if isinstance(item, Mapping | list) or item is None:
            raise ValueError(f"label {name!r} has {item!r}, not a text value")
        labels[str(name)] = item if isinstance(item, str) else json.dumps(item)
    return json.dumps(labels, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class TooLong(ValueError):
    """A text longer than the column it goes to."""

    def __init__(self, text: str, limit: int) -> None:
        self.text, self.limit = text, limit
        super().__init__(f"is {len(text)} characters, longer than the {limit} its column holds")

    def shortened(self) -> str:
        return self.text[: self.limit - 1] + "\u2026"


def normalise_name(value: str) -> str:
    return "_".join(value.strip().lower().replace("-", " ").split())


def to_enum(value: Any, enum_cls: type[enum.Enum], overrides: Mapping[str, str] | None = None) -> enum.Enum:
    """A member from its value, a synonym, or the source's own map (e.g. Jira status names)."""
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        value = value["name"]  # Jira's {"name": "Done", ...} objects
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    for name, mapped in (overrides or {}).items():
        if normalise_name(name) == normalise_name(value):
            value = mapped
            break
    key = normalise_name(value)
    key = ENUM_SYNONYMS.get(enum_cls, {}).get(key, key)
    try:
        return enum_cls(key)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        raise ValueError(f"{value!r} is not one of {allowed} (map it in the source's settings)") from None


class UnknownEnumValue(ValueError):
    """A value no map knows, for a field with a fallback: `raw` is the source's own word."""

    def __init__(self, message: str, raw: str) -> None:
        super().__init__(message)
        self.raw = raw


def source_word(value: Any) -> str:
    """The source's value as text for `unmapped_<field>`, visibly shortened to fit its column."""
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        value = value["name"]
    text = value if isinstance(value, str) else str(value)
    text = " ".join(text.split())
    if len(text) > UNMAPPED_MAX_LENGTH:
        text = text[: UNMAPPED_MAX_LENGTH - 1] + "\u2026"
    return text


def type_value(field: str, spec: FieldSpec, value: Any, enum_overrides: Mapping[str, str] | None) -> Any:
    """Convert one raw value; ValueError says what is wrong with it."""
    if value is None:
        if spec.required:
            raise ValueError("is required but empty")
        return None
    if spec.kind == "string":
        text = value if isinstance(value, str) else str(value)
        if spec.max_length and len(text) > spec.max_length:
            raise TooLong(text, spec.max_length)
        return text
    if spec.kind == "labels":
        return labels_text(value)
    if spec.kind == "datetime":
        return to_datetime(value)
    if spec.kind == "date":
        return to_date(value)
    if spec.kind == "float":
        return to_float(value)
    if spec.kind == "decimal":
        return to_decimal(value)
    if spec.kind == "bool":
        return to_bool(value)
    assert spec.enum_cls is not None
    try:
        return to_enum(value, spec.enum_cls, enum_overrides)
    except ValueError as error:
        if spec.fallback is None:
            raise
        raise UnknownEnumValue(str(error), source_word(value)) from None


def _typed(
    field: str,
    value: Any,
    specs: Mapping[str, FieldSpec],
    enum_maps: Mapping[str, Mapping[str, str]],
    row: int,
) -> Any:
    if field == CLIENT:
        return None if value is None else str(value)
    try:
        return type_value(field, specs[field], value, enum_maps.get(field))
    except TooLong:
        raise
    except UnknownEnumValue as unknown:
        return unknown
    except ValueError as error:
        raise MappingFailed(f"row {row}: '{field}' {error}") from None


def _with_fallbacks(row: dict[str, Any], specs: Mapping[str, FieldSpec]) -> dict[str, Any]:
    """Unknown enum values -> the field's fallback, the source's word in `unmapped_<field>`.

    Every mapped field with a fallback gets its `unmapped_<field>` (None when the value was
    known), so a value mapped since is cleared from the stored row on the next run.
    """
    for field, spec in specs.items():
        if spec.fallback is None or field not in row:
            continue
        value = row[field]
        if isinstance(value, UnknownEnumValue):
            row[field], row[unmapped_column(field)] = spec.fallback, value.raw
        else:
            row[unmapped_column(field)] = None
    return row


def is_finite_point(row: Mapping[str, Any]) -> bool:
    """Prometheus answers NaN/Inf for empty ratios: such points are skipped, not stored."""
    value = row.get("value")
    return not isinstance(value, float) or math.isfinite(value)


@dataclass
class TypingNotes:
    """Rows refused and values shortened for being longer than their column, for the run's summary."""

    refused_rows: int = 0  # rows not yielded (each counted once)
    refused: dict[str, int] = dataclass_field(default_factory=dict)  # field -> rows it refused
    shortened: dict[str, int] = dataclass_field(default_factory=dict)  # field -> values shortened
    examples: dict[str, TooLong] = dataclass_field(default_factory=dict)  # field -> its first overlong value

    def note(self, name: str, error: TooLong, rows: int, tally: dict[str, int]) -> None:
        tally[name] = tally.get(name, 0) + rows
        self.examples.setdefault(name, error)

    def summary(self) -> list[str]:
        """One sentence per field, e.g. "2 row(s) skipped: 'metric_name' longer than 100 characters"."""
        parts = []
        for name, rows in sorted(self.refused.items()):
            example = self.examples[name]
            parts.append(
                f"{rows} row(s) skipped: '{name}' longer than the {example.limit} characters its column "
                f"holds (e.g. {len(example.text)} characters: {example.text[:60]!r}...)"
            )
        for name, count in sorted(self.shortened.items()):
            limit = self.examples[name].limit
            parts.append(f"{count} '{name}' value(s) shortened to {limit} characters (ending in \u2026)")
        return parts


_REFUSED = object()


def _typed_fitting(
    name: str,
    value: Any,
    specs: Mapping[str, FieldSpec],
    enum_maps: Mapping[str, Mapping[str, str]],
    row: int,
    rows: int,
    notes: TypingNotes | None,
) -> Any:
    """_typed, with text longer than its column refused (_REFUSED) or shortened, and noted."""
    try:
        return _typed(name, value, specs, enum_maps, row)
    except TooLong as error:
        if notes is None:
            raise MappingFailed(f"row {row}: '{name}' {error}") from None
        if specs[name].too_long == SHORTEN:
            notes.note(name, error, rows, notes.shortened)
            return error.shortened()
        notes.note(name, error, rows, notes.refused)
        return _REFUSED


def typed_rows(
    pages: Iterable[Any],
    compiled: CompiledMapping,
    enum_maps: Mapping[str, Mapping[str, str]],
    notes: TypingNotes | None = None,
) -> Iterator[dict[str, Any]]:
    """Every typed row of every page, in order; MappingFailed names the row and field.

    Values found once per record (and constants) are typed once for all its rows,
    series column by column: a Grafana frame of 10,000 points costs 10,000
    conversions per series field, not 10,000 row-by-row passes over every field.
    A text longer than its column refuses its row or is shortened, noted in `notes`
    (without `notes` it is a MappingFailed: never cut silently).
    """
    specs = TARGET_FIELDS[compiled.target]
    has_fallbacks = any(spec.fallback is not None for spec in specs.values())
    position = 0
    for payload in pages:
        for index, record in enumerate(select_records(payload, compiled)):
            single, series = extract_record(record, index, compiled)
            length = len(next(iter(series.values()))) if series else 1
            fixed = {
                f: _typed_fitting(f, v, specs, enum_maps, position + 1, length, notes)
                for f, v in single.items()
                if f in specs or f == CLIENT
            }
            if any(v is _REFUSED for v in fixed.values()):
                assert notes is not None
                notes.refused_rows += length
                position += length
                continue
            columns = {
                f: [
                    _typed_fitting(f, v, specs, enum_maps, position + i + 1, 1, notes)
                    for i, v in enumerate(values)
                ]
                for f, values in series.items()
                if f in specs or f == CLIENT
            }
            if not columns:
                position += 1
                yield _with_fallbacks(fixed, specs) if has_fallbacks else fixed
                continue
            refused = {  # only text can be refused: timestamp and value columns are not scanned
                i
                for f, values in columns.items()
                if f != CLIENT and specs[f].kind == "string"
                for i, v in enumerate(values)
                if v is _REFUSED
            }
            for i in range(length):
                position += 1
                if refused and i in refused:
                    assert notes is not None
                    notes.refused_rows += 1
                    continue
                row = dict(fixed)
                for f, values in columns.items():
                    row[f] = values[i]
                yield _with_fallbacks(row, specs) if has_fallbacks else row
