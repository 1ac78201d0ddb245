"""The audit_event table: append-only in the database, filled from the request."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.models.audit import AuditEvent, AuditSource
from app.services.audit.recording import record_event
from tests.conftest import ROLE_USERS


@pytest.fixture
def event(db_session) -> AuditEvent:
    recorded = record_event("something_happened", entity_type="client", entity_id=42, changes={"a": 1})
    db_session.commit()
    return recorded


def refused(db_session, statement: str, **params) -> str:
    savepoint = db_session.begin_nested()
    with pytest.raises(DBAPIError) as raised:
        db_session.execute(text(statement), params)
        db_session.flush()
    savepoint.rollback()
    return str(raised.value.orig)


def test_an_event_outside_a_request_is_a_job_event(event):
    assert event.source is AuditSource.JOB
    assert event.ip is None and event.request_id is None and event.actor_user_id is None
    assert event.entity_id == "42" and event.occurred_at is not None


def test_events_cannot_be_updated_deleted_or_truncated(db_session, event):
    message = refused(db_session, "UPDATE audit_event SET action = 'nothing' WHERE id = :id", id=event.id)
    assert "audit_event is append-only: UPDATE refused" in message
    message = refused(db_session, "DELETE FROM audit_event WHERE id = :id", id=event.id)
    assert "audit_event is append-only: DELETE refused" in message
    message = refused(db_session, "TRUNCATE audit_event")
    assert "append-only" in message
    assert db_session.get(AuditEvent, event.id) is not None


def test_the_archive_setting_allows_deletes_only(db_session, event):
    db_session.execute(text("SET LOCAL mssp.audit_archive = 'on'"))
    assert "UPDATE refused" in refused(
        db_session, "UPDATE audit_event SET action = 'nothing' WHERE id = :id", id=event.id
    )
    db_session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": event.id})
    db_session.execute(text("SET LOCAL mssp.audit_archive = 'off'"))


def test_deleting_a_user_keeps_their_events_with_the_email(app, db_session):
    sm = app.appbuilder.sm
    user = sm.find_user(email=ROLE_USERS["Engineer"])
    recorded = record_event("something_happened", user=user)
    db_session.commit()
    db_session.delete(user)
    db_session.commit()
    db_session.expire_all()
    kept = db_session.get(AuditEvent, recorded.id)
    assert kept.actor_user_id is None
    assert kept.actor_email == ROLE_USERS["Engineer"]


def test_an_event_inside_a_request_names_ip_request_and_source(app, db_session):
    with app.test_request_context(
        "/api/v1/anything", headers={"X-Request-ID": "req-1"}, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    ):
        recorded = record_event("something_happened")
    db_session.commit()
    assert (recorded.source, recorded.ip, recorded.request_id) == (AuditSource.API, "10.1.2.3", "req-1")
