"""Reading alerts, and a fake SMTP server, for the alert tests (the records: tests/factories.py).

`FakeSmtpServer` is a small SMTP server (stdlib socketserver) on 127.0.0.1 in a thread:
it keeps every message it accepts, and can answer the first N messages with a
temporary failure (451) to exercise retries. Nothing leaves the machine.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import uuid
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.alerts import Alert, AlertKind, AlertRecipient
from app.models.users import MsspUser

#: The frozen "today" of the alert tests: far enough ahead that no real-clock rule interferes.
TODAY = date(2030, 3, 1)


# --- people --------------------------------------------------------------------------------------


def role_members(session: Session, role: str) -> set[int]:
    return set(
        session.scalars(
            select(MsspUser.id).where(MsspUser.active.is_(True), MsspUser.roles.any(Role.name == role))
        )
    )


# --- reading alerts ------------------------------------------------------------------------------


def alerts_of(session: Session, record_id: uuid.UUID, kind: AlertKind | None = None) -> list[Alert]:
    query = select(Alert).where(Alert.record_id == record_id).order_by(Alert.fired_at, Alert.level.desc())
    if kind is not None:
        query = query.where(Alert.kind == kind)
    return list(session.scalars(query.execution_options(populate_existing=True)))


def levels_of(session: Session, record_id: uuid.UUID, kind: AlertKind) -> list[int]:
    return [alert.level for alert in alerts_of(session, record_id, kind)]


def recipients_of(session: Session, alert: Alert) -> set[int]:
    return set(session.scalars(select(AlertRecipient.user_id).where(AlertRecipient.alert_id == alert.id)))


def at(day: date, hour: int = 6) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# --- a fake SMTP server --------------------------------------------------------------------------


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: _SmtpTcpServer

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        fake = self.server.fake
        self.reply("220 fake.smtp.test ESMTP")
        recipients: list[str] = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                ehlo = "250-fake.smtp.test\r\n250-8BITMIME\r\n250 SMTPUTF8"
                self.reply(ehlo if verb == "EHLO" else "250 hi")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                self.reply(fake.receive(self._read_data(), recipients))
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP
                self.reply("250 OK")

    def _read_data(self) -> bytes:
        lines = []
        while True:
            line = self.rfile.readline()
            if line in (b".\r\n", b".\n", b""):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)


class _SmtpTcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSmtpServer


class FakeSmtpServer:
    """SMTP on 127.0.0.1:<free port>; `messages` holds what it accepted."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.messages: list[EmailMessage] = []
        self.envelopes: list[list[str]] = []
        self.attempts = 0
        self._lock = threading.Lock()
        self._server = _SmtpTcpServer(("127.0.0.1", 0), _SmtpHandler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def receive(self, data: bytes, recipients: list[str]) -> str:
        with self._lock:
            self.attempts += 1
            if self.fail_first > 0:
                self.fail_first -= 1
                return "451 4.3.0 try again later"
            self.messages.append(message_from_bytes(data, policy=policy.default))  # type: ignore[arg-type]
            self.envelopes.append(list(recipients))
        return "250 2.0.0 queued"

    def to(self, email: str) -> list[EmailMessage]:
        return [m for m, rcpts in zip(self.messages, self.envelopes, strict=True) if email in rcpts]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def unused_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_config(port: int, **overrides: Any) -> dict[str, Any]:
    """The MSSP_SMTP_* settings pointing at a local port, with tiny retry waits."""
    return {
        "MSSP_SMTP_HOST": "127.0.0.1",
        "MSSP_SMTP_PORT": port,
        "MSSP_SMTP_FROM": "alerts@mssp.test",
        "MSSP_SMTP_TIMEOUT": 5,
        "MSSP_SMTP_MAX_ATTEMPTS": 3,
        "MSSP_SMTP_RETRY_SECONDS": 0.01,
        "MSSP_ALERT_EMAIL_RETRY_DAYS": 2,
        "MSSP_BASE_URL": "https://mssp.test",
        **overrides,
    }
