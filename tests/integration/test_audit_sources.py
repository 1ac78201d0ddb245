"""Changes made by a scheduled job and by a `flask mssp` command are attributed to them;
the archive command moves old rows to a compressed file and leaves a record of itself."""

from __future__ import annotations

import datetime as dt
import getpass
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models.audit import AuditEvent, AuditOperation, AuditSource
from app.models.contracts import Contract, ContractStatus
from app.services.audit.archive import read_archive
from tests.factories import make_client


def rows_of(session, entity_type: str, entity_id) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.occurred_at)
        )
    )


def test_a_scheduled_jobs_changes_are_attributed_to_the_job(app, db_session):
    from app.jobs.scheduler import execute_job
    from app.jobs.tasks import roll_over
    from app.models.sync import JobRunStatus

    today = date.today()
    overdue = Contract(
        client=make_client(db_session),
        contract_name=f"Overdue {uuid.uuid4().hex[:6]}",
        start_date=today - timedelta(days=400),
        end_date=today - timedelta(days=1),
        value=Decimal("1000"),
        status=ContractStatus.ACTIVE,
    )
    db_session.add(overdue)
    db_session.commit()
    assert execute_job(app, "contract_roll_over", roll_over) is JobRunStatus.SUCCESS
    expired = rows_of(db_session, "contract", overdue.id)[-1]
    assert expired.operation is AuditOperation.UPDATE and expired.action == "expire"
    assert expired.source is AuditSource.JOB
    assert expired.actor_email == "job:contract_roll_over" and expired.actor_user_id is None
    assert expired.request_id.startswith("job-") and expired.ip is None
    assert expired.changes == {"status": {"old": "active", "new": "expired"}}


def run_cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["mssp", *args])


def test_a_commands_changes_are_attributed_to_the_command(app, db_connection):
    from app.extensions import db

    email = f"cli-{uuid.uuid4().hex[:6]}@audit.example"
    result = run_cli(app, "init", "--admin-email", email, "--admin-password", "a long enough passphrase")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = app.appbuilder.sm.find_user(email=email)
        [created] = [e for e in rows_of(db.session, "user", user.id) if e.operation is AuditOperation.CREATE]
        assert created.source is AuditSource.CLI
        assert created.actor_email == f"cli:{getpass.getuser()}"
        assert created.request_id.startswith("cli-")
        assert created.changes["email"] == {"old": None, "new": email}
        assert created.changes["password"]["masked"] is True
        db.session.remove()


def add_event(session, action: str, age: dt.timedelta) -> AuditEvent:
    event = AuditEvent(
        action=action,
        source=AuditSource.JOB,
        occurred_at=dt.datetime.now(dt.UTC) - age,
        entity_type="client",
        entity_id=str(uuid.uuid4()),
        changes={"n": {"old": 1, "new": 2}},
    )
    session.add(event)
    return event


def test_the_archive_writes_old_rows_to_a_gzip_file_and_removes_them(app, db_session, tmp_path):
    tag = uuid.uuid4().hex[:8]
    old = [add_event(db_session, f"old_{tag}", timedelta(days=400 + i)) for i in range(5)]
    recent = add_event(db_session, f"recent_{tag}", timedelta(days=2))
    db_session.commit()
    old_ids, recent_id = {str(e.id) for e in old}, recent.id
    before = db_session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.occurred_at < dt.datetime.now(dt.UTC) - timedelta(days=365))
    )
    output = tmp_path / "archive.jsonl.gz"

    result = run_cli(
        app, "audit-archive", "--older-than", "365", "--output", str(output), "--batch-size", "2"
    )
    assert result.exit_code == 0, result.output
    assert f"archived {before} audit row(s)" in result.output

    archived = list(read_archive(output))
    assert len(archived) == before
    assert {row["id"] for row in archived} >= old_ids
    mine = [row for row in archived if row["action"] == f"old_{tag}"]
    assert mine[0]["changes"] == {"n": {"old": 1, "new": 2}} and mine[0]["source"] == "job"
    assert [row["occurred_at"] for row in archived] == sorted(row["occurred_at"] for row in archived)

    db_session.expire_all()
    assert (
        db_session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == f"old_{tag}")
        )
        == 0
    )
    assert db_session.get(AuditEvent, recent_id) is not None
    [record] = db_session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "audit_archived")
        .order_by(AuditEvent.occurred_at.desc())
    ).all()[:1]
    assert record.source is AuditSource.CLI and record.changes["rows"] == before
    assert record.changes["file"] == "archive.jsonl.gz" and len(record.changes["sha256"]) == 64


def test_the_archive_refuses_to_remove_recent_rows_or_overwrite_a_file(app, db_connection, tmp_path):
    result = run_cli(app, "audit-archive", "--older-than", "0", "--output", str(tmp_path / "a.jsonl.gz"))
    assert result.exit_code != 0 and "at least 1 day" in result.output
    existing = tmp_path / "b.jsonl.gz"
    existing.write_bytes(b"keep me")
    result = run_cli(app, "audit-archive", "--older-than", "30", "--output", str(existing))
    assert result.exit_code != 0 and "never overwritten" in result.output
    assert existing.read_bytes() == b"keep me"


def test_nothing_old_enough_writes_no_file(app, db_connection, tmp_path):
    output = tmp_path / "none.jsonl.gz"
    result = run_cli(app, "audit-archive", "--older-than", "36500", "--output", str(output))
    assert result.exit_code == 0 and "no audit rows older than" in result.output
    assert not output.exists()


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"])
def test_outside_the_archive_the_database_still_refuses(db_session, statement):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    add_event(db_session, "guarded", timedelta(days=1))
    db_session.commit()
    savepoint = db_session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text(statement))
    savepoint.rollback()
