"""What Alembic compares: our metadata, minus tables other tools own."""

from __future__ import annotations

#: Tables that live in our database but are created by other tools, not migrations.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic hook: leave tables owned by other tools out of autogenerate."""
    return not (type_ == "table" and name in FOREIGN_TABLES)
