"""Metric points reference their client and service through triggers (migration 0012), not
foreign keys: the same guarantees, for every writer, including two transactions racing."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from app.models.catalog import Service
from app.models.clients import Client
from app.models.metrics import ServicePerformanceMetric
from app.services.sync.ingestion import MetricPoint, upsert_service_metrics
from app.web.db_errors import refusal_for
from tests.factories import make_client, make_service

pytestmark = pytest.mark.migrations

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
CLIENT_FK = "fk_service_performance_metrics_client_id_clients"
SERVICE_FK = "fk_service_performance_metrics_service_id_services"
INSERT_POINT = (
    "INSERT INTO service_performance_metrics (client_id, service_id, metric_name, timestamp, value) "
    "VALUES (:client, :service, 'm', :at, 1.0)"
)


def refused(session: Session, constraint: str, sql: str, **params) -> IntegrityError:
    with pytest.raises(IntegrityError) as failure, session.begin_nested():
        session.execute(text(sql), params)
    assert failure.value.orig.diag.constraint_name == constraint, failure.value.orig
    return failure.value


def test_a_point_for_a_missing_client_or_service_is_refused_whoever_writes_it(db_session):
    client, service = make_client(db_session, "Acme Corp"), make_service(db_session)
    missing = uuid.uuid4()
    error = refused(db_session, CLIENT_FK, INSERT_POINT, client=missing, service=service.id, at=T0)
    assert f"Key (client_id)=({missing}) is not present" in str(error.orig)
    refused(db_session, SERVICE_FK, INSERT_POINT, client=client.id, service=missing, at=T0)
    assert refusal_for(error).message == "The selected client does not exist."

    # A bulk run with one bad point among good ones stores none of them.
    points = [MetricPoint(client.id, service.id, "m", T0 + timedelta(minutes=n), 1.0) for n in range(5)]
    with pytest.raises(psycopg2.errors.ForeignKeyViolation), db_session.begin_nested():
        upsert_service_metrics(db_session, [*points, points[0]._replace(client_id=missing, metric_name="x")])
    assert db_session.scalar(select(func.count()).select_from(ServicePerformanceMetric)) == 0

    # Moving a stored point onto a missing service is refused too.
    upsert_service_metrics(db_session, points)
    refused(db_session, SERVICE_FK, "UPDATE service_performance_metrics SET service_id = :s", s=missing)


def test_a_client_or_service_with_history_cannot_be_deleted_and_the_message_says_why(db_session):
    client, service = make_client(db_session, "Acme Corp"), make_service(db_session)
    upsert_service_metrics(db_session, [MetricPoint(client.id, service.id, "m", T0, 1.0)])
    error = refused(db_session, CLIENT_FK, "DELETE FROM clients WHERE id = :id", id=client.id)
    assert refusal_for(error, db_session).message.startswith(
        "Cannot delete: still referenced by 1 service performance metric."
    )
    refused(db_session, SERVICE_FK, "DELETE FROM services WHERE id = :id", id=service.id)
    moved = uuid.uuid4()
    refused(db_session, CLIENT_FK, "UPDATE clients SET id = :new WHERE id = :id", new=moved, id=client.id)
    db_session.execute(text("UPDATE clients SET company_name = 'Acme Ltd' WHERE id = :id"), {"id": client.id})

    # Without history they go as before.
    db_session.execute(delete(ServicePerformanceMetric))
    db_session.execute(delete(Client).where(Client.id == client.id))
    db_session.execute(delete(Service).where(Service.id == service.id))


# --- racing a delete, real transactions ------------------------------------------------------------


@pytest.fixture
def committed(app):
    """A committed client and service (threads use their own connections), removed afterwards."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    with Session(engine) as setup:
        client, service = make_client(setup, f"Race {uuid.uuid4().hex[:8]}"), make_service(setup)
        setup.commit()
        ids = {"engine": engine, "client": client.id, "service": service.id}
    yield ids
    with Session(engine) as cleanup:
        points = ServicePerformanceMetric.client_id == ids["client"]
        cleanup.execute(delete(ServicePerformanceMetric).where(points))
        cleanup.execute(delete(Client).where(Client.id == ids["client"]))
        cleanup.execute(delete(Service).where(Service.id == ids["service"]))
        cleanup.commit()


def in_thread(action) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(action())
        except BaseException as error:  # surfaced by the test: a thread's exception is otherwise lost
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_delete_waits_for_an_ingesting_run_and_then_is_refused(committed):
    engine, client_id = committed["engine"], committed["client"]
    with Session(engine) as run:
        upsert_service_metrics(run, [MetricPoint(client_id, committed["service"], "m", T0, 1.0)])

        def delete_client() -> None:
            with Session(engine) as other:
                other.execute(delete(Client).where(Client.id == client_id))
                other.commit()

        thread, outcome = in_thread(delete_client)
        time.sleep(0.5)
        assert thread.is_alive(), outcome  # blocked on the run's lock of the client
        run.commit()
    thread.join(timeout=30)
    assert isinstance(outcome[0], IntegrityError) and CLIENT_FK in str(outcome[0])
    with Session(engine) as check:
        assert check.get(Client, client_id) is not None


def test_a_run_waits_for_a_delete_and_then_is_refused(committed):
    engine, client_id = committed["engine"], committed["client"]
    with Session(engine) as deleting:
        deleting.execute(delete(Client).where(Client.id == client_id))

        def ingest() -> None:
            with Session(engine) as run:
                upsert_service_metrics(run, [MetricPoint(client_id, committed["service"], "m", T0, 1.0)])
                run.commit()

        thread, outcome = in_thread(ingest)
        time.sleep(0.5)
        assert thread.is_alive(), outcome  # blocked on the delete's lock of the client
        deleting.commit()
    thread.join(timeout=30)
    assert isinstance(outcome[0], psycopg2.errors.ForeignKeyViolation) and CLIENT_FK in str(outcome[0])
    with Session(engine) as check:
        orphans = select(func.count()).where(ServicePerformanceMetric.client_id == client_id)
        assert check.scalar(orphans) == 0


def test_a_delete_under_repeatable_read_is_refused_rather_than_risk_an_orphan(committed):
    # Its snapshot could not see points a run committed after it began.
    repeatable = committed["engine"].connect().execution_options(isolation_level="REPEATABLE READ")
    with repeatable as conn, pytest.raises(DBAPIError, match="needs READ COMMITTED"):
        conn.execute(delete(Client).where(Client.id == committed["client"]))
