"""/api/v1/data_source/, /data_source_query/, /client_source_mapping/, /sync_run/, /job_run/ (Admin only).

Credentials are write-only: send them as `"credentials": {"password": "..."}` in a
POST or PUT of a data source (the mask "********" keeps a stored value, "" clears
it); no response ever contains them, only `GET /data_source/<id>/credentials`
says which are set, masked. `POST /data_source/<id>/test_connection` and
`POST /data_source_query/<id>/run` are the screens' actions.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from app.errors import ValidationFailed
from app.extensions import db
from app.models.integrations import DataSourceQuery, ExternalDataSource
from app.models.sync import ClientSourceMapping, JobRun, RunTrigger, SyncRun
from app.queue.dispatch import enqueue_query_run
from app.queue.progress import queued_run
from app.services.sync import runs as sync_service
from app.services.sync.data_sources import (
    config_problems,
    cron_problems,
    lookback_problems,
    masked_credentials,
    query_problems,
    set_credentials,
)
from app.web.datamodel import MsspSQLAInterface
from app.web.rest import API_PERMISSIONS, MsspModelRestApi

READ_ONLY_ROUTES = {"get", "get_list", "info"}

SOURCE_COLUMNS = [
    "name",
    "source_type",
    "base_url",
    "auth_type",
    "config",
    "timeout_seconds",
    "verify_tls",
    "is_active",
]
SOURCE_SHOWN = ["id", *SOURCE_COLUMNS, "created_at", "updated_at", "version"]

QUERY_COLUMNS = [
    "data_source_id",
    "name",
    "endpoint",
    "query_template",
    "jsonpath_mappings",
    "target",
    "schedule_cron",
    "schedule_interval_minutes",
    "initial_lookback_hours",
    "is_active",
]
QUERY_SHOWN = [
    "id",
    *QUERY_COLUMNS,
    "last_run_at",
    "last_status",
    "last_error",
    "consecutive_failures",
    "created_at",
    "updated_at",
    "version",
]

RUN_COLUMNS = [
    "id",
    "query_id",
    "trigger",
    "status",
    "started_at",
    "finished_at",
    "window_start",
    "is_reread",
    "pages",
    "records_fetched",
    "rows_inserted",
    "rows_updated",
    "rows_skipped",
    "error_kind",
    "error_message",
]


def run_as_dict(run: SyncRun) -> dict[str, Any]:
    values = {name: getattr(run, name) for name in RUN_COLUMNS}
    for name, value in values.items():
        if hasattr(value, "isoformat"):
            values[name] = value.isoformat()
        elif hasattr(value, "value"):
            values[name] = value.value
        elif name.endswith("id") and value is not None:
            values[name] = str(value)
    return values


class DataSourceApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(ExternalDataSource)
    resource_name = "data_source"
    class_permission_name = "ExternalDataSource"
    method_permission_name = {**API_PERMISSIONS, "test_connection": "edit", "credentials": "read"}
    list_columns = show_columns = SOURCE_SHOWN
    add_columns = edit_columns = SOURCE_COLUMNS
    search_columns = ["name", "source_type", "is_active"]
    base_order = ("name", "asc")

    def _json_body(self) -> dict[str, Any] | None:
        data = super()._json_body()
        if data is not None and "credentials" in data:
            g.mssp_credentials = data.pop("credentials")
        return data

    def _apply(self, item: ExternalDataSource) -> None:
        problems = config_problems(item.source_type, item.auth_type, item.config or {})
        if problems:
            raise ValidationFailed("; ".join(problems), "config")
        submitted = g.pop("mssp_credentials", {})
        if not isinstance(submitted, dict) or not all(isinstance(v, str | None) for v in submitted.values()):
            raise ValidationFailed('credentials: an object of strings, e.g. {"token": "..."}', "credentials")
        set_credentials(item, submitted)

    def pre_add(self, item: ExternalDataSource) -> None:
        self._apply(item)

    def pre_update(self, item: ExternalDataSource) -> None:
        self._apply(item)

    @expose("/<pk>/credentials", methods=["GET"])
    @protect()
    @safe
    @permission_name("credentials")
    def credentials(self, pk: str):
        """Which credentials are set (masked)
        ---
        get:
          responses:
            200:
              description: '{"credentials": {"token": "********"}}'
            404:
              $ref: '#/components/responses/404'
        """
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        return self.response(200, credentials=masked_credentials(item))

    @expose("/<pk>/test_connection", methods=["POST"])
    @protect()
    @safe
    @permission_name("test_connection")
    def test_connection(self, pk: str):
        """Reach the source with its credentials
        ---
        post:
          responses:
            200:
              description: '{"ok": false, "kind": "auth", "message": "authentication refused ..."}'
            404:
              $ref: '#/components/responses/404'
        """
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        report = sync_service.test_connection(item.id)
        return self.response(200, ok=report.ok, kind=report.kind, message=report.message)


class DataSourceQueryApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(DataSourceQuery)
    resource_name = "data_source_query"
    class_permission_name = "DataSourceQuery"
    method_permission_name = {**API_PERMISSIONS, "run": "edit", "run_progress": "read", "reread": "edit"}
    list_columns = show_columns = QUERY_SHOWN
    add_columns = edit_columns = QUERY_COLUMNS
    search_columns = ["name", "data_source", "target", "is_active", "last_status"]
    base_order = ("name", "asc")

    def _validate(self, item: DataSourceQuery) -> None:
        source = item.data_source or db.session.get(ExternalDataSource, item.data_source_id)
        problems = query_problems(
            source, item.endpoint, item.query_template, item.jsonpath_mappings, item.target
        )
        if cron_problems(item.schedule_cron):
            problems["schedule_cron"] = cron_problems(item.schedule_cron)
        if lookback_problems(item.initial_lookback_hours):
            problems["initial_lookback_hours"] = lookback_problems(item.initial_lookback_hours)
        if problems:
            field, messages = next(iter(problems.items()))
            raise ValidationFailed(f"{field}: {' '.join(messages)}", field)

    def pre_add(self, item: DataSourceQuery) -> None:
        self._validate(item)

    def pre_update(self, item: DataSourceQuery) -> None:
        self._validate(item)

    @expose("/<pk>/run", methods=["POST"])
    @protect()
    @safe
    @permission_name("run")
    def run(self, pk: str):
        """Run the query now (bounded by MSSP_SYNC_WEB_RUN_BUDGET_SECONDS) and return the run;
        with `wait=false`, queue it for a worker and answer at once (202, poll `progress_url`)
        ---
        post:
          parameters:
          - in: query
            name: wait
            schema:
              type: string
              enum: ["true", "false"]
          responses:
            200:
              description: '{"run": {"status": "success", "rows_inserted": 12, ...}}'
            202:
              description: '{"job_id": 7, "status": "todo", "progress_url": "/api/v1/..."}'
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
        """
        wait = request.args.get("wait", "true")
        if wait not in ("true", "false"):
            return self.response(400, message="wait: true or false", field="wait")
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        if wait == "false":
            job_id = enqueue_query_run(current_app._get_current_object(), item.id, RunTrigger.MANUAL)
            return self.response(
                202,
                job_id=job_id,
                status="todo",
                progress_url=f"/api/v1/data_source_query/run_progress/{job_id}",
            )
        budget = float(current_app.config["MSSP_SYNC_WEB_RUN_BUDGET_SECONDS"])
        run = sync_service.run_query(item.id, budget_seconds=budget)
        return self.response(200, run=run_as_dict(run))

    @expose("/run_progress/<int:job_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("run_progress")
    def run_progress(self, job_id: int):
        """A queued run (`POST .../run?wait=false`): its state, and the run once it started
        ---
        get:
          responses:
            200:
              description: '{"job_id": 7, "status": "succeeded", "finished": true, "run": {...}}'
            404:
              $ref: '#/components/responses/404'
        """
        progress = queued_run(job_id)
        if progress is None or self.datamodel.get(progress.query_id, self._base_filters) is None:
            return self.response_404()
        return self.response(
            200,
            job_id=progress.job_id,
            query_id=str(progress.query_id),
            status=progress.status,
            attempts=progress.attempts,
            finished=progress.finished,
            run=run_as_dict(progress.run) if progress.run is not None else None,
        )


    @expose("/<pk>/reread", methods=["POST"])
    @protect()
    @safe
    @permission_name("run")
    def reread(self, pk: str):
        """Re-read the query's window from a date to now (idempotent) and return the run
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [since]
                  additionalProperties: false
                  properties:
                    since: {type: string, example: "2026-10-01", description: "YYYY-MM-DD (UTC) or ISO 8601"}
          responses:
            200:
              description: '{"run": {"status": "success", "is_reread": true, "window_start": ...}}'
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message='The body must be a JSON object: {"since": "2026-10-01"}.')
        unknown = sorted(set(body) - {"since"})
        if unknown:
            return self.response(422, message=f"{unknown[0]}: unknown field.", field=unknown[0])
        try:
            since = sync_service.parse_since(body.get("since"))
        except ValidationFailed as error:
            return self.response(422, message=error.message, field=error.field)
        budget = float(current_app.config["MSSP_SYNC_WEB_RUN_BUDGET_SECONDS"])
        run = sync_service.reread_query(item.id, since, budget_seconds=budget)
        return self.response(200, run=run_as_dict(run))


class ClientSourceMappingApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(ClientSourceMapping)
    resource_name = "client_source_mapping"
    class_permission_name = "ClientSourceMapping"
    search_columns = ["data_source", "client", "external_key"]
    base_order = ("external_key", "asc")


class SyncRunApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(SyncRun)
    resource_name = "sync_run"
    class_permission_name = "SyncRun"
    include_route_methods = READ_ONLY_ROUTES
    list_columns = show_columns = RUN_COLUMNS
    search_columns = ["query", "status", "trigger", "started_at"]
    base_order = ("started_at", "desc")


class JobRunApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(JobRun)
    resource_name = "job_run"
    class_permission_name = "JobRun"
    include_route_methods = READ_ONLY_ROUTES
    search_columns = ["job_id", "status", "started_at"]
    base_order = ("started_at", "desc")


def register_integration_apis(appbuilder: Any) -> None:
    for api in (DataSourceApi, DataSourceQueryApi, ClientSourceMappingApi, SyncRunApi, JobRunApi):
        appbuilder.add_api(api)
