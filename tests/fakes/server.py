"""A scriptable local HTTP(S) server: stdlib ThreadingHTTPServer on 127.0.0.1, port 0, in a thread.

Subclasses implement `route()`; tests can queue one-shot responses for a path
(`script`) ahead of the normal route, slow a path down (`delays`), and read what
was asked (`requests`).
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; str/bytes -> sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeServer:
    """Base of the fake Jira and Grafana servers."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[Recorded] = []
        self.scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self.delays: dict[str, float] = {}
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.httpd.server_address[1]}"

    def script(self, path: str, *replies: Reply) -> None:
        """Serve these replies, in order, to the next requests for `path`."""
        self.scripts[path].extend(replies)

    def requests_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, request: Recorded) -> Reply:  # pragma: no cover - subclasses answer
        return Reply(404, {"message": "not found"})

    def answer(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            queued = self.scripts.get(request.path)
            scripted = queued.popleft() if queued else None
        reply = scripted or self.route(request)
        delay = reply.delay or self.delays.get(request.path, 0.0)
        if delay:
            time.sleep(delay)
        return reply


def _handler_for(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            request = Recorded(
                method=self.command,
                path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                headers={k: v for k, v in self.headers.items()},
                body=body,
            )
            reply = server.answer(request)
            if isinstance(reply.body, dict | list):
                payload = json.dumps(reply.body).encode()
                content_type = "application/json"
            else:
                payload = reply.body.encode() if isinstance(reply.body, str) else (reply.body or b"")
                content_type = "text/html; charset=utf-8"
            try:
                self.send_response(reply.status)
                headers = {"Content-Type": content_type, **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = do_PUT = _handle

    return Handler
