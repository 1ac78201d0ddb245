"""Scheduled client reports: due schedules, drafts for review, approval, and e-mails sent once per
report and recipient, even when the sending process dies mid-batch (issue 21)."""

from __future__ import annotations

import email
import threading
from datetime import UTC, date, datetime

import pytest

from tests.conftest import ROLE_USERS, csrf_token
from tests.dashboard_data import TODAY, build_known_data

RECIPIENTS = ["ciso@alpha.example", "it@alpha.example", "ops@alpha.example"]


class Inbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            message = email.message_from_bytes(envelope.original_content or envelope.content)
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, message))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for r, m in self.messages if r == address]


@pytest.fixture
def smtp():
    controller_module = pytest.importorskip("aiosmtpd.controller")
    inbox = Inbox()
    from tests.live_server import free_port

    port = free_port()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def settings_for(port: int):
    from app.services.alerts.email import SmtpSettings

    return SmtpSettings(
        host="127.0.0.1",
        port=port,
        username=None,
        password=None,
        starttls=False,
        use_ssl=False,
        sender="reports@mssp.example",
        timeout=10,
        max_attempts=2,
        retry_seconds=0,
        retry_days=2,
        base_url="http://127.0.0.1:8080",
    )


@pytest.fixture
def alpha(app, db_session):
    from app.models.reports import ReportSchedule
    from app.models.team import AssignmentRole, ClientTeamAssignment

    data = build_known_data(db_session)
    manager = app.appbuilder.sm.find_user(email=ROLE_USERS["Account Manager"])
    db_session.add(
        ClientTeamAssignment(
            user_id=manager.id, client_id=data.alpha.id, assignment_role=AssignmentRole.ACCOUNT_MANAGER
        )
    )
    db_session.add(ReportSchedule(client_id=data.alpha.id, recipients=RECIPIENTS, day_of_month=3))
    db_session.commit()
    return data


def test_a_schedule_is_due_from_its_day_and_a_report_is_made_once(db_session, alpha):
    from app.services.reports.schedules import due_reports, run_batch

    assert due_reports(db_session, date(2026, 6, 2)) == []
    due = due_reports(db_session, date(2026, 6, 3))
    assert [(d.client_id, d.period.key) for d in due] == [(alpha.alpha.id, "2026-05")]
    batch = run_batch(db_session, due, "2026-05", "schedule")
    assert (batch.total, batch.done, batch.failed, batch.status.value) == (1, 1, 0, "finished")
    # A later run (or a restarted scheduler) finds nothing left to do.
    assert due_reports(db_session, date(2026, 6, 20)) == []


def test_each_recipient_gets_one_email_even_when_the_sender_dies_mid_batch(
    db_session, alpha, smtp, monkeypatch
):
    from app.models.reports import ClientReport, DeliveryStatus
    from app.services.reports import delivery
    from app.services.reports.schedules import due_reports, run_batch

    inbox, port = smtp
    run_batch(db_session, due_reports(db_session, date(2026, 6, 3)), "2026-05", "schedule")
    report = db_session.query(ClientReport).one()
    assert sorted(d.recipient for d in report.deliveries) == sorted(
        [*RECIPIENTS, ROLE_USERS["Account Manager"]]
    )

    real = delivery._deliver_with_retries
    calls = {"n": 0}

    def dies_after_the_second_send(settings, message):
        result = real(settings, message)
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("scheduler killed right after an e-mail left")
        return result

    monkeypatch.setattr(delivery, "_deliver_with_retries", dies_after_the_second_send)
    with pytest.raises(KeyboardInterrupt):
        delivery.send_due_reports(settings_for(port), db_session)
    db_session.rollback()
    monkeypatch.setattr(delivery, "_deliver_with_retries", real)
    # The restarted scheduler's run.
    outcome = delivery.send_due_reports(settings_for(port), db_session)
    again = delivery.send_due_reports(settings_for(port), db_session)
    assert (outcome.sent, again.sent) == (2, 0)
    everyone = [*RECIPIENTS, ROLE_USERS["Account Manager"]]
    assert all(len(inbox.to(address)) == 1 for address in everyone), [r for r, _ in inbox.messages]
    db_session.expire_all()
    statuses = sorted(d.status.value for d in db_session.query(ClientReport).one().deliveries)
    # The one being sent when the process died stays "sending" (visible), never sent twice.
    assert statuses == ["sending", "sent", "sent", "sent"]
    assert {d.status for d in db_session.query(ClientReport).one().deliveries} <= set(DeliveryStatus)


def test_a_failed_send_is_retried_by_a_later_run_and_its_error_is_kept(db_session, alpha, smtp):
    from app.models.reports import ClientReport, DeliveryStatus
    from app.services.reports.delivery import send_due_reports
    from app.services.reports.schedules import due_reports, run_batch

    inbox, port = smtp
    run_batch(db_session, due_reports(db_session, date(2026, 6, 3)), "2026-05", "schedule")
    nobody_listens = settings_for(1)  # connection refused
    outcome = send_due_reports(nobody_listens, db_session, now=datetime(2026, 6, 3, 8, tzinfo=UTC))
    assert outcome.failed == 1 and outcome.postponed == 3
    failed = [d for d in db_session.query(ClientReport).one().deliveries if d.status is DeliveryStatus.FAILED]
    assert len(failed) == 1 and failed[0].attempts == 2 and "Connection" in failed[0].last_error
    outcome = send_due_reports(settings_for(port), db_session, now=datetime(2026, 6, 3, 9, tzinfo=UTC))
    assert outcome.sent == 4 and len(inbox.messages) == 4
    db_session.expire_all()
    assert db_session.query(ClientReport).one().status.value == "sent"


@pytest.fixture
def alpha_over_http(app, db_connection):
    """The same world, made in app contexts of its own: the test clients keep their sessions."""
    from app.extensions import db
    from app.models.reports import ReportSchedule
    from app.models.team import AssignmentRole, ClientTeamAssignment

    with app.app_context():
        data = build_known_data(db.session)
        manager = app.appbuilder.sm.find_user(email=ROLE_USERS["Account Manager"])
        db.session.add(
            ClientTeamAssignment(
                user_id=manager.id, client_id=data.alpha.id, assignment_role=AssignmentRole.ACCOUNT_MANAGER
            )
        )
        db.session.add(
            ReportSchedule(
                client_id=data.alpha.id, recipients=RECIPIENTS, day_of_month=3, review_required=True
            )
        )
        db.session.commit()
        ids = {"alpha": data.alpha.id, "beta": data.beta.id}
        db.session.remove()
    return ids


def test_review_before_send_notes_approve_and_the_email_carries_the_report(
    app, login_as, alpha_over_http, smtp, monkeypatch
):
    from app.extensions import db
    from app.models.reports import ClientReport
    from app.services.reports.delivery import send_due_reports
    from app.services.reports.schedules import due_reports, run_batch

    inbox, port = smtp
    monkeypatch.setattr("app.views.reports.today_utc", lambda: TODAY)
    client_id = alpha_over_http["alpha"]
    with app.app_context():
        run_batch(db.session, due_reports(db.session, date(2026, 6, 3)), "2026-05", "schedule")
        report = db.session.query(ClientReport).one()
        assert report.status.value == "draft" and report.deliveries == []
        report_id = report.id
        db.session.remove()

    browser = login_as("Account Manager")
    page = browser.get(f"/clients/{client_id}/report?period=2026-05").get_data(as_text=True)
    assert 'data-status="draft"' in page and 'id="report-approve"' in page
    token = csrf_token(page)
    notes = "Quiet month; the May acknowledgement breach came from a P1 at night."
    response = browser.post(
        f"/clients/{client_id}/reports/{report_id}/approve", data={"csrf_token": token, "notes": notes}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        report = db.session.get(ClientReport, report_id)
        assert report.status.value == "approved" and report.notes == notes and len(report.deliveries) == 4
        assert send_due_reports(settings_for(port), db.session).sent == 4
        db.session.remove()
    message = inbox.to("ciso@alpha.example")[0]
    assert "May 2026" in message["Subject"] and "Alpha Test GmbH" in message["Subject"]
    body = message.get_payload()[0].get_payload(decode=True).decode()
    assert notes in body and "50.00 %" in body
    attachment = message.get_payload()[1]
    assert attachment.get_content_type() in ("application/pdf", "text/html")
    # Approved: the notes are frozen.
    again = browser.post(
        f"/clients/{client_id}/reports/{report_id}/notes", data={"csrf_token": token, "notes": "x"}
    )
    assert again.status_code == 409


def test_an_account_manager_finds_only_their_clients_reports_in_the_archive(app, login_as, alpha_over_http):
    from app.extensions import db
    from app.services.reports.archive import generate_report
    from app.services.reports.period import ReportPeriod

    with app.app_context():
        for client_id in alpha_over_http.values():
            generate_report(
                db.session, client_id, ReportPeriod.parse("2026-05"), review=True, with_file=False
            )
        db.session.commit()
        db.session.remove()
    mine = login_as("Account Manager").get("/clientreportarchiveview/list/").get_data(as_text=True)
    assert "Alpha Test GmbH" in mine and "Beta Test Inc" not in mine
    everyone = login_as("Manager").get("/clientreportarchiveview/list/").get_data(as_text=True)
    assert "Alpha Test GmbH" in everyone and "Beta Test Inc" in everyone
    other = login_as("Account Manager").get(f"/clients/{alpha_over_http['beta']}/report?period=2026-05")
    assert other.status_code == 403
