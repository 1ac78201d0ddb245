"""Issue 21 in a real browser: an account manager puts a client on a reviewed report schedule,
opens the client's report for last month, saves it as a draft, writes the notes, approves it;
the sending run (`flask mssp reports send`, what the scheduler's job runs) delivers the e-mail
to a local SMTP server with the PDF attached."""

from __future__ import annotations

import email
import subprocess
import threading
import time

import pytest

from tests.e2e.conftest import E2E_DATABASE, form_errors, pick_related, screenshot, sign_in
from tests.live_server import ROOT, free_port, server_env

pytestmark = pytest.mark.e2e

RUN = str(int(time.time()))


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, email.message.Message]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            message = email.message_from_bytes(envelope.original_content or envelope.content)
            self.messages.extend((rcpt, message) for rcpt in envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def smtp():
    controller_module = pytest.importorskip("aiosmtpd.controller")
    inbox, port = Inbox(), free_port()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_review_a_clients_report_and_the_email_arrives_with_the_pdf(page, smtp):
    inbox, port = smtp
    recipient = f"ciso.{RUN}@client.example"
    sign_in(page, "Account Manager")

    # A reviewed monthly schedule for one of the account manager's clients.
    page.goto("/reportscheduleview/add")
    client_name = pick_related(page, "client", "Northwind", "Northwind Logistics")  # one of am@'s clients
    client_id = page.eval_on_selector("#client", "el => el.value")
    page.locator('[data-editor-for="recipients"] button', has_text="Add").first.click()
    page.keyboard.type(recipient)  # the list editor puts the cursor in its new row
    page.fill("#day_of_month", "3")
    if not page.is_checked("#review_required"):
        page.check("#review_required")
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()
    assert page.locator(".alert-success").count(), form_errors(page)

    # The client's report for last month (the default period), saved as a draft to review.
    page.goto(f"/clients/{client_id}/report")
    assert client_name in page.inner_text("body")
    with page.expect_navigation():
        page.click("#report-create-draft button[type=submit]")
    assert "add your notes" in page.inner_text("body")
    notes = f"Quiet month; two P2 incidents contained within target ({RUN})."
    page.fill("#report-notes", notes)
    with page.expect_navigation():
        page.click("#report-approve")
    # The client's contact and the account manager ("Also the account manager" is on by default).
    assert "it goes to 2 recipient(s)" in page.inner_text("body")
    screenshot(page, "am-report-approved")

    # The sending run, as the scheduler's job runs it, to the local SMTP server.
    env = server_env(
        E2E_DATABASE, 0, MSSP_SMTP_HOST="127.0.0.1", MSSP_SMTP_PORT=str(port),
        MSSP_SMTP_FROM="reports@mssp.example",
    )
    sent = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "flask"), "mssp", "reports", "send"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    mails = [message for rcpt, message in inbox.messages if rcpt == recipient]
    assert len(mails) == 1, (sent.stdout, [r for r, _ in inbox.messages])
    message = mails[0]
    assert client_name in message["Subject"]
    parts = list(message.walk())
    body = next(p for p in parts if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert notes in body
    pdf = next(p for p in parts if p.get_content_type() == "application/pdf")
    data = pdf.get_payload(decode=True)
    assert data.startswith(b"%PDF-") and len(data) > 10_000
    assert pdf.get_filename().endswith(".pdf")
    # Sent once: a second run sends nothing more.
    again = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "flask"), "mssp", "reports", "send"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert again.returncode == 0
    assert len([1 for rcpt, _ in inbox.messages if rcpt == recipient]) == 1
