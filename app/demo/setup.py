"""Demo configuration: custom field definitions and the external data sources with their queries."""

from __future__ import annotations

from sqlalchemy import select

from app.demo.catalog import DEMO_CUSTOM_FIELDS
from app.demo.context import DemoContext, slug
from app.integrations.jira import CLOUD_SEARCH
from app.models.clients import ClientStatus
from app.models.custom_fields import CustomFieldDefinition
from app.models.integrations import AuthType, DataSourceQuery, ExternalDataSource, QueryTarget, SourceType
from app.models.sync import ClientSourceMapping

SUPPORT_TIERS = ("bronze", "silver", "gold", "platinum")


def add_custom_fields(ctx: DemoContext) -> None:
    """The demo definitions (those already defined are left alone) and values for them."""
    existing = set(ctx.session.execute(select(CustomFieldDefinition.entity_type, CustomFieldDefinition.name)))
    for order, spec in enumerate(DEMO_CUSTOM_FIELDS, start=1):
        if (spec.entity_type, spec.name) in existing:
            continue
        ctx.add(
            "custom_field_definitions",
            CustomFieldDefinition(
                entity_type=spec.entity_type,
                name=spec.name,
                label=spec.label,
                field_type=spec.field_type,
                select_options=list(spec.select_options) if spec.select_options else None,
                validation_regex=spec.validation_regex,
                help_text=spec.help_text,
                group_name=spec.group_name,
                show_in_list=spec.show_in_list,
                is_filterable=spec.is_filterable,
                display_order=order * 10,
            ),
        )
    for client in ctx.clients:
        if client.status is ClientStatus.ACTIVE:
            client.custom_field_data = {
                "support_tier": ctx.rng.choice(SUPPORT_TIERS),
                "soc_escalation_phone": client.contact_phone,
            }


def add_data_sources(ctx: DemoContext) -> None:
    """A Jira and a Grafana source with their queries and every client's keys, inactive.

    Grafana has two: `/api/ds/query` frames, and Prometheus through Grafana's proxy with
    label-based series.

    Inactive because their demo hosts do not exist; pointed at a real Jira Cloud and
    Grafana whose tickets carry the client in a select field and whose series carry a
    `client` label, a sync maps every record to a demo client.
    """
    if ctx.session.scalar(select(ExternalDataSource.id).where(ExternalDataSource.name == "SOC Jira")):
        return
    jira = ctx.add(
        "data_sources",
        ExternalDataSource(
            name="SOC Jira",
            source_type=SourceType.JIRA,
            base_url="https://jira.mssp.example",
            auth_type=AuthType.BASIC,
            encrypted_credentials=None,
            is_active=False,
            config={"username": "svc-mssp-sync@mssp.example", "project_keys": ["SOC"]},
        ),
    )
    grafana = ctx.add(
        "data_sources",
        ExternalDataSource(
            name="SOC Grafana",
            source_type=SourceType.GRAFANA,
            base_url="https://grafana.mssp.example",
            auth_type=AuthType.BEARER,
            encrypted_credentials=None,
            is_active=False,
            config={"org_id": 1, "datasource_uid": "prometheus-soc"},
            timeout_seconds=20,
        ),
    )
    ctx.add(
        "data_source_queries",
        DataSourceQuery(
            data_source=jira,
            name="SOC tickets updated since the last sync",
            # Cloud's search (token pages); /rest/api/3/search was removed and answers 410.
            endpoint=CLOUD_SEARCH,
            query_template="project = SOC AND updated >= {since} ORDER BY updated DESC",
            jsonpath_mappings={
                "rows": "$.issues[*]",
                "external_key": "$.key",
                "summary": "$.fields.summary",
                "status": "$.fields.status.name",
                "priority": "$.fields.priority.name",
                "opened_at": "$.fields.created",
                "resolved_at": "$.fields.resolutiondate",
                "client": "$.fields.customfield_10050.value",
            },
            target=QueryTarget.TICKET_SUMMARY,
            schedule_interval_minutes=15,
            is_active=False,
        ),
    )
    ctx.add(
        "data_source_queries",
        DataSourceQuery(
            data_source=grafana,
            name="EDR endpoints online",
            endpoint="/api/ds/query",
            query_template='avg by (client) (edr_endpoints_online_ratio{env="prod"}) * 100',
            jsonpath_mappings={
                "rows": "$.results.A.frames[*]",
                "client": "$.schema.fields[1].labels.client",
                "timestamp": "$.data.values[0][*]",
                "value": "$.data.values[1][*]",
                "metric_name": "endpoints_online_pct",
                "service": "Managed EDR",
            },
            target=QueryTarget.SERVICE_PERFORMANCE_METRIC,
            schedule_cron="0 * * * *",
            is_active=False,
        ),
    )
    ctx.add(
        "data_source_queries",
        DataSourceQuery(
            data_source=grafana,
            name="SOC detections by severity (Prometheus through Grafana)",
            # Prometheus's own query_range through Grafana's data source proxy: one series
            # per client and severity, told apart by their labels (docs/integrations.md).
            endpoint="/api/datasources/proxy/uid/prometheus-soc/api/v1/query_range",
            query_template='sum by (client, severity) (rate(soc_detections_total{env="prod"}[5m])) * 60',
            jsonpath_mappings={
                "rows": "$.data.result[*]",
                "client": "$.metric.client",
                "labels": "$.metric",
                "timestamp": "$.values[*][0]",
                "value": "$.values[*][1]",
                "metric_name": "detections_per_minute",
                "service": "Managed Detection & Response",
                "unit": "count",
            },
            target=QueryTarget.SERVICE_PERFORMANCE_METRIC,
            schedule_interval_minutes=15,
            is_active=False,
        ),
    )
    add_client_keys(ctx, jira, grafana)


def add_client_keys(ctx: DemoContext, jira: ExternalDataSource, grafana: ExternalDataSource) -> None:
    """Each client's key in each source: its Jira "Client" field value, its Grafana `client` label."""
    for client in ctx.clients:
        if client.status is ClientStatus.PROSPECT:
            continue  # no service yet, so nothing to sync
        for source, key in ((jira, client.company_name), (grafana, slug(client.company_name))):
            ctx.add(
                "client_source_mappings",
                ClientSourceMapping(data_source=source, client=client, external_key=key),
            )
