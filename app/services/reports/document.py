"""A report's figures (app.services.reports.content) as HTML and as CSV.

The HTML body (`templates/reports/_body.html`) is the same for the page in the app, the
PDF and the stored HTML document; the PDF and the page draw the same Plotly figures into
the body's `report-chart-<key>` elements. CSV: one row per figure the report shows
(section, item, detail, value, unit), from the same data (the screen streams them as CSV).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import render_template

from app.dashboards.figures.common import label as metric_label
from app.dashboards.figures.tickets import PRIORITY_LABELS

STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "waiting_on_client": "Waiting on client",
    "resolved": "Resolved",
    "closed": "Closed",
    "cancelled": "Cancelled",
}
UNIT_SUFFIX = {"percent": " %", "%": " %", "minutes": " min", "hours": " h", "count": ""}
CHART_TITLES = {
    "sla_compliance": "SLA compliance per month",
    "sla_target_actual": "SLA target vs actual",
    "tickets_flow": "Tickets created vs resolved per week",
    "health": "Service health over the period (average, min-max)",
    "licenses": "License seats",
}


@dataclass(frozen=True)
class Branding:
    """What the report carries of the MSSP (an Admin sets it: Reports > Branding)."""

    company_name: str = "Managed Security Services"
    primary_colour: str = "#1F3A5F"
    accent_colour: str = "#2A9D8F"
    footer: str = ""
    logo_data_uri: str | None = None

    @classmethod
    def from_row(cls, row: Any | None) -> Branding:
        if row is None:
            return cls()
        logo = None
        if row.logo and row.logo_content_type:
            logo = f"data:{row.logo_content_type};base64,{base64.b64encode(row.logo).decode()}"
        return cls(row.company_name, row.primary_colour, row.accent_colour, row.footer or "", logo)


def chart_id(key: str) -> str:
    return f"report-chart-{key}"


def figures_by_element(data: dict[str, Any]) -> dict[str, Any]:
    """The report's Plotly figures keyed by the id of the element that shows each."""
    return {chart_id(key): figure for key, figure in (data.get("charts") or {}).items()}


# --- number formatting (used by the template and the CSV alike) --------------------------------


def decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def fmt_number(value: Any, places: int = 2) -> str:
    number = decimal(value)
    if number is None:
        return "—"
    if number == number.to_integral_value() and places == 0:
        return f"{number:,.0f}"
    return f"{number:,.{places}f}"


def fmt_unit(value: Any, unit: str | None, places: int = 2) -> str:
    text = fmt_number(value, places)
    return text if text == "—" else f"{text}{UNIT_SUFFIX.get(unit or '', ' ' + (unit or '')).rstrip()}"


def fmt_percent(value: Any) -> str:
    return fmt_unit(value, "percent")


def fmt_money(value: Any, currency: str) -> str:
    text = fmt_number(value, 2)
    return text if text == "—" else f"{text} {currency}"


def fmt_minutes(value: Any) -> str:
    number = decimal(value)
    if number is None:
        return "—"
    if number >= 120:
        return f"{number / 60:,.1f} h"
    return f"{number:,.1f} min"


def fmt_change(now: Any, before: Any, unit: str = "") -> str:
    """`+3`, `-1.50 %`, or `—` when either side is missing."""
    a, b = decimal(now), decimal(before)
    if a is None or b is None:
        return "—"
    delta = a - b
    places = 0 if delta == delta.to_integral_value() and not unit else 2
    return f"{delta:+,.{places}f}{' ' + unit if unit else ''}"


TEMPLATE_HELPERS = {
    "fmt_number": fmt_number,
    "fmt_unit": fmt_unit,
    "fmt_percent": fmt_percent,
    "fmt_money": fmt_money,
    "fmt_minutes": fmt_minutes,
    "fmt_change": fmt_change,
    "metric_label": metric_label,
    "priority_label": lambda p: PRIORITY_LABELS.get(p, p),
    "status_label": lambda s: STATUS_LABELS.get(s, s),
    "chart_id": chart_id,
    "chart_titles": CHART_TITLES,
}


# --- HTML --------------------------------------------------------------------------------------


def render_style(branding: Branding) -> str:
    """The report's `<style>` (branding colours, print layout); the caller adds a CSP nonce if needed."""
    return render_template("reports/_style.css", branding=branding)


def render_body(data: dict[str, Any], branding: Branding, notes: str | None) -> str:
    """The report's content as an HTML fragment, with empty chart elements for the figures."""
    return render_template(
        "reports/_body.html", data=data, branding=branding, notes=notes, **TEMPLATE_HELPERS
    )


def render_document(data: dict[str, Any], branding: Branding, notes: str | None) -> str:
    """A standalone HTML file of the report (stored when no PDF engine is installed): the tables,
    without charts (they need plotly.js)."""
    return render_template(
        "reports/document.html",
        style=render_style(branding),
        body=render_body(data, branding, notes),
        title=f"{data['client']['name']} · {data['period']['label']}",
    )


# --- CSV ---------------------------------------------------------------------------------------

CSV_HEADER = ("section", "item", "detail", "value", "unit")


def csv_rows(data: dict[str, Any], notes: str | None = None) -> Iterator[tuple[Any, ...]]:
    """Every figure of the report, one per row: (section, item, detail, value, unit)."""
    client, period, summary = data["client"], data["period"], data["summary"]
    yield ("cover", "client", "", client["name"], "")
    yield ("cover", "period", period["key"], f"{period['start']}..{period['end']}", "")
    manager = data.get("account_manager")
    yield ("cover", "account manager", "", manager["name"] if manager else "", "")
    yield ("cover", "currency", "", client["currency"], "")
    for label_, previous in (("this period", summary), ("previous period", summary.get("previous") or {})):
        if not previous:
            continue
        detail = label_ if label_ == "this period" else summary.get("previous_label", label_)
        yield ("summary", "SLA attainment", detail, previous["sla_percent"] or "", "percent")
        yield ("summary", "SLA measures met", detail, previous["sla_met"], "count")
        yield ("summary", "SLA measures", detail, previous["sla_measures"], "count")
        yield ("summary", "tickets opened", detail, previous["tickets_opened"], "count")
        yield ("summary", "tickets resolved", detail, previous["tickets_resolved"], "count")
        yield ("summary", "tickets breaching SLA", detail, previous["tickets_breached"], "count")
        for priority, count in previous["incidents_by_priority"].items():
            yield ("summary", "incidents", f"{detail}: {priority}", count, "count")
        yield ("summary", "availability", detail, previous["availability"] or "", "percent")
    for m in data["sla"]["measures"]:
        yield ("sla", m["metric"], "target", m["target"], m["unit"])
        yield ("sla", m["metric"], "actual", m["actual"] or "", m["unit"])
        yield ("sla", m["metric"], "measures", m["measures"], "count")
        yield ("sla", m["metric"], "breached", m["breached"], "count")
    for b in data["sla"]["breaches"]:
        yield (
            "sla breach",
            b["metric"],
            f"{b['start']}..{b['end']} target {b['target']}",
            b["actual"] or "",
            b["unit"],
        )
    for t in data["tickets"]["by_priority_status"]:
        yield ("tickets", t["priority"], t["status"], t["tickets"], "count")
    for t in data["tickets"]["times"]:
        p = t["priority"]
        yield ("ticket times", p, "opened", t["opened"], "count")
        yield ("ticket times", p, "resolved", t["resolved"], "count")
        yield ("ticket times", p, "median time to respond", t["median_response_minutes"] or "", "minutes")
        yield ("ticket times", p, "response target (median)", t["response_target_minutes"] or "", "minutes")
        yield ("ticket times", p, "responded within target", t["responded_in_time"], "count")
        yield ("ticket times", p, "median time to resolve", t["median_resolution_minutes"] or "", "minutes")
        yield (
            "ticket times",
            p,
            "resolution target (median)",
            t["resolution_target_minutes"] or "",
            "minutes",
        )
        yield ("ticket times", p, "resolved within target", t["resolved_in_time"], "count")
    for h in data["health"]:
        item = f"{h['service']}: {h['metric']}"
        for key in ("average", "minimum", "maximum", "last"):
            yield ("service health", item, key, h[key], h["unit"])
    for lic in data["licenses"]:
        yield ("licenses", f"{lic['vendor']} {lic['product']}", "seats", lic["seats"], "count")
    for hw in data["hardware"]:
        yield ("hardware", hw["device"], hw["tag"], hw["since"], "assigned")
    for c in data["contracts"]:
        yield ("contracts", c["name"], f"{c['start']}..{c['end']}", c["value"], c["currency"])
    for c in data["renewals"]["contracts"]:
        yield ("renewals", c["name"], f"ends {c['end']}", c["value"], c["currency"])
    if notes:
        yield ("notes", "account manager's notes", "", notes, "")
