"""Records the sync tests run against: sources with encrypted secrets, queries, client mappings
(clients and services: tests/factories.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.clients import Client
from app.models.integrations import AuthType, DataSourceQuery, ExternalDataSource, QueryTarget, SourceType
from app.models.sync import ClientSourceMapping, SyncRun
from app.services.sync.data_sources import set_credentials
from tests.fakes import grafana, jira

TICKET_MAPPINGS = {
    "external_key": "$.key",
    "summary": "$.fields.summary",
    "status": "$.fields.status.name",
    "priority": "$.fields.priority.name",
    "opened_at": "$.fields.created",
    "resolved_at": "$.fields.resolutiondate",
    "client": "$.fields.project.key",
}

FRAME_MAPPINGS = {
    "client": "$.schema.fields[1].labels.client",
    "timestamp": "$.data.values[0][*]",
    "value": "$.data.values[1][*]",
    "metric_name": "endpoints_online_pct",
    "service": "Managed EDR",
    "unit": "percent",
}

MATRIX_MAPPINGS = {
    "client": "$.metric.client",
    "timestamp": "$.values[*][0]",
    "value": "$.values[*][1]",
    "metric_name": "endpoints_online_pct",
    "service": "Managed EDR",
}


def make_source(
    session: Session,
    base_url: str,
    source_type: SourceType,
    auth_type: AuthType,
    config: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
    name: str | None = None,
    timeout: int = 5,
) -> ExternalDataSource:
    source = ExternalDataSource(
        name=name or f"{source_type.value} at {base_url}",
        source_type=source_type,
        base_url=base_url,
        auth_type=auth_type,
        config=config or {},
        timeout_seconds=timeout,
    )
    set_credentials(source, secrets or {})
    session.add(source)
    session.flush()
    return source


def jira_cloud_source(session: Session, url: str, **kw: Any) -> ExternalDataSource:
    config = {"username": jira.EMAIL, "deployment": "cloud", **kw.pop("config", {})}
    secrets = kw.pop("secrets", {"password": jira.API_TOKEN})
    return make_source(session, url, SourceType.JIRA, AuthType.BASIC, config, secrets, **kw)


def jira_dc_source(session: Session, url: str, **kw: Any) -> ExternalDataSource:
    config = {"deployment": "data_center", **kw.pop("config", {})}
    return make_source(session, url, SourceType.JIRA, AuthType.BEARER, config, {"token": jira.PAT}, **kw)


def grafana_source(session: Session, url: str, **kw: Any) -> ExternalDataSource:
    config = {"datasource_uid": grafana.DATASOURCE_UID, "step_seconds": 60, **kw.pop("config", {})}
    secrets = kw.pop("secrets", {"token": grafana.SA_TOKEN})
    return make_source(session, url, SourceType.GRAFANA, AuthType.BEARER, config, secrets, **kw)


def make_query(session: Session, source: ExternalDataSource, **kw: Any) -> DataSourceQuery:
    defaults: dict[str, Any] = {
        "name": "query",
        "endpoint": "/rest/api/3/search/jql",
        "query_template": "project in (ACME, GLOBEX) AND updated >= {since}",
        "jsonpath_mappings": TICKET_MAPPINGS,
        "target": QueryTarget.TICKET_SUMMARY,
        "schedule_interval_minutes": 15,
    }
    query = DataSourceQuery(data_source=source, **{**defaults, **kw})
    session.add(query)
    session.flush()
    return query


def map_client(session: Session, source: ExternalDataSource, client: Client, key: str) -> ClientSourceMapping:
    mapping = ClientSourceMapping(data_source_id=source.id, client_id=client.id, external_key=key)
    session.add(mapping)
    session.flush()
    return mapping


def runs_of(session: Session, query: DataSourceQuery) -> list[SyncRun]:
    return list(
        session.scalars(select(SyncRun).where(SyncRun.query_id == query.id).order_by(SyncRun.started_at))
    )
