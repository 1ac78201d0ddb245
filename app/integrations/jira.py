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
from app.integrations.errors import AuthRefused, InvalidConfiguration, UnexpectedResponse
from app.integrations.http import SourceClient, check_status, parse_json, server_message
from app.models.integrations import SourceType
from app.models.metrics import TicketSource

CLOUD_SEARCH = "/rest/api/3/search/jql"
REMOVED_ON_CLOUD = ("/rest/api/2/search", "/rest/api/3/search", "/rest/api/latest/search")
DC_SEARCH_RE = re.compile(r"^/rest/api/(2|latest)/search/?$")
FIELD_RE = re.compile(r"\$\.fields\.([A-Za-z0-9_]+)")
GONE_HINT = f"; Jira Cloud searches with POST {CLOUD_SEARCH}"
#: What Jira answers an anonymous user about a project it may not see.
DOES_NOT_EXIST_RE = re.compile(r"The value '[^']*' does not exist")
#: X-Seraph-LoginReason values that mean the credentials were refused and the request ran anonymously.
ANONYMOUS_REASONS = ("AUTHENTICATED_FAILED", "AUTHENTICATION_DENIED")


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
        # serverInfo answers without credentials: a wrong deployment is found before auth fails.
        self._check_deployment(cloud, client.host, self._server_info_deployment(client), "serverInfo")
        me = client.json("GET", "/rest/api/3/myself" if cloud else "/rest/api/2/myself")
        who = (
            me.get("displayName") or me.get("emailAddress") or me.get("name")
            if isinstance(me, dict)
            else None
        )
        if not who:
            raise UnexpectedResponse("unexpected response: /myself did not describe a user")
        # Cloud users have an accountId and no user name; Data Center users the reverse.
        if "accountId" in me and "name" not in me:
            self._check_deployment(cloud, client.host, "cloud", "/myself (a Cloud accountId, no user name)")
        elif "name" in me and "accountId" not in me:
            self._check_deployment(cloud, client.host, "data_center", "/myself (a user name, no accountId)")
        return f"connected to Jira {'Cloud' if cloud else 'Data Center'} as {who}"

    @staticmethod
    def _server_info_deployment(client: SourceClient) -> str | None:
        """'cloud' or 'data_center' from /rest/api/2/serverInfo's deploymentType (None: not said)."""
        try:
            response = client.request("GET", "/rest/api/2/serverInfo")
            info = response.json() if response.status_code == 200 else None
        except ValueError:
            return None
        kind = info.get("deploymentType") if isinstance(info, dict) else None
        if not isinstance(kind, str):
            return None
        return "cloud" if kind.lower() == "cloud" else "data_center"

    @staticmethod
    def _check_deployment(cloud: bool, host: str, found: str | None, evidence: str) -> None:
        if found is None or (found == "cloud") == cloud:
            return
        if cloud:
            raise InvalidConfiguration(
                f"this source is set to Jira Cloud but {host} answers like Jira Data Center ({evidence}): "
                'set "deployment": "data_center" in its settings, with a personal access token as '
                "bearer auth and queries on /rest/api/2/search"
            )
        raise InvalidConfiguration(
            f"this source is set to Jira Data Center but {host} answers like Jira Cloud ({evidence}): "
            'set "deployment": "cloud" in its settings, with basic auth (email and API token) and '
            f"queries on {CLOUD_SEARCH}"
        )

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
        self._check_anonymous(client, request, response)
        check_status(response, client.host, request.endpoint, GONE_HINT)
        page = parse_json(response, request.endpoint)
        if not isinstance(page, dict) or not isinstance(page.get("issues"), list):
            raise UnexpectedResponse(
                f"unexpected response: {request.endpoint} answered without an 'issues' list"
            )
        return page

    def _check_anonymous(self, client: SourceClient, request: FetchRequest, response: Any) -> None:
        """Jira answers a request whose credentials it refused as an anonymous user's: an empty
        result, or "The value 'ACME' does not exist for the field 'project'". Report that as a
        probable credential problem, not as a missing project or an empty run."""
        reason = response.headers.get("X-Seraph-LoginReason", "")
        refused = any(r in reason for r in ANONYMOUS_REASONS)
        said = server_message(response) if response.status_code == 400 else ""
        if not refused and not (said and DOES_NOT_EXIST_RE.search(said)):
            return
        if not refused:
            dc = DC_SEARCH_RE.match("/" + request.endpoint.strip().lstrip("/")) is not None
            myself = "/rest/api/2/myself" if dc else "/rest/api/3/myself"
            probe = client.request("GET", myself, budget=request.remaining())
            if probe.status_code not in (401, 403):
                return  # the credentials work: the project really is unknown (or not visible)
            evidence = f"{myself} refuses these credentials (HTTP {probe.status_code})"
        else:
            evidence = f"Jira said X-Seraph-LoginReason: {reason}"
        answer = f'"{said}"' if said else "an empty result"
        raise AuthRefused(
            f"probable credential problem: {client.host} answered as to an anonymous user ({answer}) "
            f"and {evidence}; check the username and API token (Cloud) or the personal access token "
            "(Data Center)"
        )

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
