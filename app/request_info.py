"""Who is asking and from where: client IP, request id and source of the current request.

Everything here answers None (or the CLI/job source) outside a request, so the
audit service and the lockout log can call it from any code path.
"""

from __future__ import annotations

import ipaddress
import re
import uuid

import click
from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
#: A caller-supplied request id is kept only when it looks like one.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def client_ip() -> str | None:
    """The client's IP address (after ProxyFix, when trusted proxies are configured)."""
    if not has_request_context():
        return None
    address = request.remote_addr
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def request_id() -> str | None:
    """The id of the current request: the caller's X-Request-ID if sane, else a new one."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        supplied = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = supplied if REQUEST_ID_PATTERN.fullmatch(supplied) else uuid.uuid4().hex
    return g.request_id


def request_source() -> str:
    """"api" or "ui" inside a request, "cli" inside a command, "job" otherwise."""
    if has_request_context():
        return "api" if request.path.startswith("/api/") else "ui"
    if click.get_current_context(silent=True) is not None:
        return "cli"
    return "job"


def init_request_ids(app: Flask) -> None:
    """Echo the request id on every response, so a log line can be matched to a request."""

    @app.after_request
    def send_request_id(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id() or ""
        return response
