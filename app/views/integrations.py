"""Admin screens of the sync: data sources, queries, client mappings, run history.

None of these resources is in app.services.accounts.roles.DOMAIN_RESOURCES: only Admin
sees them. Secrets are typed in their own fields, shown back only as a mask; a
save with the mask unchanged keeps the stored value (app.services.sync.data_sources).
"Test connection" and "Run now" are actions on the list and on each record.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import AppBuilder, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import permission_name
from markupsafe import Markup
from wtforms import StringField
from wtforms.widgets import PasswordInput

from app.errors import ValidationFailed
from app.integrations.base import ALL_SECRET_KEYS
from app.models.integrations import DataSourceQuery, ExternalDataSource, QueryRunStatus
from app.models.sync import ClientSourceMapping, JobRun, SyncRun
from app.services.secrets import MASK
from app.services.sync import runs as sync_service
from app.services.sync.data_sources import (
    config_problems,
    cron_problems,
    lookback_problems,
    masked_credentials,
    query_problems,
    set_credentials,
)
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface
from app.web.labels import LABELS

CATEGORY = "Integrations"
RUN_FLASH = {"success": "success", "partial": "warning"}

SECRET_LABELS = {
    "password": (
        "Password / API token",
        "Basic auth: the password or API token that goes with the username.",
    ),
    "token": ("Bearer token", "Bearer auth: a personal access token or a service account token."),
    "api_key": ("API key", "API-key header auth: the key (the header name is `api_key_header` in settings)."),
}

INTEGRATION_LABELS = {
    **LABELS,
    "source_type": "Type",
    "base_url": "Base URL",
    "auth_type": "Auth",
    "config": "Settings (JSON)",
    "timeout_seconds": "Timeout (s)",
    "verify_tls": "Verify TLS",
    "is_active": "Active",
    "data_source": "Data source",
    "query_template": "Query template",
    "jsonpath_mappings": "JSONPath mappings (JSON)",
    "schedule_cron": "Cron (UTC)",
    "schedule_interval_minutes": "Every (minutes)",
    "last_run_at": "Last run",
    "last_status": "Last status",
    "last_error": "Last error",
    "consecutive_failures": "Failures in a row",
    "initial_lookback_hours": "First run reads back (hours)",
    "window_start": "Read from",
    "is_reread": "Re-read",
    "health": "Health",
    "external_key": "Key in the source",
    "started_at": "Started",
    "finished_at": "Finished",
    "records_fetched": "Records",
    "rows_inserted": "Inserted",
    "rows_updated": "Updated",
    "rows_skipped": "Skipped",
    "error_kind": "Reason",
    "error_message": "Message",
    "job_id": "Job",
    "detail": "Detail",
}


class MaskedSecretInput(PasswordInput):
    """A password box that shows the mask of a stored secret (never the secret)."""

    def __init__(self) -> None:
        super().__init__(hide_value=False)

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("class", "form-control")
        kwargs.setdefault("autocomplete", "new-password")
        return super().__call__(field, **kwargs)


class SecretField(StringField):
    """A secret typed in a form: echoed back only as the mask, never written to the model."""

    widget = MaskedSecretInput()

    def _value(self) -> str:
        return MASK if self.data == MASK else ""

    def populate_obj(self, obj: Any, name: str) -> None:
        """Secrets go through set_credentials (encrypted), never onto the record as typed."""


def _secret_fields() -> dict[str, SecretField]:
    return {
        key: SecretField(label, description=help_text) for key, (label, help_text) in SECRET_LABELS.items()
    }


def _first_problem(problems: dict[str, list[str]]) -> ValidationFailed:
    field, messages = next(iter(problems.items()))
    return ValidationFailed(" ".join(messages), field)


class SyncRunView(MsspModelView):
    """Every run of every query, newest first (read only)."""

    datamodel = MsspSQLAInterface(SyncRun)
    class_permission_name = "SyncRun"
    base_permissions = ["can_read"]
    entity_label = "sync run"
    list_title = show_title = "Sync runs"
    label_columns = INTEGRATION_LABELS
    list_columns = [
        "started_at",
        "query",
        "trigger",
        "status",
        "pages",
        "records_fetched",
        "rows_inserted",
        "rows_updated",
        "rows_skipped",
        "error_kind",
        "error_message",
    ]
    search_columns = ["query", "status", "trigger", "started_at", "error_kind"]
    show_columns = [*list_columns[:4], "finished_at", "window_start", "is_reread", *list_columns[4:]]
    base_order = ("started_at", "desc")
    label_eager = ("query",)


class JobRunView(MsspModelView):
    """Runs of the scheduled jobs (snapshots, contract expiry, SLA breaches), newest first."""

    datamodel = MsspSQLAInterface(JobRun)
    class_permission_name = "JobRun"
    base_permissions = ["can_read"]
    entity_label = "job run"
    list_title = show_title = "Job runs"
    label_columns = INTEGRATION_LABELS
    list_columns = ["started_at", "job_id", "status", "finished_at", "detail"]
    search_columns = ["job_id", "status", "started_at"]
    base_order = ("started_at", "desc")


class ClientSourceMappingView(MsspModelView):
    """Which client a Jira project key or a Grafana label value stands for, per source."""

    datamodel = MsspSQLAInterface(ClientSourceMapping)
    class_permission_name = "ClientSourceMapping"
    entity_label = "client mapping"
    list_title = "Client mappings"
    show_title = "Client mapping"
    add_title = "Map a client"
    edit_title = "Edit client mapping"
    label_columns = INTEGRATION_LABELS
    list_columns = ["data_source", "external_key", "client"]
    search_columns = ["data_source", "external_key", "client"]
    add_columns = edit_columns = ["data_source", "external_key", "client"]
    order_aliases = {"client": "client.company_name", "data_source": "data_source.name"}
    base_order = ("external_key", "asc")
    description_columns = {
        "external_key": "The Jira project key (e.g. ACME) or the value of the Grafana label (e.g. acme-prod)."
    }


class RunNowMixin:
    """The "Run now" action: the run happens in the request, bounded in time, and is recorded."""

    @action("run_now", "Run now", "Run the selected queries now?", "fa-play")
    def run_now(self, items: Any):
        budget = float(current_app.config["MSSP_SYNC_WEB_RUN_BUDGET_SECONDS"])
        for query in items if isinstance(items, list) else [items]:
            run = sync_service.run_query(query.id, budget_seconds=budget)
            text = (
                f"{query.name}: {run.status.value}, {run.rows_inserted} inserted, "
                f"{run.rows_updated} updated, {run.rows_skipped} skipped"
            )
            if run.error_message:
                text += f" ({run.error_message})"
            flash(text, RUN_FLASH.get(run.status.value, "danger"))
        return redirect(self.get_redirect())  # type: ignore[attr-defined]


class DataSourceQueryView(RunNowMixin, MsspModelView):
    datamodel = MsspSQLAInterface(DataSourceQuery)
    class_permission_name = "DataSourceQuery"
    entity_label = "query"
    list_title = "Data source queries"
    show_title = "Query"
    add_title = "Add query"
    edit_title = "Edit query"
    label_columns = INTEGRATION_LABELS
    label_eager = ("data_source",)
    list_columns = [
        "name",
        "data_source",
        "target",
        "schedule_interval_minutes",
        "schedule_cron",
        "is_active",
        "health",
        "last_run_at",
        "last_status",
        "consecutive_failures",
    ]
    search_columns = ["name", "data_source", "target", "is_active", "last_status"]
    order_aliases = {"data_source": "data_source.name"}
    base_order = ("name", "asc")
    add_columns = [
        "data_source",
        "name",
        "endpoint",
        "query_template",
        "jsonpath_mappings",
        "target",
        "schedule_interval_minutes",
        "schedule_cron",
        "initial_lookback_hours",
        "is_active",
    ]
    edit_columns = add_columns
    show_fieldsets = [
        (
            "Query",
            {"fields": ["data_source", "name", "endpoint", "query_template", "jsonpath_mappings", "target"]},
        ),
        (
            "Schedule",
            {"fields": ["schedule_interval_minutes", "schedule_cron", "initial_lookback_hours", "is_active"]},
        ),
        ("Latest run", {"fields": ["last_run_at", "last_status", "consecutive_failures", "last_error"]}),
    ]
    description_columns = {
        "query_template": "JQL, PromQL, or a JSON object of parameters; {client_key}, {since} and {until} "
        "are filled in at run time ({client_key} runs the query once per client mapping of the source).",
        "jsonpath_mappings": 'Target field -> JSONPath, e.g. {"external_key": "$.key", "summary": '
        '"$.fields.summary", "client": "$.fields.project.key"}; "rows" selects the records of a page; '
        "a value not starting with $ is a constant. Service metrics: map \"labels\" (e.g. "
        '"$.schema.fields[1].labels" or "$.metric") to keep series that share a name apart '
        "(examples: docs/integrations.md).",
        "schedule_cron": "Minute hour day month weekday, in UTC; or set an interval instead.",
        "initial_lookback_hours": "How far back the first run reads, in hours (empty: the global "
        "MSSP_SYNC_INITIAL_LOOKBACK_HOURS). To read an older window later, use 'Re-read from a date' on the "
        "query's page.",
    }
    related_views = [SyncRunView]
    extra_method_permissions = {"reread": "edit"}

    def display_value(self, item: Any, column: str, *, in_list: bool = True):
        if column == "health":
            if not item.is_active:
                return Markup('<span class="label label-default">inactive</span>')
            if sync_service.is_failing(item):
                return Markup('<span class="label label-danger">failing</span>')
            if item.last_status is QueryRunStatus.PARTIAL:
                return Markup('<span class="label label-warning">partial</span>')
            if item.last_status is QueryRunStatus.SUCCESS:
                return Markup('<span class="label label-success">ok</span>')
            return Markup('<span class="label label-default">not run</span>')
        return super().display_value(item, column, in_list=in_list)

    @action("reread_from", "Re-read from a date", None, "fa-history", multiple=False)
    def reread_from(self, items: Any):
        """The query page's button to the re-read form."""
        query = items[0] if isinstance(items, list) else items
        return redirect(url_for(f"{self.endpoint}.reread", pk=str(query.id)))

    @expose("/reread/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def reread(self, pk: str):
        """"Re-read from date X": a date form; the run happens in the request, like Run now."""
        query = self.datamodel.get(pk, self._base_filters)
        if query is None:
            abort(404)
        error = since_text = None
        if request.method == "POST":
            since_text = (request.form.get("since") or "").strip()
            try:
                since = sync_service.parse_since(since_text)
            except ValidationFailed as refused:
                error = refused.message
            else:
                budget = float(current_app.config["MSSP_SYNC_WEB_RUN_BUDGET_SECONDS"])
                run = sync_service.reread_query(query.id, since, budget_seconds=budget)
                text = (
                    f"{query.name}: re-read from {since:%Y-%m-%d %H:%M} UTC: {run.status.value}, "
                    f"{run.rows_inserted} inserted, {run.rows_updated} updated, {run.rows_skipped} skipped"
                )
                if run.error_message:
                    text += f" ({run.error_message})"
                flash(text, RUN_FLASH.get(run.status.value, "danger"))
                return redirect(url_for("DataSourceQueryView.show", pk=query.id))
        return self.render_template(
            "mssp/sync/reread.html", query=query, error=error, since=since_text, title="Re-read"
        ), (422 if error else 200)

    def _validate(self, item: DataSourceQuery) -> None:
        problems = query_problems(
            item.data_source, item.endpoint, item.query_template, item.jsonpath_mappings, item.target
        )
        if cron_problems(item.schedule_cron):
            problems["schedule_cron"] = cron_problems(item.schedule_cron)
        if lookback_problems(item.initial_lookback_hours):
            problems["initial_lookback_hours"] = lookback_problems(item.initial_lookback_hours)
        if problems:
            raise _first_problem(problems)

    def pre_add(self, item: DataSourceQuery) -> None:
        self._validate(item)

    def pre_update(self, item: DataSourceQuery) -> None:
        self._validate(item)


class DataSourceView(MsspModelView):
    datamodel = MsspSQLAInterface(ExternalDataSource)
    class_permission_name = "ExternalDataSource"
    entity_label = "data source"
    list_title = "Data sources"
    show_title = "Data source"
    add_title = "Add data source"
    edit_title = "Edit data source"
    label_columns = INTEGRATION_LABELS
    list_columns = [
        "name",
        "source_type",
        "base_url",
        "auth_type",
        "is_active",
        "verify_tls",
        "timeout_seconds",
    ]
    search_columns = ["name", "source_type", "base_url", "is_active"]
    base_order = ("name", "asc")
    add_columns = [
        "name",
        "source_type",
        "base_url",
        "auth_type",
        *ALL_SECRET_KEYS,
        "config",
        "timeout_seconds",
        "verify_tls",
        "is_active",
    ]
    edit_columns = add_columns
    add_form_extra_fields = _secret_fields()
    edit_form_extra_fields = _secret_fields()
    show_fieldsets = [
        ("Source", {"fields": ["name", "source_type", "base_url", "auth_type", "is_active"]}),
        ("Settings", {"fields": ["config", "timeout_seconds", "verify_tls"]}),
    ]
    description_columns = {
        "config": 'Non-secret settings, checked against the type\'s schema: Jira {"username": '
        '"svc@example.com", "deployment": "cloud"}; Grafana {"datasource_uid": "prom", "step_seconds": 60}.',
        "base_url": "https://... (link-local and cloud-metadata addresses are refused).",
    }
    related_views = [DataSourceQueryView, ClientSourceMappingView]

    def prefill_form(self, form: Any, pk: Any) -> None:
        item = self.datamodel.get(pk)
        for key in masked_credentials(item) if item is not None else {}:
            if key in form:
                form[key].data = MASK

    def _apply(self, item: ExternalDataSource) -> None:
        problems = config_problems(item.source_type, item.auth_type, item.config or {})
        if problems:
            raise ValidationFailed("; ".join(problems), "config")
        submitted = {key: request.form.get(key) for key in ALL_SECRET_KEYS if key in request.form}
        set_credentials(item, submitted)

    def pre_add(self, item: ExternalDataSource) -> None:
        self._apply(item)

    def pre_update(self, item: ExternalDataSource) -> None:
        self._apply(item)

    @action("test_connection", "Test connection", "", "fa-plug", multiple=True)
    def test_connection(self, items: Any):
        for source in items if isinstance(items, list) else [items]:
            report = sync_service.test_connection(source.id)
            if report.ok:
                flash(f"{source.name}: {report.message}", "success")
            else:
                flash(f"{source.name}: {report.kind}: {report.message}", "danger")
        return redirect(self.get_redirect())


def register_integration_views(appbuilder: AppBuilder) -> None:
    """The Integrations menu (Admin only); related views first."""
    add = appbuilder.add_view
    add(SyncRunView, "Sync Runs", icon="fa-clock-rotate-left", category=CATEGORY, category_icon="fa-plug")
    add(ClientSourceMappingView, "Client Mappings", icon="fa-link", category=CATEGORY)
    add(DataSourceQueryView, "Queries", icon="fa-magnifying-glass", category=CATEGORY)
    add(DataSourceView, "Data Sources", icon="fa-database", category=CATEGORY)
    add(JobRunView, "Job Runs", icon="fa-calendar-check", category=CATEGORY)
    category = next((item for item in appbuilder.menu.menu if item.name == CATEGORY), None)
    if category is not None:
        order = ["Data Sources", "Queries", "Client Mappings", "Sync Runs", "Job Runs"]
        category.childs.sort(key=lambda child: order.index(child.name) if child.name in order else len(order))
