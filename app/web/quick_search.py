"""Quick search on every list: one text field above the list (`?q=`), kept in the URL and
combined with the other filters, that searches the list's usual columns at once.

For an entity of the global search (app.services.search) the match is the global search's
own, so "all N results" there lists exactly those N rows here; for other lists it is a
case-insensitive "contains" over the list's text search columns.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import flash, request
from sqlalchemy import Enum, String, Text, false, or_

from app.db.like import contains_pattern
from app.services.search import TARGETS, SearchQueryInvalid, list_clause, words
from app.web.filters import FilterCondition

QUICK_SEARCH_ARG = "q"
_TARGET_BY_MODEL = {target.model: target for target in TARGETS}


def quick_search_clause(model: type, columns: list[str], query: str) -> Any:
    """The condition of `query` on a list of `model` searching `columns` (text ones)."""
    words(query)  # the same limits everywhere (length, words, NUL)
    target = _TARGET_BY_MODEL.get(model)
    if target is not None:
        return list_clause(target, query)
    pattern = contains_pattern(query.strip())
    table, relations = model.__table__, model.__mapper__.relationships
    conditions = []
    for name in columns:
        if name in table.columns:
            kind = table.columns[name].type
            if isinstance(kind, String | Text) and not isinstance(kind, Enum):
                conditions.append(getattr(model, name).ilike(pattern))
        elif name in relations and not relations[name].uselist:
            # A to-one relation: the related record's label ("client" -> its company name).
            related = _TARGET_BY_MODEL.get(relations[name].mapper.class_)
            if related is not None and related.label_column:
                label = getattr(related.model, related.label_column)
                conditions.append(getattr(model, name).has(label.ilike(pattern)))
    return or_(*conditions) if conditions else false()


class QuickSearchMixin:
    """For a list screen: `?q=` narrows the list and its CSV export."""

    def with_custom_field_filters(self, filters: Any) -> Any:
        filters = super().with_custom_field_filters(filters)  # type: ignore[misc]
        if request.endpoint not in (
            f"{self.endpoint}.list", f"{self.endpoint}.export_csv", f"{self.endpoint}.bulk_edit",  # type: ignore[attr-defined]
        ):
            return filters
        query = (request.args.get(QUICK_SEARCH_ARG) or "").strip()
        if not query:
            return filters
        model = self.datamodel.obj  # type: ignore[attr-defined]
        try:
            clause = quick_search_clause(model, list(self.search_columns or []), query)  # type: ignore[attr-defined]
        except SearchQueryInvalid as problem:
            flash(f"{problem} The list is shown without the search.", "warning")
            return filters
        primary = model.__mapper__.primary_key[0].key
        filters.add_filter(primary, FilterCondition, clause)
        return filters

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == getattr(self, "list_template", None) and request.endpoint == f"{self.endpoint}.list":  # type: ignore[attr-defined]
            kept = [
                (key, value) for key, value in request.args.items(multi=True)
                if key != QUICK_SEARCH_ARG and not key.startswith("page_")
            ]
            kwargs.setdefault("quick_search", {
                "query": request.args.get(QUICK_SEARCH_ARG, ""),
                "kept": kept,
                "clear_url": "?" + urlencode(kept),
            })
        return super().render_template(template, **kwargs)  # type: ignore[misc]
