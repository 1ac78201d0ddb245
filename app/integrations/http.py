"""The HTTP client of every source type: requests, the SSRF guard, tenacity retries.

Retries (tenacity) cover timeouts, connection errors, 5xx and 429; a 429's or
503's `Retry-After` is waited out as asked, otherwise the wait grows
exponentially with jitter. A request gives up after `max_attempts` or when the
next wait would overrun its time budget; the error then says how many attempts
it made. Failures become the typed errors of `app.integrations.errors`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.auth import AuthBase, HTTPBasicAuth
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base
from urllib3.exceptions import NameResolutionError

from app.integrations import errors
from app.integrations.guard import GuardedAdapter, IPNetwork

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
USER_AGENT = "mssp-sync/1.0"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    budget_seconds: float = 120.0


def retry_after_seconds(response: requests.Response) -> float | None:
    """The response's Retry-After in seconds (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class wait_retry_after(wait_base):
    """Wait what the server's Retry-After asks; else the fallback (exponential) wait."""

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        if outcome is not None and not outcome.failed:
            asked = retry_after_seconds(outcome.result())
            if asked is not None:
                return asked
        return self.fallback(retry_state)


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, the urllib3 errors inside it, and their causes (bounded)."""
    seen: list[BaseException] = []
    pending: list[BaseException] = [error]
    while pending and len(seen) < 20:
        current = pending.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        yield current
        pending.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        for attr in ("reason", "__cause__", "__context__"):
            nested = getattr(current, attr, None)
            if isinstance(nested, BaseException):
                pending.append(nested)


def _is_dns_failure(error: BaseException) -> bool:
    return any(isinstance(c, NameResolutionError) for c in _causes(error))


def is_transient(error: BaseException) -> bool:
    """Worth another attempt: timeouts and dropped connections, not DNS, TLS or bad URLs."""
    if isinstance(error, requests.Timeout):
        return True
    if isinstance(error, requests.exceptions.SSLError):
        return False
    return isinstance(error, requests.ConnectionError) and not _is_dns_failure(error)


def _tls_reason(error: BaseException) -> str:
    import ssl

    for cause in _causes(error):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {cause.verify_message or cause.reason}"
        if isinstance(cause, ssl.SSLError):
            return cause.reason or str(cause)
    return "handshake failed"


def classify_exception(error: BaseException, host: str, timeout: float, attempts: int) -> errors.SourceError:
    """The typed error, with an exact reason, for a requests exception."""
    tries = f" ({attempts} attempts)" if attempts > 1 else ""
    if isinstance(error, errors.SourceError):
        return error
    if isinstance(error, requests.exceptions.SSLError):
        return errors.TlsFailure(f"TLS error with {host}: {_tls_reason(error)}")
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return errors.TimeoutFailure(f"timeout: no connection to {host} within {timeout:g} s{tries}")
    if isinstance(error, requests.Timeout):
        return errors.TimeoutFailure(f"timeout: {host} did not answer within {timeout:g} s{tries}")
    if isinstance(error, requests.ConnectionError):
        if _is_dns_failure(error):
            return errors.DnsFailure(f"DNS: cannot resolve host {host}")
        return errors.ConnectionFailure(f"cannot connect to {host}: connection refused or reset{tries}")
    if isinstance(error, requests.TooManyRedirects):
        return errors.UnexpectedResponse(f"more than {MAX_REDIRECTS} redirects from {host}")
    if isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return errors.InvalidConfiguration(f"invalid URL for {host}")
    return errors.ConnectionFailure(f"request to {host} failed: {type(error).__name__}")


def server_message(response: requests.Response, limit: int = 300) -> str:
    """What the server said about an error: Grafana `message`, Jira `errorMessages`, or text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    parts: list[str] = []
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            parts.append(body["message"])
        if isinstance(body.get("errorMessages"), list):
            parts.extend(str(m) for m in body["errorMessages"])
        if isinstance(body.get("errors"), dict):
            parts.extend(f"{k}: {v}" for k, v in body["errors"].items())
        if isinstance(body.get("error"), str):
            parts.append(body["error"])
    text = "; ".join(parts) if parts else " ".join(response.text.split())
    return text[:limit]


class HeaderAuth(AuthBase):
    """A token in a header: `Authorization: Bearer ...` or an API-key header."""

    def __init__(self, header: str, value: str) -> None:
        self.header, self.value = header, value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self.header] = self.value
        return request


class GuardedSession(requests.Session):
    """A session that also drops custom credential headers on a redirect to another host."""

    sensitive_headers: tuple[str, ...] = ()

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        super().rebuild_auth(prepared_request, response)
        if self.should_strip_auth(response.request.url, prepared_request.url):
            for header in self.sensitive_headers:
                prepared_request.headers.pop(header, None)


@dataclass
class SourceClient:
    """HTTP access to one data source: base URL, auth, TLS, timeout, retries, guard."""

    base_url: str
    auth: AuthBase | None = None
    timeout: float = 30.0
    verify_tls: bool = True
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    allowlist: tuple[IPNetwork, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    requests_made: int = 0
    _session: GuardedSession | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or self.base_url

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            # Only our own host: a query cannot point the credentials elsewhere.
            if urlsplit(path).netloc != urlsplit(self.base_url).netloc:
                raise errors.InvalidConfiguration(f"endpoint {path} is not on {self.host}")
            return path
        return urljoin(self.base_url.rstrip("/") + "/", path.lstrip("/"))

    def session(self) -> GuardedSession:
        if self._session is None:
            session = GuardedSession()
            # No proxies or .netrc from the environment: the guard checks the real peer.
            session.trust_env = False
            session.max_redirects = MAX_REDIRECTS
            session.verify = self.verify_tls
            session.auth = self.auth
            session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json", **self.headers})
            if isinstance(self.auth, HeaderAuth):
                session.sensitive_headers = (self.auth.header,)
            adapter = GuardedAdapter(self.allowlist)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._session = session
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def request(
        self, method: str, path: str, *, budget: float | None = None, **kwargs: Any
    ) -> requests.Response:
        """Send with retries; returns the final response (any status) or raises a SourceError."""
        url = self.url(path)
        budget = self.policy.budget_seconds if budget is None else min(budget, self.policy.budget_seconds)
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.policy.max_attempts)) | stop_before_delay(budget),
            wait=wait_retry_after(
                wait_exponential_jitter(
                    multiplier=self.policy.backoff_initial,
                    max=self.policy.backoff_max,
                    jitter=self.policy.backoff_initial,
                )
            ),
            retry=retry_if_exception(is_transient)
            | retry_if_result(lambda r: r.status_code in RETRY_STATUSES),
            retry_error_callback=lambda state: state.outcome.result(),  # last response, or re-raise
            before_sleep=self._log_retry,
        )

        def attempt() -> requests.Response:
            self.requests_made += 1
            return self.session().request(method, url, timeout=self.timeout, **kwargs)

        try:
            response = retrying(attempt)
        except errors.SourceError:
            raise
        except requests.RequestException as error:
            attempts = retrying.statistics.get("attempt_number", 1)
            raise classify_exception(error, self.host, self.timeout, attempts) from None
        response.attempts = retrying.statistics.get("attempt_number", 1)  # type: ignore[attr-defined]
        response.retry_policy = self.policy  # type: ignore[attr-defined]
        return response

    def _log_retry(self, state: RetryCallState) -> None:
        outcome = state.outcome
        what = (
            type(outcome.exception()).__name__
            if outcome is not None and outcome.failed
            else f"HTTP {outcome.result().status_code}"
            if outcome is not None
            else "?"
        )
        wait = state.next_action.sleep if state.next_action else 0
        log.warning("%s: %s; attempt %d, retrying in %.2f s", self.host, what, state.attempt_number, wait)

    def json(self, method: str, path: str, *, what: str = "", **kwargs: Any) -> Any:
        """Send, check the status, and return the parsed JSON body."""
        response = self.request(method, path, **kwargs)
        check_status(response, self.host, what or urlsplit(response.url).path)
        return parse_json(response, what or urlsplit(response.url).path)


def check_status(response: requests.Response, host: str, what: str, gone_hint: str = "") -> None:
    """Raise the typed error for a non-2xx final response."""
    status = response.status_code
    if 200 <= status < 300:
        return
    attempts = getattr(response, "attempts", 1)
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    message = server_message(response)
    if status in (401, 403):
        raise errors.AuthRefused(f"authentication refused by {host} (HTTP {status}): {message}".rstrip(": "))
    if status == 410:
        raise errors.UnexpectedResponse(f"HTTP 410 Gone: {what} was removed from {host}{gone_hint}")
    if status == 429:
        raise errors.RateLimited(rate_limit_message(response, host, attempts))
    reason = f": {message}" if message else ""
    raise errors.UnexpectedResponse(
        f"unexpected response from {host}: HTTP {status} for {what}{tries}{reason}"
    )


def rate_limit_message(response: requests.Response, host: str, attempts: int) -> str:
    """Why a 429 was given up on: the attempt limit, or a wait beyond the retry budget."""
    policy: RetryPolicy | None = getattr(response, "retry_policy", None)
    asked = retry_after_seconds(response)
    head = f"rate limited by {host} (HTTP 429)"
    if policy is not None and attempts >= policy.max_attempts:
        wait = f"; its last answer asked to wait {asked:g} s" if asked else ""
        return (
            f"{head}: still refused after {attempts} attempts, the attempt limit "
            f"(MSSP_HTTP_MAX_ATTEMPTS = {policy.max_attempts}){wait}; run it later or raise the limit"
        )
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if asked and policy is not None:
        return (
            f"{head}{tries}; it asked to wait {asked:g} s, beyond the retry budget "
            f"(MSSP_HTTP_RETRY_BUDGET_SECONDS = {policy.budget_seconds:g} s, or what was left of the run)"
        )
    if asked:
        return f"{head}{tries}; it asked to wait {asked:g} s, beyond the retry budget"
    return f"{head}{tries}"


def parse_json(response: requests.Response, what: str) -> Any:
    """The JSON body, or UnexpectedResponse naming what came instead."""
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        kind = response.headers.get("Content-Type", "no content type").split(";")[0]
        snippet = " ".join(response.text.split())[:80]
        raise errors.UnexpectedResponse(
            f"unexpected response: {what} answered HTTP {response.status_code} with a body that is "
            f"not valid JSON ({kind}): {snippet!r}"
        ) from None


def basic_auth(username: str, password: str) -> HTTPBasicAuth:
    return HTTPBasicAuth(username, password)
