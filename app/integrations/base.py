"""What every source type declares and does (Redash's query-runner shape).

A source type declares its settings as a JSON schema (validated with jsonschema
when a source is saved) and which credential keys it keeps secret; it checks a
query's endpoint and template, tests a connection (a message on success, a
typed error with the exact reason otherwise), and fetches pages of JSON.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from app.integrations import templates
from app.integrations.errors import InvalidConfiguration, PageCapReached, TimeoutFailure
from app.integrations.http import HeaderAuth, SourceClient, basic_auth
from app.models.integrations import AuthType, SourceType
from app.models.metrics import TicketPriority, TicketSource, TicketStatus

#: Credential keys, by auth type: the form shows one secret field per key.
SECRET_KEYS: dict[AuthType, tuple[str, ...]] = {
    AuthType.NONE: (),
    AuthType.BASIC: ("password",),
    AuthType.BEARER: ("token",),
    AuthType.API_KEY_HEADER: ("api_key",),
}
ALL_SECRET_KEYS: tuple[str, ...] = ("password", "token", "api_key")

#: Settings every source type accepts, merged into each type's schema.
COMMON_PROPERTIES: dict[str, Any] = {
    "username": {"type": "string", "minLength": 1, "description": "user or email for basic auth"},
    "api_key_header": {
        "type": "string",
        "pattern": "^[A-Za-z0-9-]+$",
        "description": "header that carries the API key (auth type API-key header)",
    },
    "page_size": {"type": "integer", "minimum": 1, "maximum": 5000},
}


def enum_map_schema(enum_cls: type) -> dict[str, Any]:
    """A setting that maps a source's own words to an enum's values, e.g. {"Triage": "open"}."""
    return {"type": "object", "additionalProperties": {"enum": [m.value for m in enum_cls]}}


#: The settings that map ticket statuses and priorities (Jira and generic REST sources).
TICKET_ENUM_SETTINGS: dict[str, str] = {"status": "status_map", "priority": "priority_map"}
TICKET_ENUM_PROPERTIES: dict[str, Any] = {
    "status_map": enum_map_schema(TicketStatus),
    "priority_map": enum_map_schema(TicketPriority),
}


def object_schema(properties: Mapping[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """A closed JSON schema: unknown keys (a secret typed in the wrong box) are refused."""
    return {
        "type": "object",
        "properties": {**COMMON_PROPERTIES, **properties},
        "required": list(required),
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class FetchRequest:
    """One fetch of one query: the rendered query, the time window and the bounds."""

    endpoint: str
    query: str
    since: datetime
    until: datetime
    page_size: int
    page_cap: int
    deadline: float  # time.monotonic() after which the run gives up
    mappings: Mapping[str, Any]

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def before_page(self, pages_done: int) -> None:
        """Called before fetching another page: enforce the page cap and the run's time budget."""
        if pages_done >= self.page_cap:
            raise PageCapReached(
                "stopped at the page cap (MSSP_SYNC_PAGE_CAP) with more pages to fetch: "
                "nothing was written; narrow the query or raise the cap"
            )
        if self.remaining() <= 0:
            raise TimeoutFailure(f"the run exceeded its time budget after {pages_done} pages")


class DataSourceType:
    """A kind of external source; subclasses are listed in app.integrations.registry."""

    source_type: ClassVar[SourceType]
    label: ClassVar[str]
    config_schema: ClassVar[dict[str, Any]]
    #: Where a page's records are when the query does not say (`rows` mapping).
    default_rows: ClassVar[str] = "$[*]"
    ticket_source: ClassVar[TicketSource] = TicketSource.OTHER
    #: Target field -> the setting that maps the source's own words for it (e.g. status_map).
    enum_settings: ClassVar[dict[str, str]] = {}

    def secret_keys(self, auth_type: AuthType) -> tuple[str, ...]:
        return SECRET_KEYS[auth_type]

    def config_errors(self, config: Mapping[str, Any], auth_type: AuthType) -> list[str]:
        """Rules the schema cannot express (the schema itself is checked by the caller)."""
        if auth_type is AuthType.BASIC and not config.get("username"):
            return ["basic auth needs 'username' in the settings (the password goes in its own field)"]
        return []

    def query_errors(self, endpoint: str, template: str | None, config: Mapping[str, Any]) -> list[str]:
        """Why this endpoint/template pair cannot work with this source ([] when fine)."""
        return []

    def rows_path(self, endpoint: str) -> str:
        return self.default_rows

    # -- placeholders ---------------------------------------------------------------------
    def format_since(self, since: datetime, until: datetime) -> str:
        return since.isoformat().replace("+00:00", "Z")

    def format_until(self, until: datetime) -> str:
        return until.isoformat().replace("+00:00", "Z")

    def escape(self, value: str) -> str:
        return templates.escape_quoted(value)

    def render_query(
        self, template: str | None, since: datetime, until: datetime, client_key: str | None
    ) -> str:
        values = {"since": self.format_since(since, until), "until": self.format_until(until)}
        rendered = templates.render(template or "", values)
        if client_key is not None:
            rendered = templates.render(rendered, {"client_key": client_key}, self.escape)
        return rendered

    def enum_maps(self, config: Mapping[str, Any]) -> dict[str, dict[str, str]]:
        """Source-specific names for enum fields, e.g. {"status": {"Triage": "open"}}."""
        return {field: dict(config.get(setting) or {}) for field, setting in self.enum_settings.items()}

    # -- HTTP -----------------------------------------------------------------------------
    def extra_headers(self, config: Mapping[str, Any]) -> dict[str, str]:
        return {}

    def auth_for(self, auth_type: AuthType, config: Mapping[str, Any], secrets: Mapping[str, str]) -> Any:
        """The requests auth for a source; InvalidConfiguration when a credential is missing."""
        missing = [key for key in SECRET_KEYS[auth_type] if not secrets.get(key)]
        if missing:
            raise InvalidConfiguration(f"{auth_type.value} auth needs a {missing[0].replace('_', ' ')}")
        if auth_type is AuthType.BASIC:
            if not config.get("username"):
                raise InvalidConfiguration("basic auth needs 'username' in the settings")
            return basic_auth(str(config["username"]), secrets["password"])
        if auth_type is AuthType.BEARER:
            return HeaderAuth("Authorization", f"Bearer {secrets['token']}")
        if auth_type is AuthType.API_KEY_HEADER:
            return HeaderAuth(str(config.get("api_key_header") or "X-API-Key"), secrets["api_key"])
        return None

    def test_connection(self, client: SourceClient, config: Mapping[str, Any]) -> str:
        """A one-line success message, or raise the SourceError that says why not."""
        raise NotImplementedError

    def fetch(self, client: SourceClient, config: Mapping[str, Any], request: FetchRequest) -> Iterator[Any]:
        """Yield the parsed JSON pages of one query, to the end (within the page cap)."""
        raise NotImplementedError
