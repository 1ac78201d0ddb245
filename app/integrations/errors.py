"""Why a source could not be reached or its answer not used: one typed error per reason.

Each error has a `kind` (stored in SyncRun.error_kind and shown by "Test
connection") and a message that says exactly what happened, never a secret.
"""

from __future__ import annotations

from app.errors import DomainError


class SourceError(DomainError):
    """A data source failed; `kind` names the reason."""

    kind = "error"


class AuthRefused(SourceError):
    kind = "auth"


class DnsFailure(SourceError):
    kind = "dns"


class TimeoutFailure(SourceError):
    kind = "timeout"


class TlsFailure(SourceError):
    kind = "tls"


class ConnectionFailure(SourceError):
    kind = "connection"


class BlockedDestination(SourceError):
    """The address is link-local or cloud metadata and not allowlisted (SSRF guard)."""

    kind = "blocked"


class RateLimited(SourceError):
    kind = "rate_limited"


class UnexpectedResponse(SourceError):
    """An HTTP error status, a body that is not the JSON expected, a removed endpoint."""

    kind = "unexpected_response"


class MappingFailed(SourceError):
    """A JSONPath matched nothing, or a value has the wrong type for its target field."""

    kind = "mapping"


class PageCapReached(SourceError):
    kind = "page_cap"


class InvalidConfiguration(SourceError):
    """A source or query setting is invalid (also raised when saving it)."""

    kind = "configuration"
