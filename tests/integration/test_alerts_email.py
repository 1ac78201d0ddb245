"""E-mail digests against a local SMTP server on 127.0.0.1: one per person per day, retried, recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models.alerts import AlertEmailDigest, DigestStatus
from app.services.alerts.evaluation import run_alerts
from tests.factories import make_contract, make_user, owned_client
from tests.integration.alerts_support import TODAY, FakeSmtpServer, smtp_config, unused_port


@pytest.fixture
def smtp(app, monkeypatch) -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer()
    use_smtp(app, monkeypatch, server.port)
    yield server
    server.close()


def use_smtp(app, monkeypatch, port: int) -> None:
    for key, value in smtp_config(port).items():
        monkeypatch.setitem(app.config, key, value)


def contract_for(session, owner, end_in: int, renew_in: int | None = None):
    renewal = TODAY + timedelta(renew_in) if renew_in is not None else None
    return make_contract(
        session, owned_client(session, owner), start_date=date(2029, 6, 1),
        end_date=TODAY + timedelta(end_in), renewal_date=renewal,
    )


def digests_of(session, user) -> list[AlertEmailDigest]:
    return list(session.scalars(
        select(AlertEmailDigest)
        .where(AlertEmailDigest.user_id == user.id)
        .order_by(AlertEmailDigest.digest_date)
        .execution_options(populate_existing=True)
    ))


def bodies(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_one_digest_per_person_per_day_with_plain_text_html_and_links(db_session, smtp):
    owner, other = make_user(db_session, "Account Manager"), make_user(db_session, "Account Manager")
    contract = contract_for(db_session, owner, end_in=30, renew_in=7)
    contract_for(db_session, other, end_in=60)
    report = run_alerts(TODAY, session=db_session)
    assert (report.digests_sent, report.digests_failed) == (2, 0)
    assert "2 digest(s) sent, 0 failed" in str(report)
    (message,) = smtp.to(owner.email)
    assert message["Subject"] == f"2 alert(s) for {TODAY:%d %b %Y} — MSSP Client Management"
    assert message["From"] == "alerts@mssp.test" and message["To"] == owner.email
    plain, html = bodies(message)
    link = f"https://mssp.test/contractview/show/{contract.id}"
    assert "[Contract renewal]" in plain and "[Contract end]" in plain and link in plain
    assert f'<a href="{link}">' in html and "All your alerts" in html
    assert len(smtp.to(other.email)) == 1
    (digest,) = digests_of(db_session, owner)
    assert (digest.status, digest.attempts, digest.digest_date) == (DigestStatus.SENT, 1, TODAY)
    again = run_alerts(TODAY, session=db_session)
    assert again.digests_sent == 0 and len(smtp.messages) == 2


def test_alerts_fired_after_todays_digest_wait_for_tomorrows(db_session, smtp):
    owner = make_user(db_session, "Account Manager")
    contract_for(db_session, owner, end_in=30)
    run_alerts(TODAY, session=db_session)
    contract_for(db_session, owner, end_in=60)
    run_alerts(TODAY, session=db_session)  # a second run the same day fires a new alert
    assert len(smtp.to(owner.email)) == 1
    run_alerts(TODAY + timedelta(days=1), session=db_session)
    first, second = smtp.to(owner.email)
    assert first["Subject"].startswith("1 alert(s)") and second["Subject"].startswith("1 alert(s)")
    assert [d.digest_date for d in digests_of(db_session, owner)] == [TODAY, TODAY + timedelta(1)]


def test_a_temporary_failure_is_retried_and_the_attempts_recorded(db_session, smtp):
    smtp.fail_first = 1
    owner = make_user(db_session, "Account Manager")
    contract_for(db_session, owner, end_in=7)
    report = run_alerts(TODAY, session=db_session)
    assert report.digests_sent == 1 and smtp.attempts == 2
    (digest,) = digests_of(db_session, owner)
    assert (digest.status, digest.attempts, digest.last_error) == (DigestStatus.SENT, 2, None)


def test_a_digest_that_keeps_failing_is_recorded_and_retried_by_the_next_run(db_session, smtp):
    smtp.fail_first = 3  # every attempt of this run
    owner = make_user(db_session, "Account Manager")
    contract_for(db_session, owner, end_in=7)
    report = run_alerts(TODAY, session=db_session)
    assert (report.digests_sent, report.digests_failed) == (0, 1)
    (digest,) = digests_of(db_session, owner)
    assert (digest.status, digest.attempts) == (DigestStatus.FAILED, 3)
    assert "451" in digest.last_error and digest.sent_at is None
    run_alerts(TODAY + timedelta(days=1), session=db_session)
    (digest,) = digests_of(db_session, owner)
    assert (digest.status, digest.attempts, digest.last_error) == (DigestStatus.SENT, 4, None)
    (message,) = smtp.to(owner.email)
    assert f"alert(s) for {TODAY:%d %b %Y}" in message["Subject"]


def test_an_unreachable_server_never_blocks_the_job_and_the_digests_wait(db_session, app, monkeypatch):
    use_smtp(app, monkeypatch, unused_port())
    first, second = make_user(db_session, "Account Manager"), make_user(db_session, "Account Manager")
    contract_for(db_session, first, end_in=7)
    contract_for(db_session, second, end_in=30)
    report = run_alerts(TODAY, session=db_session)
    assert len(report.fired) == 2 and (report.digests_sent, report.digests_failed) == (0, 1)
    statuses = sorted(d.status.value for user in (first, second) for d in digests_of(db_session, user))
    assert statuses == ["failed", "pending"]  # the run stopped trying after the first one
    failed = next(d for user in (first, second) for d in digests_of(db_session, user) if d.last_error)
    assert "ConnectionRefusedError" in failed.last_error
    server = FakeSmtpServer()
    try:
        use_smtp(app, monkeypatch, server.port)
        assert run_alerts(TODAY + timedelta(days=1), session=db_session).digests_sent == 2
        assert len(server.to(first.email)) == len(server.to(second.email)) == 1
    finally:
        server.close()


def test_no_smtp_host_means_no_email_and_no_digest(db_session, app, monkeypatch):
    monkeypatch.setitem(app.config, "MSSP_SMTP_HOST", None)
    owner = make_user(db_session, "Account Manager")
    contract_for(db_session, owner, end_in=7)
    report = run_alerts(TODAY, session=db_session)
    assert report.email_enabled is False and len(report.fired) == 1
    assert digests_of(db_session, owner) == []


def test_read_or_resolved_alerts_are_not_mailed(db_session, smtp):
    from app.services.alerts.inbox import inbox, mark_read

    owner = make_user(db_session, "Account Manager")
    contract_for(db_session, owner, end_in=30, renew_in=7)
    run_alerts(TODAY, send_email=False, session=db_session)
    first = inbox(owner.id, session=db_session).items[0]
    mark_read(owner.id, first.copy_id, session=db_session)
    run_alerts(TODAY, session=db_session)
    (message,) = smtp.to(owner.email)
    assert message["Subject"].startswith("1 alert(s)")
    assert first.alert.title not in bodies(message)[0]
