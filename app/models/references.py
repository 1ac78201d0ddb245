"""Which table a column points at: through its FOREIGN KEY or, where a trigger enforces the
reference instead (metric points, migration 0012), through the column's `info`."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Column, Table

#: `Column.info` key naming the table a trigger-enforced (RESTRICT) reference points at.
TRIGGER_REFERENCES = "references"


def restricting_references(table: Table) -> Iterator[tuple[Column, str]]:
    """(column, referenced table name) of every reference that blocks deleting its target."""
    for constraint in table.foreign_key_constraints:
        if (constraint.ondelete or "NO ACTION").upper() in ("RESTRICT", "NO ACTION"):
            yield constraint.columns[0], constraint.referred_table.name
    for column in table.columns:
        if TRIGGER_REFERENCES in column.info:
            yield column, column.info[TRIGGER_REFERENCES]


def referenced_table_name(table: Table, column_name: str) -> str | None:
    """The table `column_name` of `table` points at, if any."""
    for constraint in table.foreign_key_constraints:
        if column_name in [c.name for c in constraint.columns]:
            return constraint.referred_table.name
    column = table.columns.get(column_name)
    return column.info.get(TRIGGER_REFERENCES) if column is not None else None
