"""Custom field values: what each field type accepts and how it is stored in JSONB.

Stored forms (JSON-native, so the GIN index and jsonpath filters can compare them):
text, long text, url, email and select as strings; integer and decimal as numbers;
boolean as true/false; date as "YYYY-MM-DD"; datetime as an ISO string in UTC
("2026-05-01T09:30:00+00:00"); multi-select as a list of options; JSON as any value.

`coerce_value` takes a form string, a Python value (date, datetime, Decimal) or a JSON
value and gives the stored form, or raises ValueError with the message for the person.
`definition_errors` checks a definition's own settings.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlparse

from app.models.custom_fields import CustomFieldDefinition, CustomFieldType

T = CustomFieldType
TEXT_TYPES = frozenset({T.TEXT, T.LONG_TEXT, T.URL, T.EMAIL})
NUMBER_TYPES = frozenset({T.INTEGER, T.DECIMAL})
CHOICE_TYPES = frozenset({T.SELECT, T.MULTI_SELECT})
#: Types whose stored values are compared as numbers or ISO text by range filters.
RANGE_TYPES = frozenset({T.INTEGER, T.DECIMAL, T.DATE, T.DATETIME})
_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_missing(value: Any) -> bool:
    """No value: None, blank text or an empty list (a stored key is then dropped)."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int | float | Decimal):
        value = Decimal(str(raw))
    elif isinstance(raw, str):
        value = Decimal(raw.strip().replace(",", ""))
    else:
        raise ValueError
    if not value.is_finite():
        raise ValueError
    return value


def _bounds(definition: CustomFieldDefinition, number: Decimal) -> None:
    label = definition.label
    if definition.min_value is not None and number < Decimal(definition.min_value):
        raise ValueError(f"{label} must be at least {Decimal(definition.min_value).normalize():f}.")
    if definition.max_value is not None and number > Decimal(definition.max_value):
        raise ValueError(f"{label} must be at most {Decimal(definition.max_value).normalize():f}.")


def _options(definition: CustomFieldDefinition) -> list[str]:
    return [str(option) for option in definition.select_options or []]


def _option(definition: CustomFieldDefinition, raw: Any) -> str:
    options = _options(definition)
    if isinstance(raw, str | int | float) and not isinstance(raw, bool) and str(raw) in options:
        return str(raw)
    raise ValueError(f"{definition.label} must be one of: {', '.join(options)}.")


def _text(definition: CustomFieldDefinition, raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"{definition.label} must be text.")
    value = raw.strip() if definition.field_type is not T.LONG_TEXT else raw
    if definition.validation_regex and not re.fullmatch(definition.validation_regex, value):
        raise ValueError(f"{definition.label} must match {definition.validation_regex}.")
    return value


def _datetime(definition: CustomFieldDefinition, raw: Any) -> str:
    if isinstance(raw, dt.datetime):
        moment = raw
    elif isinstance(raw, str):
        try:
            moment = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{definition.label} must be a date and time (ISO 8601).") from None
    else:
        raise ValueError(f"{definition.label} must be a date and time (ISO 8601).")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat()


def coerce_value(definition: CustomFieldDefinition, raw: Any) -> Any:
    """The JSON value to store for `raw`; ValueError(message) when it does not fit."""
    kind, label = definition.field_type, definition.label
    if kind in (T.TEXT, T.LONG_TEXT):
        return _text(definition, raw)
    if kind is T.URL:
        value = _text(definition, raw)
        parts = urlparse(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{label} must be an http(s) URL.")
        return value
    if kind is T.EMAIL:
        value = _text(definition, raw)
        if not _EMAIL.match(value):
            raise ValueError(f"{label} must be an email address.")
        return value
    if kind in NUMBER_TYPES:
        try:
            number = _number(raw)
        except (ValueError, InvalidOperation):
            what = "a whole number" if kind is T.INTEGER else "a number"
            raise ValueError(f"{label} must be {what}.") from None
        integral = number == number.to_integral_value()
        if kind is T.INTEGER and not integral:
            raise ValueError(f"{label} must be a whole number.")
        _bounds(definition, number)
        return int(number) if integral else float(number)
    if kind is T.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower() if isinstance(raw, str | int) else None
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError(f"{label} must be yes or no.")
    if kind is T.DATE:
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw.isoformat()
        if isinstance(raw, str) and _DATE.match(raw.strip()):
            try:
                return dt.date.fromisoformat(raw.strip()).isoformat()
            except ValueError:
                pass
        raise ValueError(f"{label} must be a date (YYYY-MM-DD).")
    if kind is T.DATETIME:
        return _datetime(definition, raw)
    if kind is T.SELECT:
        return _option(definition, raw)
    if kind is T.MULTI_SELECT:
        values = raw if isinstance(raw, list | tuple) else [raw]
        chosen = [_option(definition, value) for value in values]
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"{label} lists an option twice.")
        return chosen
    if kind is T.JSON:
        return raw
    raise ValueError(f"{label} has an unknown type.")


def definition_errors(definition: CustomFieldDefinition) -> dict[str, str]:
    """Problems with a definition's own settings, by the attribute concerned."""
    errors: dict[str, str] = {}
    kind = definition.field_type
    if not definition.label or not definition.label.strip():
        errors["label"] = "A label is required."
    if kind not in NUMBER_TYPES and (definition.min_value is not None or definition.max_value is not None):
        errors["min_value"] = "Minimum and maximum apply to integer and decimal fields only."
    if (
        definition.min_value is not None
        and definition.max_value is not None
        and definition.min_value > definition.max_value
    ):
        errors["min_value"] = "The minimum is above the maximum."
    if definition.validation_regex:
        if kind not in TEXT_TYPES:
            errors["validation_regex"] = "A regular expression applies to text fields only."
        else:
            try:
                re.compile(definition.validation_regex)
            except re.error as problem:
                errors["validation_regex"] = f"Not a valid regular expression: {problem}."
    options = definition.select_options
    if kind in CHOICE_TYPES:
        if not isinstance(options, list) or not options:
            errors["select_options"] = "A select field needs a list of options."
        elif any(not isinstance(o, str) or not o.strip() for o in options):
            errors["select_options"] = "Options must be non-empty text."
        elif len(set(options)) != len(options):
            errors["select_options"] = "Options must not repeat."
    elif options not in (None, []):
        errors["select_options"] = "Options apply to select and multi-select fields only."
    if not errors and not is_missing(definition.default_value):
        try:
            coerce_value(definition, definition.default_value)
        except ValueError as problem:
            errors["default_value"] = f"The default is not a valid value: {problem}"
    return errors
