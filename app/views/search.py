"""The search page (`/search/?q=`): every entity the person may read, grouped, ranked, each
result linking to its record and each group to its list filtered the same way."""

from __future__ import annotations

from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.services.search import GROUP_LIMIT, SearchQueryInvalid
from app.web.global_search import search


class SearchView(BaseView):
    route_base = "/search"
    class_permission_name = "Search"
    method_permission_name = {"page": "read"}
    default_view = "page"

    @expose("/")
    @has_access
    def page(self):
        query = (request.args.get("q") or "").strip()
        results, problem = None, None
        if query:
            try:
                results = search(query)
            except SearchQueryInvalid as error:
                problem = str(error)
        body = self.render_template(
            "mssp/search.html", title="Search", query=query, results=results, problem=problem,
            group_limit=GROUP_LIMIT,
        )
        return (body, 400) if problem else body


def register_search_views(appbuilder) -> None:  # type: ignore[no-untyped-def]
    appbuilder.add_view_no_menu(SearchView)
