"""Generic REST/JSON: any endpoint that answers JSON, with optional pagination.

The query template is a JSON object: the query parameters of a GET, or the body
of a POST (`method` setting). Placeholders are filled inside its string values,
so no value can break the JSON. Pagination styles: `none`, `next_link` (a
JSONPath to the next page's URL or path), `offset` (limit/offset parameters,
stopping at a short page) and `page` (a page number parameter, same stop rule).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from jsonpath_ng.ext import parse as parse_jsonpath

from app.integrations import templates
from app.integrations.base import (
    TICKET_ENUM_PROPERTIES,
    TICKET_ENUM_SETTINGS,
    DataSourceType,
    FetchRequest,
    object_schema,
)
from app.integrations.errors import InvalidConfiguration, UnexpectedResponse
from app.integrations.http import SourceClient, check_status, parse_json
from app.integrations.mapping import find_values
from app.models.integrations import SourceType


def _render_json(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return templates.render(value, values)
    if isinstance(value, list):
        return [_render_json(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _render_json(v, values) for k, v in value.items()}
    return value


class RestJsonSource(DataSourceType):
    source_type: ClassVar[SourceType] = SourceType.REST
    label: ClassVar[str] = "Generic REST/JSON"
    enum_settings: ClassVar[dict[str, str]] = TICKET_ENUM_SETTINGS
    config_schema: ClassVar[dict[str, Any]] = object_schema(
        {
            "method": {"enum": ["GET", "POST"]},
            "health_path": {"type": "string", "pattern": "^/"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "ticket_source": {"enum": ["servicenow", "email", "other"]},
            **TICKET_ENUM_PROPERTIES,
            "pagination": {
                "type": "object",
                "properties": {
                    "style": {"enum": ["none", "next_link", "offset", "page"]},
                    "next_link_path": {"type": "string", "pattern": "^\\$"},
                    "limit_param": {"type": "string"},
                    "offset_param": {"type": "string"},
                    "page_param": {"type": "string"},
                    "first_page": {"type": "integer", "minimum": 0},
                },
                "additionalProperties": False,
            },
        }
    )

    def query_errors(self, endpoint: str, template: str | None, config: Mapping[str, Any]) -> list[str]:
        problems = []
        if not endpoint.strip().startswith("/"):
            problems.append("the endpoint is a path on the source, starting with /")
        if (template or "").strip():
            try:
                parsed = json.loads(
                    templates.render(template or "", {"since": "", "until": "", "client_key": ""})
                )
            except ValueError as error:
                return [*problems, f"the template must be a JSON object of parameters ({error})"]
            if not isinstance(parsed, dict):
                problems.append("the template must be a JSON object of parameters")
        style = (config.get("pagination") or {}).get("style", "none")
        if style == "next_link" and not (config.get("pagination") or {}).get("next_link_path"):
            problems.append("next_link pagination needs 'next_link_path' in the source's settings")
        return problems

    def render_query(
        self, template: str | None, since: datetime, until: datetime, client_key: str | None
    ) -> str:
        values = {"since": self.format_since(since, until), "until": self.format_until(until)}
        if client_key is not None:
            values["client_key"] = client_key
        params = json.loads(template) if (template or "").strip() else {}
        return json.dumps(_render_json(params, values))

    def extra_headers(self, config: Mapping[str, Any]) -> dict[str, str]:
        return dict(config.get("headers") or {})

    def test_connection(self, client: SourceClient, config: Mapping[str, Any]) -> str:
        path = config.get("health_path") or "/"
        response = client.request("GET", path)
        check_status(response, client.host, path)
        return f"connected to {client.host}: {path} answered HTTP {response.status_code}"

    def fetch(self, client: SourceClient, config: Mapping[str, Any], request: FetchRequest) -> Iterator[Any]:
        method = config.get("method") or "GET"
        params = json.loads(request.query) if request.query else {}
        paging = dict(config.get("pagination") or {})
        style = paging.get("style", "none")
        limit = int(config.get("page_size") or request.page_size)
        rows_path = parse_jsonpath(str(request.mappings.get("rows") or self.default_rows))
        next_path = parse_jsonpath(paging["next_link_path"]) if style == "next_link" else None
        path: str | None = request.endpoint
        number = int(paging.get("first_page", 1 if style == "page" else 0))
        pages = 0
        while path:
            request.before_page(pages)
            page_params = dict(params)
            if style == "offset":
                page_params[paging.get("limit_param", "limit")] = limit
                page_params[paging.get("offset_param", "offset")] = number
            elif style == "page":
                page_params[paging.get("limit_param", "per_page")] = limit
                page_params[paging.get("page_param", "page")] = number
            page = self._get(
                client, request, method, path, page_params if pages == 0 or style != "next_link" else {}
            )
            pages += 1
            yield page
            if style == "next_link":
                found = find_values(next_path, page) if next_path is not None else None
                path = str(found[0]) if found and found[0] else None
            elif style in ("offset", "page"):
                records = find_values(rows_path, page) or []
                if len(records) < limit:
                    return
                number += len(records) if style == "offset" else 1
            else:
                return

    def _get(self, client: SourceClient, request: FetchRequest, method: str, path: str, params: dict) -> Any:
        kwargs: dict[str, Any] = {"json": params} if method == "POST" else {"params": params}
        try:
            response = client.request(method, path, budget=request.remaining(), **kwargs)
        except InvalidConfiguration as error:
            raise UnexpectedResponse(
                f"unexpected response: next page link {path!r}: {error.message}"
            ) from None
        check_status(response, client.host, path)
        return parse_json(response, path)
