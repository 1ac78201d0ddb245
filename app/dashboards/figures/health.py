"""Service health figures: latest values as bullet gauges, and the time series behind them."""

from __future__ import annotations

from collections.abc import Sequence

from app.dashboards.figures.common import (
    Figure,
    add_trace,
    cap_points,
    empty_figure,
    label,
    new_figure,
    number,
    panel_axes,
    stacked_figure,
    suffix,
    trace,
    typed_array,
    unit_label,
)
from app.dashboards.queries.health import LatestValue, MetricSeries

NO_METRICS = "No service metrics yet: configure a data source (e.g. Grafana) for EDR, SIEM or NDR."
MAX_GAUGES = 16
MAX_SERIES = 8
BAND = "rgba(31, 119, 180, 0.15)"


def _gauge_range(row: LatestValue) -> list[float]:
    if row.unit == "%":
        return [0, 100]
    top = max(number(row.maximum), number(row.value), 1.0)
    return [0, top * 1.2]


def latest_values_figure(rows: Sequence[LatestValue], fleet: bool) -> Figure:
    """A bullet gauge per (service, metric): one client's latest value, or the fleet's average
    with the range of the clients' values shaded."""
    if not rows:
        return empty_figure(NO_METRICS)
    rows = list(rows)[:MAX_GAUGES]
    count = len(rows)
    row_height = 1 / count
    figure = new_figure(height=40 + 72 * count, margin={"l": 10, "r": 10, "t": 20, "b": 10})
    for index, row in enumerate(rows):
        top = 1 - index * row_height
        clients = f"<br>avg of {row.clients:,} client{'s' if row.clients != 1 else ''}" if fleet else ""
        title = (
            f"<b>{label(row.metric_name)}</b><br>"
            f"<span style='font-size:0.85em'>{label(row.service_name)}{clients}</span>"
        )
        gauge = {
            "shape": "bullet",
            "axis": {"range": _gauge_range(row)},
            "bar": {"thickness": 0.5},
        }
        if fleet:
            gauge["steps"] = [{"range": [number(row.minimum), number(row.maximum)], "color": BAND}]
        add_trace(
            figure,
            trace(
                "indicator",
                mode="number+gauge",
                value=number(row.value),
                number={"suffix": suffix(row.unit), "valueformat": ",.2f", "font": {"size": 14}},
                title={"text": title, "align": "right", "font": {"size": 11}},
                # The title sits left of the domain; plotly.js keeps the number inside its right end.
                domain={"x": [0.36, 0.98], "y": [top - row_height * 0.75, top - row_height * 0.15]},
                gauge=gauge,
            ),
        )
    return figure


def metric_series_figure(rows: Sequence[MetricSeries], fleet: bool, bucket: str) -> Figure:
    """One panel per (service, metric) over time: the client's values, or the fleet's average
    with a min-max band. At most 2,000 points per trace."""
    if not rows:
        return empty_figure(NO_METRICS)
    shown = list(rows)[:MAX_SERIES]
    figure = stacked_figure(
        [f"{label(s.metric_name)} · {label(s.service_name)} ({unit_label(s.unit)})" for s in shown],
        [{"title": {"text": unit_label(s.unit)}} for s in shown],
        panel_height=160,
        showlegend=fleet,
        hovermode="x unified",
        # x values are epoch milliseconds (typed arrays): the axis must be told they are dates.
        xaxis={"type": "date", "hoverformat": "%d %b %Y %H:%M UTC"},
    )
    for index, series in enumerate(shown, start=1):
        unit_text = suffix(series.unit)
        if fleet:
            for name, values, fill in (
                ("Minimum", series.minimum, None),
                ("Maximum", series.maximum, "tonexty"),
            ):
                xs, ys = cap_points(series.buckets, values)
                add_trace(
                    figure,
                    trace(
                        "scatter",
                        x=typed_array(xs),
                        y=typed_array(ys),
                        name=name,
                        mode="lines",
                        line={"width": 0},
                        fill=fill,
                        fillcolor=BAND,
                        legendgroup="band",
                        showlegend=index == 1 and name == "Maximum",
                        **panel_axes(index),
                        hovertemplate=f"{name.lower()} %{{y:,.2f}}{unit_text}<extra></extra>",
                    ),
                )
        xs, ys = cap_points(series.buckets, series.average)
        add_trace(
            figure,
            trace(
                "scatter",
                x=typed_array(xs),
                y=typed_array(ys),
                name="Average of clients" if fleet else label(series.metric_name),
                mode="lines",
                line={"color": "#1f77b4"},
                legendgroup="average",
                showlegend=fleet and index == 1,
                **panel_axes(index),
                hovertemplate=f"{'average ' if fleet else ''}%{{y:,.2f}}{unit_text} per {bucket}"
                "<extra></extra>",
            ),
        )
    return figure
