"""A client's service report: `/clients/<id>/report?period=2026-10` (HTML), `.../report.pdf`,
`.../report.csv`; a stored report's file, notes and approval.

Thin: parse the period, check who may open the client's reports (403 otherwise), take the
figures from the stored report of that period (drawn exactly as it was) or compute them
live, render. Reading needs `can_read` on "ClientReport", notes and approval `can_edit`.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_login import current_user
from markupsafe import Markup

from app.dashboards.figures.common import figure_json
from app.dashboards.filters import FilterError
from app.errors import ValidationFailed
from app.extensions import db
from app.models.clients import Client
from app.models.reports import ClientReport, ClientReportDelivery, ReportBatch, ReportSchedule, ReportStatus
from app.services.clock import today_utc
from app.services.reports import archive, document, pdf, schedules
from app.services.reports.content import build_report
from app.services.reports.period import MONTH, ReportPeriod
from app.views.dashboards import plotly_js_url, plotly_style_ids, script_json
from app.views.report_branding import ReportBrandingView
from app.web.base import MsspModelView
from app.web.csv_export import cell, csv_response, filename_for
from app.web.datamodel import MsspSQLAInterface
from app.web.labels import LABELS
from app.web.row_filters import FilterAssignedClients


class ClientReportView(BaseView):
    route_base = "/clients"
    class_permission_name = "ClientReport"
    method_permission_name = {
        "report": "read",
        "report_pdf": "read",
        "report_csv": "read",
        "stored_file": "read",
        "save_notes": "edit",
        "approve": "edit",
        "create_draft": "edit",
    }

    # --- pages and files ------------------------------------------------------------------

    @expose("/<uuid:client_id>/report")
    @has_access
    def report(self, client_id: uuid.UUID):
        client, period, problem = self._open(client_id)
        if problem:
            return problem
        stored, data, notes = self._figures(client_id, period)
        look = archive.branding(db.session)
        return self.render_template(
            "reports/page.html",
            title=f"Report · {client.company_name} · {period.label}",
            client=client,
            period=period,
            previous=period.previous(),
            stored=stored,
            data=data,
            notes=notes,
            style=document.render_style(look),
            body=document.render_body(data, look, notes),
            figures=script_json(figure_json(document.figures_by_element(data))),
            pdf_problem=pdf.pdf_engine_problem(),
            may_edit=self.appbuilder.sm.has_access("can_edit", "ClientReport"),
            plotly_js_url=plotly_js_url(),
            plotly_style_ids=plotly_style_ids(),
            draft=ReportStatus.DRAFT,
        )

    @expose("/<uuid:client_id>/report.pdf")
    @has_access
    def report_pdf(self, client_id: uuid.UUID):
        client, period, problem = self._open(client_id)
        if problem:
            return problem
        engine_problem = pdf.pdf_engine_problem()
        if engine_problem:
            return Response(engine_problem + "\n", status=503, mimetype="text/plain")
        stored = archive.stored_report(db.session, client_id, period)
        if stored is not None and stored.file_type == archive.PDF_TYPE and not request.args.get("live"):
            body = stored.file
        else:
            data = stored.figures if stored is not None else build_report(db.session, client_id, period)
            body = archive.render_pdf(data, archive.branding(db.session), stored.notes if stored else None)
        return self._download(body, archive.PDF_TYPE, client, period, "pdf")

    @expose("/<uuid:client_id>/report.csv")
    @has_access
    def report_csv(self, client_id: uuid.UUID):
        client, period, problem = self._open(client_id)
        if problem:
            return problem
        _stored, data, notes = self._figures(client_id, period)
        rows = ([cell(v) for v in row] for row in document.csv_rows(data, notes))
        return csv_response(
            filename_for(f"report {client.company_name} {period.key}"), list(document.CSV_HEADER), rows
        )

    @expose("/<uuid:client_id>/reports/<uuid:report_id>/file")
    @has_access
    def stored_file(self, client_id: uuid.UUID, report_id: uuid.UUID):
        report = self._stored(client_id, report_id)
        if report.file is None:
            abort(404)
        period = ReportPeriod(report.figures["period"]["kind"], report.period_start, report.period_end)
        extension = "pdf" if report.file_type == archive.PDF_TYPE else "html"
        return self._download(report.file, report.file_type or "", report.client, period, extension)

    # --- drafts ---------------------------------------------------------------------------

    @expose("/<uuid:client_id>/report/draft", methods=["POST"])
    @has_access
    def create_draft(self, client_id: uuid.UUID):
        """A draft of this period's report, to write notes in and approve."""
        client, period, problem = self._open(client_id, request.form)
        if problem:
            return problem
        report = archive.generate_report(
            db.session, client_id, period, review=True, user_id=current_user.id, with_file=False
        )
        db.session.commit()
        if report is None:
            flash(f"The report of {period.label} exists already.", "info")
        else:
            flash(f"Draft of {period.label} saved: add your notes, then approve it.", "success")
        return redirect(url_for(".report", client_id=client_id, period=period.key))

    @expose("/<uuid:client_id>/reports/<uuid:report_id>/notes", methods=["POST"])
    @has_access
    def save_notes(self, client_id: uuid.UUID, report_id: uuid.UUID):
        report = self._stored(client_id, report_id)
        try:
            archive.save_notes(db.session, report, request.form.get("notes", ""))
        except ValidationFailed as error:
            db.session.rollback()
            flash(f"{error.field}: {error.message}", "danger")
            return redirect(url_for(".report", client_id=client_id, period=report.period_key)), 409
        db.session.commit()
        flash("Notes saved.", "success")
        return redirect(url_for(".report", client_id=client_id, period=report.period_key))

    @expose("/<uuid:client_id>/reports/<uuid:report_id>/approve", methods=["POST"])
    @has_access
    def approve(self, client_id: uuid.UUID, report_id: uuid.UUID):
        report = self._stored(client_id, report_id)
        try:
            if "notes" in request.form:
                archive.save_notes(db.session, report, request.form.get("notes", ""))
            count = archive.approve(db.session, report, current_user.id)
        except ValidationFailed as error:
            db.session.rollback()
            flash(f"{error.field}: {error.message}", "danger")
            return redirect(url_for(".report", client_id=client_id, period=report.period_key))
        db.session.commit()
        flash(
            f"Approved: it goes to {count} recipient(s) with the next sending run."
            if count
            else "Approved. Nobody is on this client's report schedule: it stays in the archive.",
            "success",
        )
        return redirect(url_for(".report", client_id=client_id, period=report.period_key))

    # --- helpers --------------------------------------------------------------------------

    @staticmethod
    def _figures(client_id: uuid.UUID, period):
        """(stored report or None, its figures, its notes): the stored report of the period
        unless `?live=1` asks for today's figures, which are then built."""
        stored = None if request.args.get("live") else archive.stored_report(db.session, client_id, period)
        if stored is not None:
            return stored, stored.figures, stored.notes
        return None, build_report(db.session, client_id, period), None

    def _open(self, client_id: uuid.UUID, args=None):
        """(client, period, None) or (None, None, an error response): 404, 403 or 400."""
        client = db.session.get(Client, client_id)
        if client is None:
            abort(404)
        self._check_access(client_id)
        args = request.args if args is None else args
        try:
            if args.get("period") or args.get("from") or args.get("to"):
                period = ReportPeriod.parse(args.get("period"), args.get("from"), args.get("to"))
            else:
                period = ReportPeriod.last_completed(MONTH, today_utc())
        except FilterError as error:
            return (
                None,
                None,
                Response(f"{error.field}: {error.message}\n", status=400, mimetype="text/plain"),
            )
        return client, period, None

    def _check_access(self, client_id: uuid.UUID) -> None:
        access = archive.report_access(db.session, current_user.id, [r.name for r in current_user.roles])
        try:
            archive.check_may_open(access, client_id)
        except archive.NotAllowed:
            abort(403)

    def _stored(self, client_id: uuid.UUID, report_id: uuid.UUID) -> ClientReport:
        self._check_access(client_id)
        report = db.session.get(ClientReport, report_id)
        if report is None or report.client_id != client_id:
            abort(404)
        return report

    @staticmethod
    def _download(
        body: bytes, mimetype: str, client: Client, period: ReportPeriod, extension: str
    ) -> Response:
        name = filename_for(f"report {client.company_name} {period.key}").rsplit(".", 1)[0]
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
        response.headers["Cache-Control"] = "no-store"
        return response


class ClientReportArchiveView(MsspModelView):
    """Stored reports (a tab of the client's page, and Reports > Archive): period, generated,
    status, who it went to, links to the report and its file. Account managers: their clients."""

    datamodel = MsspSQLAInterface(ClientReport)
    class_permission_name = "ClientReport"
    include_route_methods = {"list", "show", "related_options"}
    entity_label = "report"
    list_title = "Client reports"
    show_title = "Client report"
    base_filters = [["client_id", FilterAssignedClients, "ClientReport"]]
    list_columns = ["client", "period_key", "status", "generated_at", "deliveries", "open"]
    show_columns = [
        "client",
        "period_key",
        "period_start",
        "period_end",
        "status",
        "generated_at",
        "approved_at",
        "approved_by",
        "notes",
        "deliveries",
        "open",
    ]
    search_columns = ["client", "period_key", "status", "generated_at"]
    order_columns = ["period_key", "status", "generated_at"]
    order_aliases = {"client": "client.company_name"}
    base_order = ("generated_at", "desc")
    label_columns = {
        **LABELS,
        "period_key": "Period",
        "generated_at": "Generated (UTC)",
        "deliveries": "Sent to",
        "open": "Report",
    }
    add_columns = edit_columns = ["notes"]

    def display_value(self, item: Any, column: str, *, in_list: bool = True) -> str | Markup:
        if column == "deliveries":
            return (
                Markup(", ").join(
                    Markup("{} <small>({})</small>").format(d.recipient, d.status.value)
                    for d in item.deliveries
                )
                or "—"
            )
        if column == "open":
            page = url_for("ClientReportView.report", client_id=item.client_id, period=item.period_key)
            links = Markup('<a href="{}">Open</a>').format(page)
            if item.file_type:
                file = url_for("ClientReportView.stored_file", client_id=item.client_id, report_id=item.id)
                kind = "PDF" if item.file_type == archive.PDF_TYPE else "HTML"
                links += Markup(' · <a href="{}">{}</a>').format(file, kind)
            return links
        return super().display_value(item, column, in_list=in_list)


class ReportScheduleView(MsspModelView):
    """Per client: opt in, recipients, monthly or quarterly, the day, review before sending."""

    datamodel = MsspSQLAInterface(ReportSchedule)
    class_permission_name = "ReportSchedule"
    entity_label = "report schedule"
    list_title = "Report schedules"
    show_title = "Report schedule"
    add_title = "Schedule a client's reports"
    edit_title = "Edit report schedule"
    base_filters = [["client_id", FilterAssignedClients, "ReportSchedule"]]
    list_columns = [
        "client",
        "enabled",
        "frequency",
        "day_of_month",
        "recipients",
        "include_account_manager",
        "review_required",
    ]
    search_columns = ["client", "enabled", "frequency", "review_required"]
    order_aliases = {"client": "client.company_name"}
    base_order = ("day_of_month", "asc")
    add_columns = [
        "client",
        "enabled",
        "frequency",
        "day_of_month",
        "recipients",
        "include_account_manager",
        "review_required",
    ]
    edit_columns = add_columns
    json_kinds = {"recipients": "array"}
    label_columns = {
        **LABELS,
        "day_of_month": "Day of the month (1-28)",
        "recipients": "Recipients (client contacts' e-mails)",
        "include_account_manager": "Also the account manager",
        "review_required": "Review before sending (drafts)",
    }
    description_columns = {
        "recipients": 'A JSON list of addresses, e.g. ["ciso@client.example", "it@client.example"].',
        "day_of_month": "The report of the month (or quarter) that just ended is made and sent on this day.",
    }

    def pre_add(self, item: ReportSchedule) -> None:
        item.recipients = schedules.clean_recipients(item.recipients)

    def pre_update(self, item: ReportSchedule) -> None:
        item.recipients = schedules.clean_recipients(item.recipients)


class ReportDeliveryView(MsspModelView):
    """Every report e-mail: to whom, status, attempts, last error (failures stay visible)."""

    datamodel = MsspSQLAInterface(ClientReportDelivery)
    class_permission_name = "ClientReportDelivery"
    include_route_methods = {"list", "show", "related_options"}
    entity_label = "report e-mail"
    list_title = "Report e-mails"
    base_filters = [["client_id", FilterAssignedClients, "ClientReportDelivery"]]
    list_columns = ["report", "recipient", "status", "attempts", "last_attempt_at", "sent_at", "last_error"]
    search_columns = ["recipient", "status"]
    base_order = ("created_at", "desc")
    add_columns = edit_columns = ["recipient"]


class ReportBatchView(MsspModelView):
    """Generation runs with their progress (done / total), newest first."""

    datamodel = MsspSQLAInterface(ReportBatch)
    class_permission_name = "ReportBatch"
    include_route_methods = {"list", "show"}
    entity_label = "report batch"
    list_title = "Report batches"
    list_columns = [
        "period_key",
        "trigger",
        "status",
        "done",
        "failed",
        "total",
        "started_at",
        "finished_at",
        "detail",
    ]
    search_columns = ["period_key", "status"]
    base_order = ("started_at", "desc")
    label_columns = {**LABELS, "period_key": "Period", "done": "Done", "total": "Clients"}
    add_columns = edit_columns = ["detail"]


def register_report_views(appbuilder: AppBuilder) -> None:
    """The report pages (no menu entry: the client's page links to them) and the Reports menu."""
    appbuilder.add_view_no_menu(ClientReportView)
    add = appbuilder.add_view
    add(
        ReportScheduleView, "Schedules", icon="fa-calendar", category="Reports", category_icon="fa-file-lines"
    )
    add(ClientReportArchiveView, "Archive", icon="fa-box-archive", category="Reports")
    add(ReportDeliveryView, "E-mails", icon="fa-envelope", category="Reports")
    add(ReportBatchView, "Batches", icon="fa-list-check", category="Reports")
    add(ReportBrandingView, "Branding", icon="fa-palette", category="Reports")
