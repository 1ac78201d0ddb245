"""The daily job in the scheduler's declarative list, and `flask mssp alerts run [--dry-run]`."""

from __future__ import annotations

from datetime import date, timedelta

from app.jobs.definitions import JOBS
from app.jobs.scheduler import execute_job, resolve
from app.models.alerts import AlertKind
from app.models.sync import JobRunStatus
from app.services.alerts.evaluation import alerts_job
from tests.factories import make_contract, make_user, owned_client
from tests.integration.alerts_support import TODAY, alerts_of, at


def test_the_alerts_job_is_declared_daily():
    (spec,) = [job for job in JOBS if job.id == "alerts"]
    assert resolve(spec.func) is alerts_job
    assert spec.trigger == "cron" and set(spec.trigger_args) == {"hour", "minute"}


def test_the_job_evaluates_the_day_it_runs_and_reports_one_line(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "MSSP_SMTP_HOST", None)
    contract = make_contract(
        db_session, owned_client(db_session), start_date=date(2029, 6, 1), end_date=TODAY + timedelta(7)
    )

    class Context:
        now = at(TODAY)

    assert alerts_job(Context()) == f"1 alert(s) fired, 0 resolved on {TODAY}"
    assert [a.kind for a in alerts_of(db_session, contract.id)] == [AlertKind.CONTRACT_END]


def test_the_scheduler_runs_it_like_any_job(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "MSSP_SMTP_HOST", None)
    assert execute_job(app, "alerts", alerts_job) is JobRunStatus.SUCCESS


def run_cli(app, *args):
    return app.test_cli_runner().invoke(args=["mssp", "alerts", "run", *args])


def test_cli_dry_run_lists_what_would_fire_and_to_whom(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "MSSP_SMTP_HOST", None)
    owner = make_user(db_session, "Account Manager")
    contract = make_contract(
        db_session, owned_client(db_session, owner), start_date=date(2029, 6, 1),
        end_date=TODAY + timedelta(30), contract_name="Dry run contract",
    )
    result = run_cli(app, "--dry-run", "--date", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "[Contract end] Contract Dry run contract of" in result.output
    assert f"-> {owner.email}" in result.output
    assert f"1 alert(s) would fire, 0 resolved on {TODAY}" in result.output
    assert alerts_of(db_session, contract.id) == []
    result = run_cli(app, "--date", TODAY.isoformat(), "--no-email")
    assert result.exit_code == 0 and "1 alert(s) fired" in result.output
    assert len(alerts_of(db_session, contract.id)) == 1


def test_cli_refuses_a_malformed_date(app, db_connection):
    result = run_cli(app, "--date", "tomorrow")
    assert result.exit_code != 0 and "tomorrow" in result.output
