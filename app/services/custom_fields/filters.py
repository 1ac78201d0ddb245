"""Filtering records on their filterable custom fields (list screens and the REST API).

Query arguments, NetBox-style, for a field named `tier`:

- `cf_tier=gold`          equals (the value is read as the field's type: "5" for an integer
                          is 5, "yes" for a boolean is true); on a multi-select: has the option
- `cf_tier__ic=gol`       contains, case-insensitive (text types)
- `cf_tier__gte=10`, `cf_tier__lte=20`   range (integer, decimal, date, datetime)
- `cf_tier__has=gold`     has the option (multi-select)
- `cf_tier__empty=true`   has no value (`false`: has one)

Equals and has-option are JSONB containment (`custom_field_data @> '{"tier": "gold"}'`),
which the GIN `jsonb_path_ops` index on each table serves. Contains and range compare
the extracted value (the index cannot serve them; combine them with an equals filter on
big tables). A bad value raises ValueError, answered as a bad filter (400 / a message).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, cast, func, literal, not_
from sqlalchemy.dialects.postgresql import JSONB, JSONPATH

from app.db.like import contains_pattern
from app.models.custom_fields import CustomFieldDefinition, CustomFieldType
from app.services.custom_fields.values import CHOICE_TYPES, RANGE_TYPES, TEXT_TYPES, coerce_value

PREFIX = "cf_"
OPERATORS = ("eq", "ic", "gte", "lte", "has", "empty")
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})


def parse_argument(key: str) -> tuple[str, str] | None:
    """`cf_tier__gte` -> ("tier", "gte"); None for other arguments."""
    if not key.startswith(PREFIX):
        return None
    name, _, operator = key[len(PREFIX) :].partition("__")
    operator = operator or "eq"
    return (name, operator) if operator in OPERATORS else None


def condition(model: type, definition: CustomFieldDefinition, operator: str, raw: str) -> ColumnElement:
    """The WHERE clause for one filter argument; ValueError with a message when it does not fit."""
    column = model.custom_field_data
    name, kind = definition.name, definition.field_type
    if operator == "empty":
        flag = raw.strip().lower()
        if flag not in _TRUE | _FALSE:
            raise ValueError(f"{definition.label}: 'empty' takes true or false.")
        exists = func.jsonb_exists(column, name)
        return not_(exists) if flag in _TRUE else exists
    if operator == "ic":
        if kind not in TEXT_TYPES:
            raise ValueError(f"{definition.label}: 'contains' applies to text fields.")
        return column[name].astext.ilike(contains_pattern(raw.strip()))
    if operator in ("has", "eq") and kind is CustomFieldType.MULTI_SELECT:
        option = coerce_value(definition, raw)[0]
        return column.contains({name: [option]})
    if operator == "has":
        raise ValueError(f"{definition.label}: 'has' applies to multi-select fields.")
    value = coerce_value(definition, raw)
    if operator == "eq":
        return column.contains({name: value})
    if kind not in RANGE_TYPES:
        raise ValueError(f"{definition.label}: a range applies to numbers and dates.")
    comparison = ">=" if operator == "gte" else "<="
    # A value of another JSON type compares as "unknown": the row is left out, no error.
    path = f'$."{name}" ? (@ {comparison} $bound)'
    return func.jsonb_path_exists(column, cast(path, JSONPATH), literal({"bound": value}, JSONB))


def filter_conditions(
    model: type, definitions: Iterable[CustomFieldDefinition], arguments: Mapping[str, Any]
) -> list[ColumnElement]:
    """The conditions asked for by `arguments` on filterable fields (others are ignored)."""
    filterable = {d.name: d for d in definitions if d.is_filterable}
    conditions = []
    for key in arguments:
        parsed = parse_argument(key)
        if parsed is None:
            continue
        name, operator = parsed
        definition = filterable.get(name)
        if definition is None:
            continue
        values = arguments.getlist(key) if hasattr(arguments, "getlist") else [arguments[key]]
        for raw in values:
            if raw is None or str(raw).strip() == "":
                continue
            if definition.field_type in CHOICE_TYPES and operator in ("gte", "lte"):
                raise ValueError(f"{definition.label}: a range applies to numbers and dates.")
            conditions.append(condition(model, definition, operator, str(raw)))
    return conditions
