"""LIKE patterns from what people type: `%`, `_` and `\\` are matched literally."""

from __future__ import annotations


def escape_like(term: str) -> str:
    """`term` with LIKE's wildcards escaped by a backslash, PostgreSQL's default LIKE escape.

    The pattern stays a plain `ILIKE 'pattern'` (no ESCAPE clause), so a pg_trgm index
    still serves it.
    """
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(term: str) -> str:
    return f"%{escape_like(term)}%"
