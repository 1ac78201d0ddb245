"""`GET /api/v1/search/?q=`: the global search as JSON (app/web/global_search.py)."""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import protect

from app.services.search import SearchQueryInvalid
from app.web.global_search import search


class SearchApi(BaseApi):
    resource_name = "search"
    class_permission_name = "Search"
    method_permission_name = {"get": "read"}
    openapi_spec_tag = "Search"
    allow_browser_login = True

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def get(self):
        """Search every entity the caller may read.
        ---
        get:
          summary: Global search
          parameters:
          - in: query
            name: q
            required: true
            schema:
              type: string
              maxLength: 200
          responses:
            200:
              description: Up to 10 ranked results per entity, and each entity's match count
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      query: {type: string}
                      results:
                        type: array
                        items:
                          type: object
                          properties:
                            entity: {type: string}
                            id: {type: string}
                            label: {type: string}
                            url: {type: string}
                            matched: {type: string, enum: [exact, prefix, words]}
                      counts:
                        type: object
                        additionalProperties: {type: integer}
                      capped:
                        type: array
                        items: {type: string}
                      lists:
                        type: object
                        additionalProperties: {type: string}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        query = (request.args.get("q") or "").strip()
        if not query:
            return self.response(400, message="q: type what to search for.", field="q")
        try:
            results = search(query)
        except SearchQueryInvalid as problem:
            return self.response(400, message=f"q: {problem}", field="q")
        return self.response(200, **results.as_json())


def register_search_api(appbuilder) -> None:  # type: ignore[no-untyped-def]
    appbuilder.add_api(SearchApi)
