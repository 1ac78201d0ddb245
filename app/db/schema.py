"""What Alembic compares: our metadata, minus tables other tools own."""

from __future__ import annotations

#: Tables that live in our database but are created by other tools, not migrations.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})
#: The job queue's tables (procrastinate, migration 0029): created from its own SQL.
FOREIGN_TABLE_PREFIXES = ("procrastinate_",)

#: Indexes that exist only on servers with an optional extension (migration 0011: trigram
#: indexes need pg_trgm, which the embedded PostgreSQL lacks); never in the models.
SERVER_OPTIONAL_INDEX_PREFIX = "trgm_"
#: Expression indexes Alembic cannot compare, declared only in their migration (0023: the
#: global search's full-text and label indexes, app.services.search).
EXPRESSION_INDEX_PREFIXES = (SERVER_OPTIONAL_INDEX_PREFIX, "search_")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic hook: leave tables owned by other tools, and server-optional indexes, out of
    autogenerate."""
    if type_ == "table" and (name in FOREIGN_TABLES or (name or "").startswith(FOREIGN_TABLE_PREFIXES)):
        return False
    if type_ == "index" and (name or "").startswith(("procrastinate_", "idx_procrastinate_")):
        return False
    return not (type_ == "index" and (name or "").startswith(EXPRESSION_INDEX_PREFIXES))
