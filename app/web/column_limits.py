"""What fits in a column, read once from the column's type and its simple CHECKs.

The one place both doors take their limits from, so a form and a REST call refuse the
same value with the same words before PostgreSQL would (an overflow there is a 500):

- whole numbers (`Integer`, `SmallInteger`, `BigInteger`): the type's range, never a
  fraction (0.001 is refused, not truncated to 0);
- `Numeric(p, s)`: |value| below 10**(p-s), at most `s` decimal places (no silent
  rounding), finite (NaN and Infinity are refused);
- a lower or upper bound from a CHECK on the column alone: `x >= 0` (`non_negative`),
  `x > 0`, `x BETWEEN a AND b`, `LEAST(x, y, ...) >= 0`;
- text: `String(n)` holds n characters; `Text` holds `TEXT_MAX_LENGTH` (our limit: the
  column has none);
- timestamps: a UTC offset within +-14:00 (real zones; PostgreSQL refuses past +-15:59).

`limit_for(column)` answers a `ColumnLimit`; `form_validators` and `schema_validators`
turn it into WTForms and marshmallow validators (the latter also documented in the
OpenAPI as minimum / maximum / maxLength).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from marshmallow import ValidationError as SchemaValidationError
from marshmallow import validate as schema_validate
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
)
from wtforms import validators as form_validate
from wtforms.validators import ValidationError as FormValidationError

#: Text columns have no length in PostgreSQL; this is what a form and the API accept.
TEXT_MAX_LENGTH = 10_000
#: The widest UTC offset of a real time zone (Kiribati +14:00, Baker Island -12:00).
MAX_UTC_OFFSET = dt.timedelta(hours=14)

WHOLE_NUMBER_RANGES: tuple[tuple[type, int, int], ...] = (
    (SmallInteger, -(2**15), 2**15 - 1),
    (BigInteger, -(2**63), 2**63 - 1),
    (Integer, -(2**31), 2**31 - 1),
)

_NUMBER = r"(-?\d+(?:\.\d+)?)"
_AT_LEAST = re.compile(rf"^\s*(\w+)\s*>=\s*{_NUMBER}\s*$")
_ABOVE = re.compile(rf"^\s*(\w+)\s*>\s*{_NUMBER}\s*$")
_BETWEEN = re.compile(rf"^\s*(\w+)\s+BETWEEN\s+{_NUMBER}\s+AND\s+{_NUMBER}\s*$", re.I)
_LEAST_AT_LEAST = re.compile(rf"^\s*LEAST\s*\(([\w\s,]+)\)\s*>=\s*{_NUMBER}\s*$", re.I)


@dataclass(frozen=True)
class ColumnLimit:
    """The values a column can hold; None where there is no bound of that kind."""

    minimum: Decimal | None = None
    maximum: Decimal | None = None
    #: Digits allowed after the decimal point (0: whole numbers only); None for non-numbers.
    places: int | None = None
    max_length: int | None = None
    timestamp: bool = False

    @property
    def is_number(self) -> bool:
        return self.places is not None

    def number_problem(self, value: Any) -> str | None:
        """Why `value` does not fit the column (None when it fits)."""
        if value is None or not self.is_number:
            return None
        if isinstance(value, bool):
            return "Enter a number."
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
        except (InvalidOperation, ValueError):
            return "Enter a number."
        if not number.is_finite():
            return "Enter a finite number."
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            return self.range_text()
        if number != number.to_integral_value() and self.places == 0:
            return "Enter a whole number."
        if number.as_tuple().exponent < -(self.places or 0) and number != round(number, self.places):
            return f"Use at most {self.places} decimal places."
        return None

    def range_text(self) -> str:
        low, high = _shown(self.minimum), _shown(self.maximum)
        if self.minimum is not None and self.maximum is not None:
            return f"Must be between {low} and {high}."
        if self.minimum is not None:
            return f"Must be at least {low}."
        return f"Must be at most {high}."

    def length_text(self) -> str:
        return f"At most {self.max_length:,} characters."


def _shown(number: Decimal | None) -> str:
    if number is None:
        return ""
    if number == number.to_integral_value():
        return f"{number:,}"
    return f"{number:,.{-number.as_tuple().exponent}f}"


def offset_problem(value: Any) -> str | None:
    """Why a timestamp's UTC offset is not one a real time zone has (None when it is)."""
    offset = value.utcoffset() if isinstance(value, dt.datetime) else None
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return "The time-zone offset must lie between -14:00 and +14:00."
    return None


@cache
def limit_for(column: Column) -> ColumnLimit | None:
    """The limit of a table column (None for types without one: booleans, dates, JSON, ...)."""
    kind = column.type
    if isinstance(kind, DateTime):
        return ColumnLimit(timestamp=True)
    if isinstance(kind, String) and not _is_enum(kind):
        length = kind.length or (TEXT_MAX_LENGTH if isinstance(kind, Text) or kind.length is None else None)
        return ColumnLimit(max_length=length)
    low: Decimal | None
    high: Decimal | None
    if isinstance(kind, Integer):  # SmallInteger and BigInteger are Integers too
        low, high = next(
            (Decimal(a), Decimal(b)) for cls, a, b in WHOLE_NUMBER_RANGES if isinstance(kind, cls)
        )
        places = 0
    elif isinstance(kind, Numeric) and kind.precision is not None:
        places = kind.scale or 0
        high = Decimal(10) ** (kind.precision - places) - Decimal(1).scaleb(-places)
        low = -high
    else:
        return None
    low, high = _checked_bounds(column, low, high, places)
    return ColumnLimit(minimum=low, maximum=high, places=places)


def _is_enum(kind: Any) -> bool:
    from sqlalchemy import Enum

    return isinstance(kind, Enum)


def _checked_bounds(
    column: Column, low: Decimal, high: Decimal, places: int
) -> tuple[Decimal, Decimal]:
    """`low`/`high` narrowed by the CHECK constraints of the table that bound the column alone."""
    table = getattr(column, "table", None)
    step = Decimal(1).scaleb(-places)
    for constraint in getattr(table, "constraints", ()):
        if not isinstance(constraint, CheckConstraint):
            continue
        sql = str(constraint.sqltext)
        if (match := _AT_LEAST.match(sql)) and match.group(1) == column.name:
            low = max(low, Decimal(match.group(2)))
        elif (match := _ABOVE.match(sql)) and match.group(1) == column.name:
            low = max(low, Decimal(match.group(2)) + step)
        elif (match := _BETWEEN.match(sql)) and match.group(1) == column.name:
            low, high = max(low, Decimal(match.group(2))), min(high, Decimal(match.group(3)))
        elif (match := _LEAST_AT_LEAST.match(sql)) and column.name in {
            name.strip() for name in match.group(1).split(",")
        }:
            low = max(low, Decimal(match.group(2)))
    return low, high


# ---- the form door (WTForms) -----------------------------------------------------------


class FitsNumberColumn:
    """WTForms validator: the number fits its column (range, places, finite)."""

    def __init__(self, limit: ColumnLimit) -> None:
        self.limit = limit
        self.field_flags = {}
        if limit.minimum is not None:
            self.field_flags["min"] = limit.minimum
        if limit.maximum is not None:
            self.field_flags["max"] = limit.maximum

    def __call__(self, form: Any, field: Any) -> None:
        problem = self.limit.number_problem(field.data)
        if problem:
            raise FormValidationError(problem)


def form_validators(column: Column) -> list[Any]:
    """The WTForms validators of a column's limit ([] when it has none)."""
    limit = limit_for(column)
    if limit is None:
        return []
    if limit.is_number:
        return [FitsNumberColumn(limit)]
    if limit.max_length:
        return [form_validate.Length(max=limit.max_length, message=limit.length_text())]
    return []


def form_hint(column: Column) -> str:
    """What the form says under a text field about its length ("" for other fields)."""
    limit = limit_for(column)
    if limit is None or not limit.max_length:
        return ""
    return limit.length_text()


# ---- the REST door (marshmallow) ---------------------------------------------------------


class DocumentedRange(schema_validate.Range):
    """The bounds, for the OpenAPI (apispec reads a Range's min and max); `FitsColumn` checks
    them exactly (a float bound would refuse the largest Numeric value itself)."""

    def __call__(self, value: Any) -> Any:
        return value


class FitsColumn(schema_validate.Validator):
    """marshmallow validator: the value fits its column (numbers: places, finite; times: offset)."""

    def __init__(self, limit: ColumnLimit) -> None:
        self.limit = limit

    def __call__(self, value: Any) -> Any:
        problem = offset_problem(value) if self.limit.timestamp else self.limit.number_problem(value)
        if problem:
            raise SchemaValidationError(problem)
        return value


def schema_validators(column: Column) -> list[Any]:
    """The marshmallow validators of a column's limit; Range and Length are documented in the
    OpenAPI by apispec."""
    limit = limit_for(column)
    if limit is None:
        return []
    if limit.timestamp:
        return [FitsColumn(limit)]
    if limit.is_number:
        documented = DocumentedRange(
            min=_json_number(limit.minimum), max=_json_number(limit.maximum), error=limit.range_text()
        )
        return [documented, FitsColumn(limit)]
    if limit.max_length:
        return [schema_validate.Length(max=limit.max_length, error=limit.length_text())]
    return []


def _json_number(number: Decimal | None) -> int | float | None:
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)
