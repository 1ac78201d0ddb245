"""The dashboards: the overview (menu "Dashboards"), one client's dashboard, and their data as JSON.

Thin: parse the filters from the URL, work out what the user may see
(`app.dashboards.access`), build the charts (`app.dashboards.charts`), render.
Every route needs `can_read` on "Dashboard"; money charts are further limited
per client. plotly.js is a partial bundle served from the app, gzipped: no CDN.
"""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_appbuilder.security.decorators import has_access_api
from flask_login import current_user
from markupsafe import Markup

from app.dashboards import plotly_bundle
from app.dashboards.access import DashboardAccess, access_for
from app.dashboards.charts import (
    CHARTS_BY_KEY,
    NO_MONEY_FOR_ROLE,
    NOT_ON_TEAM,
    ChartContext,
    build_chart,
    charts_for,
)
from app.dashboards.figures.common import empty_message, figure_json
from app.dashboards.filters import CUSTOM, PRESETS, DashboardFilters, FilterError
from app.dashboards.headline import headline_tiles
from app.dashboards.queries.clients import client_summary, search_clients, service_choices
from app.dashboards.queries.common import rollup_status
from app.extensions import db
from app.services.clock import today_utc

ONE_YEAR = 365 * 24 * 3600

dashboard_assets = Blueprint("dashboard_assets", __name__)


# Named "static" so that the security headers treat it as a static file (cacheable).
@dashboard_assets.get("/dashboards/assets/plotly-<version>.min.js", endpoint="static")
def plotly_js(version: str):
    """The partial plotly.js bundle (app/dashboards/plotly_bundle.py): gzip-compressed when the
    browser accepts it, under a versioned URL cached for a year."""
    if version != plotly_bundle.BUNDLE_VERSION:
        abort(404)
    if request.accept_encodings["gzip"]:
        response = Response(plotly_bundle.bundle_gzip(), mimetype="text/javascript")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(plotly_bundle.bundle_bytes(), mimetype="text/javascript")
    response.vary.add("Accept-Encoding")
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    return response


def plotly_style_ids() -> tuple[str, ...]:
    """The <style> ids the page creates first with the CSP nonce (see plotly_bundle.style_ids)."""
    return plotly_bundle.style_ids()


def plotly_js_url() -> str:
    return url_for("dashboard_assets.static", version=plotly_bundle.BUNDLE_VERSION)


def script_json(payload: str) -> Markup:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' left to end the element."""
    return Markup(payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


class DashboardView(BaseView):
    route_base = "/dashboards"
    class_permission_name = "Dashboard"
    method_permission_name = {
        "overview": "read",
        "client": "read",
        "chart_data": "read",
        "headline_data": "read",
        "client_search": "read",
    }
    default_view = "overview"

    @expose("/")
    @has_access
    def overview(self):
        return self._render_page(None)

    @expose("/client/<uuid:client_id>")
    @has_access
    def client(self, client_id: uuid.UUID):
        return self._render_page(client_id)

    @expose("/api/chart/<key>")
    @has_access_api
    def chart_data(self, key: str):
        chart = CHARTS_BY_KEY.get(key)
        if chart is None:
            return jsonify(message=f"No chart {key!r}."), 404
        ctx, problem = self._context_or_problem()
        if problem:
            return problem
        if chart.financial and not ctx.access.may_see_finance_of(ctx.client_id):
            return jsonify(message=NOT_ON_TEAM if ctx.access.sees_finance else NO_MONEY_FOR_ROLE), 403
        figure = build_chart(chart, ctx)
        payload = {
            "key": key,
            "title": chart.title,
            "empty_message": empty_message(figure),
            "filters": ctx.filters.to_args(),
        }
        # The figure is already JSON (Plotly's serialiser): spliced in, not parsed and dumped again.
        body = json.dumps(payload)[:-1] + ', "figure": ' + figure_json(figure) + "}"
        return current_app.response_class(body, mimetype="application/json")

    @expose("/api/headline")
    @has_access_api
    def headline_data(self):
        ctx, problem = self._context_or_problem()
        if problem:
            return problem
        tiles = headline_tiles(ctx)
        return jsonify(
            filters=ctx.filters.to_args(),
            tiles=[{"key": t.key, "label": t.label, "values": t.values, "note": t.note} for t in tiles],
        )

    @expose("/api/clients")
    @has_access_api
    def client_search(self):
        """Clients whose name starts with ?q= (at most 20), for the client filter."""
        found = search_clients(db.session, request.args.get("q", ""))
        return jsonify(clients=[{"id": str(c.client_id), "name": c.company_name} for c in found])

    # --- helpers --------------------------------------------------------------------------

    def _access(self) -> DashboardAccess:
        return access_for(db.session, current_user.id, [role.name for role in current_user.roles])

    def _context(self, filters: DashboardFilters) -> ChartContext:
        return ChartContext(db.session, filters, self._access(), today_utc(), rollup_status(db.session))

    def _context_or_problem(self):
        try:
            filters = DashboardFilters.from_args(request.args, today_utc())
        except FilterError as error:
            return None, (jsonify(message=error.message, field=error.field), 400)
        if filters.client_id and client_summary(db.session, filters.client_id) is None:
            return None, (jsonify(message="No such client."), 404)
        return self._context(filters), None

    def _render_page(self, client_id: uuid.UUID | None):
        today = today_utc()
        error = None
        try:
            filters = DashboardFilters.from_args(request.args, today)
        except FilterError as problem:
            error, filters = problem.message, DashboardFilters.default(today)
        client = None
        if client_id is not None:
            client = client_summary(db.session, client_id)
            if client is None:
                abort(404)
            filters = filters.with_client(client_id)
        elif filters.client_id is not None:
            client = client_summary(db.session, filters.client_id)
            if client is None:
                error, filters = "No such client: the client filter was removed.", filters.with_client(None)
        ctx = self._context(filters)
        panels = []
        for slot in charts_for(ctx.access, filters.client_id):
            deferred = slot.allowed and slot.chart.deferred(filters)
            figure = build_chart(slot.chart, ctx) if slot.allowed and not deferred else None
            message = empty_message(figure) if figure is not None else None
            panels.append(
                {
                    "chart": slot.chart,
                    "allowed": slot.allowed,
                    "deferred": deferred,
                    "message": NOT_ON_TEAM if not slot.allowed else "Loading…" if deferred else message,
                    "figure": script_json(figure_json(figure)) if figure is not None else None,
                }
            )
        data_args = filters.to_args()
        return self.render_template(
            "dashboards/dashboard.html",
            title=f"Dashboard · {client.company_name}" if client_id and client else "Dashboard",
            client=client,
            on_client_page=client_id is not None,
            filters=filters,
            error=error,
            presets=PRESETS,
            custom=CUSTOM,
            services=service_choices(db.session),
            tiles=headline_tiles(ctx),
            panels=panels,
            sections=list(dict.fromkeys(p["chart"].section for p in panels)),
            data_args=data_args,
            overview_url=url_for("DashboardView.overview", **filters.with_client(None).to_args()),
            rollups=ctx.rollups,
            plotly_js_url=plotly_js_url(),
            plotly_style_ids=plotly_style_ids(),
        )


def register_dashboard_views(appbuilder: AppBuilder) -> None:
    """The overview under the top-level menu "Dashboards" (first); the client dashboard has no menu entry."""
    current_app.register_blueprint(dashboard_assets)
    appbuilder.add_view(DashboardView, "Dashboards", icon="fa-chart-line", label="Dashboards")
    # First in the menu bar: managers open it first thing in the morning.
    menu = appbuilder.menu.menu
    menu.sort(key=lambda item: item.name != "Dashboards")
