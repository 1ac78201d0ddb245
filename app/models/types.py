"""Column types and constraint helpers shared by the models."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, Enum, Index, Numeric, String
from sqlalchemy.orm import MappedColumn, mapped_column

#: Money: never float.
Money = Numeric(14, 2)

#: The currency a money column defaults to when a form does not say.
DEFAULT_CURRENCY = "USD"


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """An enum stored as its string value in a VARCHAR guarded by a CHECK constraint.

    Adding or retiring a value is then an ordinary migration that rewrites the
    constraint; a downgrade never strands a PostgreSQL type.
    """
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def currency_column() -> MappedColumn[str]:
    """An ISO 4217 code next to a money column (see `currency_check`)."""
    return mapped_column(
        String(3), nullable=False, default=DEFAULT_CURRENCY, server_default=DEFAULT_CURRENCY
    )


def currency_check(column: str = "currency") -> CheckConstraint:
    """Three upper-case letters: a typo like 'usd' or 'EURO' never reaches a report."""
    return CheckConstraint(f"{column} ~ '^[A-Z]{{3}}$'", name=f"{column}_iso4217")


def non_negative(column: str) -> CheckConstraint:
    """`column >= 0` (NULL passes, as in every CHECK)."""
    return CheckConstraint(f"{column} >= 0", name=f"{column}_non_negative")


def dates_ordered(start: str, end: str, name: str = "dates_ordered") -> CheckConstraint:
    """`end >= start`; an open end (NULL) passes."""
    return CheckConstraint(f"{end} >= {start}", name=name)


def custom_field_data_index(table_name: str) -> Index:
    """GIN index for `custom_field_data @> '{...}'` filters.

    jsonb_path_ops is smaller and faster than the default opclass for containment,
    which is the only operator the custom-field filters use.
    """
    return Index(
        f"ix_{table_name}_custom_field_data",
        "custom_field_data",
        postgresql_using="gin",
        postgresql_ops={"custom_field_data": "jsonb_path_ops"},
    )
