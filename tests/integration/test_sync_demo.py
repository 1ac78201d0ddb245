"""The demo's sources and client keys, pointed at the fake Jira and Grafana, sync every record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.demo.context import slug
from app.demo.seed import seed_demo_data
from app.models import import_all_models
from app.models.clients import Client, ClientStatus
from app.models.integrations import DataSourceQuery, ExternalDataSource
from app.models.metrics import ServicePerformanceMetric, TicketSummary
from app.models.sync import SyncRunStatus
from app.services.sync.data_sources import set_credentials
from app.services.sync.runs import run_query
from tests.fakes import grafana, jira

pytestmark = pytest.mark.usefixtures("encryption_key")
pytest_plugins = ("tests.fakes.fixtures",)


@pytest.fixture
def demo(app, db_session) -> list[Client]:
    """The demo data set; returns three of its clients that are under contract."""
    import_all_models()
    seed_demo_data(app.appbuilder)
    return list(
        db_session.scalars(
            select(Client).where(Client.status == ClientStatus.ACTIVE).order_by(Client.company_name).limit(3)
        )
    )


def demo_query(
    db_session, source_name: str, base_url: str, secrets: dict[str, str], endpoint: str | None = None
) -> DataSourceQuery:
    """The demo query of that source (the one on `endpoint`, if given), its source pointed at a
    fake server and switched on."""
    source = db_session.scalar(select(ExternalDataSource).where(ExternalDataSource.name == source_name))
    source.base_url, source.is_active = base_url, True
    set_credentials(source, secrets)
    queries = select(DataSourceQuery).where(DataSourceQuery.data_source_id == source.id)
    if endpoint is not None:
        queries = queries.where(DataSourceQuery.endpoint.endswith(endpoint))
    query = db_session.scalars(queries.order_by(DataSourceQuery.name)).first()
    query.is_active = True
    db_session.flush()
    return query


def test_the_demo_jira_query_searches_cloud_and_maps_every_ticket(db_session, fake_jira, demo):
    fake_jira.issues = [
        jira.make_issue(f"SOC-{n}", f"Alert {n}", customfield_10050={"value": client.company_name})
        for n, client in enumerate(demo, start=1)
    ]
    query = demo_query(db_session, "SOC Jira", fake_jira.url, {"password": jira.API_TOKEN})
    source = query.data_source
    source.config = {**source.config, "username": jira.EMAIL}

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert (run.records_fetched, run.rows_inserted, run.rows_skipped) == (3, 3, 0)
    assert [c.method for c in fake_jira.requests_to("/rest/api/3/search/jql")] == ["POST"]
    synced = db_session.scalars(select(TicketSummary).where(TicketSummary.external_key.like("SOC-_")))
    assert {(t.external_key, t.client_id) for t in synced} == {
        (f"SOC-{n}", client.id) for n, client in enumerate(demo, start=1)
    }


def test_the_demo_grafana_query_maps_every_client_label(db_session, fake_grafana, demo):
    # Half past: the demo's own points are on the hour, so these are new ones.
    moment = datetime.now(UTC).replace(minute=30, second=0, microsecond=0) - timedelta(hours=1)
    fake_grafana.series = {slug(client.company_name): [(int(moment.timestamp()), 97.5)] for client in demo}
    query = demo_query(
        db_session, "SOC Grafana", fake_grafana.url, {"token": grafana.SA_TOKEN}, "/api/ds/query"
    )

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert (run.rows_inserted, run.rows_skipped) == (3, 0)
    stored = db_session.execute(
        select(ServicePerformanceMetric.client_id, ServicePerformanceMetric.value).where(
            ServicePerformanceMetric.timestamp == moment
        )
    ).all()
    assert sorted(stored) == sorted((client.id, 97.5) for client in demo)


def test_the_demo_prometheus_proxy_query_keeps_each_severity_apart(db_session, fake_grafana, demo):
    moment = int(datetime.now(UTC).timestamp()) // 60 * 60 - 30 * 60
    fake_grafana.datasource_uid = "prometheus-soc"  # the demo source's data source
    fake_grafana.series = [
        grafana.Series(None, {"client": slug(client.company_name), "severity": severity}, [(moment, value)])
        for client in demo
        for severity, value in (("high", 2.0), ("low", 9.0))
    ]
    query = demo_query(
        db_session, "SOC Grafana", fake_grafana.url, {"token": grafana.SA_TOKEN}, "/api/v1/query_range"
    )

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert (run.records_fetched, run.rows_inserted, run.rows_skipped) == (6, 6, 0)
    stored = db_session.execute(
        select(
            ServicePerformanceMetric.client_id,
            ServicePerformanceMetric.metric_name,
            ServicePerformanceMetric.labels,
            ServicePerformanceMetric.value,
        ).where(ServicePerformanceMetric.timestamp == datetime.fromtimestamp(moment, UTC))
    ).all()
    assert sorted(stored, key=str) == sorted(
        (
            (
                client.id,
                "detections_per_minute",
                {"client": slug(client.company_name), "severity": sev},
                value,
            )
            for client in demo
            for sev, value in (("high", 2.0), ("low", 9.0))
        ),
        key=str,
    )
