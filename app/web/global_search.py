"""Global search for the person asking: the entities they may read, each narrowed by its
screen's own row filters (an account manager's transactions are their clients' only), with
links to the records and to the list filtered the same way (`?q=`). Used by the search page
(app/views/search.py) and `/api/v1/search/` (app/api/search.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for

from app.extensions import db
from app.services.search import TARGETS, Group, SearchTarget, search_target, words
from app.web.quick_search import QUICK_SEARCH_ARG


@dataclass
class SearchResults:
    query: str
    groups: list[Group]
    #: entity -> (show URL maker, list URL); only for the groups shown.
    links: dict[str, tuple[Any, str]]

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)

    def as_json(self) -> dict[str, Any]:
        results = []
        for group in self.groups:
            show, _list_url = self.links[group.target.key]
            results += [
                {"entity": hit.entity, "id": str(hit.id), "label": hit.label, "url": show(hit.id),
                 "matched": hit.matched}
                for hit in group.hits
            ]
        return {
            "query": self.query,
            "results": results,
            "counts": {group.target.key: group.count for group in self.groups},
            "capped": [group.target.key for group in self.groups if group.capped],
            "lists": {group.target.key: self.links[group.target.key][1] for group in self.groups},
        }


def _view_for(target: SearchTarget) -> Any | None:
    for view in current_app.appbuilder.baseviews:
        if type(view).__name__ == target.view or getattr(view, "class_permission_name", None) == target.view:
            return view
    return None


def _may_list(view: Any) -> bool:
    permission = (getattr(view, "method_permission_name", None) or {}).get("list", "list")
    return current_app.appbuilder.sm.has_access(f"can_{permission}", view.class_permission_name)


def readable_targets() -> list[tuple[SearchTarget, Any]]:
    """The targets the current person may list, with the screen whose filters apply."""
    found = []
    for target in TARGETS:
        view = _view_for(target)
        if view is not None and _may_list(view):
            found.append((target, view))
    return found


def search(query: str) -> SearchResults:
    """Raises app.services.search.SearchQueryInvalid for a query that cannot be searched."""
    words(query)  # refuse before touching the database
    groups, links = [], {}
    session = db.session
    for target, view in readable_targets():
        group = search_target(session, target, query, narrow=view._base_filters.apply_all)
        if not group.count:
            continue
        groups.append(group)
        endpoint = view.endpoint
        links[target.key] = (
            lambda pk, endpoint=endpoint: url_for(f"{endpoint}.show", pk=str(pk)),
            url_for(f"{endpoint}.list", **{QUICK_SEARCH_ARG: query}),
        )
    return SearchResults(query, groups, links)
