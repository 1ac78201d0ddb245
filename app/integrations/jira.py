"""Jira: Cloud (`/rest/api/3/search/jql`, token pages) and Data Center (`/rest/api/2/search`).

Cloud pages with `nextPageToken` (absent on the last page, `isLast` true) and has
no `total`; the old search endpoints answer 410 there. An issue comes back as its
id only unless `fields` are named, so they are derived from the query's JSONPaths
(`$.fields.summary` -> `summary`). Data Center pages with `startAt`/`total` and
may cap `maxResults` below what was asked, so the next `startAt` counts what came.
Auth: Cloud basic `email:api_token`, Data Center bearer personal access token.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from app.integrations.base import (
    TICKET_ENUM_PROPERTIES,
    TICKET_ENUM_SETTINGS,
    DataSourceType,
    FetchRequest,
    object_schema,
)
from app.integrations.errors import UnexpectedResponse
from app.integrations.http import SourceClient, check_status, parse_json
from app.models.integrations import SourceType
from app.models.metrics import TicketSource

CLOUD_SEARCH = "/rest/api/3/search/jql"
REMOVED_ON_CLOUD = ("/rest/api/2/search", "/rest/api/3/search", "/rest/api/latest/search")
DC_SEARCH_RE = re.compile(r"^/rest/api/(2|latest)/search/?$")
FIELD_RE = re.compile(r"\$\.fields\.([A-Za-z0-9_]+)")
GONE_HINT = f"; Jira Cloud searches with POST {CLOUD_SEARCH}"


class JiraSource(DataSourceType):
    source_type: ClassVar[SourceType] = SourceType.JIRA
    label: ClassVar[str] = "Jira (Cloud or Data Center)"
    default_rows: ClassVar[str] = "$.issues[*]"
    ticket_source: ClassVar[TicketSource] = TicketSource.JIRA
    config_schema: ClassVar[dict[str, Any]] = object_schema(
        {
            "deployment": {"enum": ["cloud", "data_center"], "description": "default cloud"},
            "project_keys": {"type": "array", "items": {"type": "string"}},
            "fields": {"type": "array", "items": {"type": "string"}, "description": "extra fields"},
            **TICKET_ENUM_PROPERTIES,
        }
    )
    enum_settings: ClassVar[dict[str, str]] = TICKET_ENUM_SETTINGS

    @staticmethod
    def is_cloud(config: Mapping[str, Any]) -> bool:
        return config.get("deployment", "cloud") == "cloud"

    def query_errors(self, endpoint: str, template: str | None, config: Mapping[str, Any]) -> list[str]:
        path = "/" + endpoint.strip().lstrip("/").rstrip("/")
        if self.is_cloud(config):
            if path in REMOVED_ON_CLOUD:
                return [f"{path} was removed from Jira Cloud (it answers 410): use {CLOUD_SEARCH}"]
            if path != CLOUD_SEARCH:
                return [f"a Jira Cloud query searches {CLOUD_SEARCH}"]
        elif not DC_SEARCH_RE.match(path):
            return ["a Jira Data Center query searches /rest/api/2/search"]
        if not (template or "").strip():
            return ["the query template is the JQL to search"]
        return []

    def format_since(self, since: datetime, until: datetime) -> str:
        # Relative minutes: JQL reads absolute dates in the Jira user's time zone.
        minutes = max(1, math.ceil((until - since).total_seconds() / 60))
        return f"-{minutes}m"

    def format_until(self, until: datetime) -> str:
        return "now()"

    @staticmethod
    def fields_for(mappings: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
        """The issue fields to ask for: those the JSONPaths read, plus configured extras."""
        names = {
            name for value in mappings.values() if isinstance(value, str) for name in FIELD_RE.findall(value)
        }
        names.update(config.get("fields") or [])
        return sorted(names) or ["summary"]

    def test_connection(self, client: SourceClient, config: Mapping[str, Any]) -> str:
        cloud = self.is_cloud(config)
        me = client.json("GET", "/rest/api/3/myself" if cloud else "/rest/api/2/myself")
        who = (
            me.get("displayName") or me.get("emailAddress") or me.get("name")
            if isinstance(me, dict)
            else None
        )
        if not who:
            raise UnexpectedResponse("unexpected response: /myself did not describe a user")
        return f"connected to Jira {'Cloud' if cloud else 'Data Center'} as {who}"

    def fetch(self, client: SourceClient, config: Mapping[str, Any], request: FetchRequest) -> Iterator[Any]:
        fields = self.fields_for(request.mappings, config)
        page_size = int(config.get("page_size") or request.page_size)
        if DC_SEARCH_RE.match("/" + request.endpoint.strip().lstrip("/")):
            yield from self._fetch_offset_pages(client, request, fields, page_size)
        else:
            yield from self._fetch_token_pages(client, request, fields, page_size)

    def _search(
        self, client: SourceClient, request: FetchRequest, method: str, **kwargs: Any
    ) -> dict[str, Any]:
        response = client.request(method, request.endpoint, budget=request.remaining(), **kwargs)
        check_status(response, client.host, request.endpoint, GONE_HINT)
        page = parse_json(response, request.endpoint)
        if not isinstance(page, dict) or not isinstance(page.get("issues"), list):
            raise UnexpectedResponse(
                f"unexpected response: {request.endpoint} answered without an 'issues' list"
            )
        return page

    def _fetch_token_pages(
        self, client: SourceClient, request: FetchRequest, fields: list[str], page_size: int
    ) -> Iterator[Any]:
        token: str | None = None
        pages = 0
        while True:
            request.before_page(pages)
            body: dict[str, Any] = {"jql": request.query, "fields": fields, "maxResults": page_size}
            if token:
                body["nextPageToken"] = token
            page = self._search(client, request, "POST", json=body)
            pages += 1
            yield page
            token = page.get("nextPageToken")
            if not token or page.get("isLast") is True:
                return

    def _fetch_offset_pages(
        self, client: SourceClient, request: FetchRequest, fields: list[str], page_size: int
    ) -> Iterator[Any]:
        start = 0
        pages = 0
        while True:
            request.before_page(pages)
            params = {
                "jql": request.query,
                "startAt": start,
                "maxResults": page_size,
                "fields": ",".join(fields),
            }
            page = self._search(client, request, "GET", params=params)
            pages += 1
            yield page
            start += len(page["issues"])
            total = page.get("total")
            if not page["issues"] or not isinstance(total, int) or start >= total:
                return
