"""What every figure builder shares: the look, empty states, units, point caps, serialisation."""

from __future__ import annotations

import base64
import json
import math
import sys
from array import array
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from app.dashboards.filters import MAX_POINTS
from app.dashboards.plotly_bundle import bundled_trace_types

T = TypeVar("T")

#: A figure as plotly.js reads it: {"data": [trace, ...], "layout": {...}}. Plain dicts, not
#: `plotly.graph_objects`: its validators cost a worker ~30 MB and ~4 ms a figure; the unit
#: tests still validate every figure against Plotly's schema.
Figure = dict[str, Any]
Trace = dict[str, Any]

#: What Plotly writes for `template="none"` (plotly.js's own look; the default template
#: would add ~6 kB to every figure).
NO_TEMPLATE = {"data": {"scatter": [{"type": "scatter"}]}}

#: The layout.meta key an empty figure carries its message under.
EMPTY_MESSAGE = "empty_message"

#: SLA and metric units -> what follows a number ("" for plain counts).
UNIT_SUFFIX = {"percent": "%", "%": "%", "minutes": "min", "hours": "h", "count": "", "": ""}
UNIT_LABEL = {"percent": "percent", "%": "percent", "minutes": "minutes", "hours": "hours", "count": "count"}


def new_figure(**layout: object) -> Figure:
    """An empty figure with the house look; `layout` overrides."""
    base = {
        "template": NO_TEMPLATE,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        # Above the plot: below it, the legend would collide with the x axis title.
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "height": 320,
        "xaxis": {},
        "yaxis": {},
    }
    merged = base | layout
    for key, value in merged.items():
        if key.startswith(("xaxis", "yaxis")):
            # Room for tick labels and titles: the margins above are only the minimum.
            merged[key] = {"automargin": True} | dict(value)
    return {"data": [], "layout": merged}


def trace(kind: str, **properties: object) -> Trace:
    """A trace of type `kind` ("bar", "scatter", "indicator"), properties as plotly.js names them.

    A property given as None is left out (unset), as Plotly does. A type the browser's partial
    plotly.js bundle lacks is refused here (it would draw an empty chart).
    """
    if kind not in bundled_trace_types():
        raise ValueError(f"trace type {kind!r} is not in the browser's plotly.js bundle (plotly_bundle.py)")
    return {"type": kind} | {name: value for name, value in properties.items() if value is not None}


def add_trace(figure: Figure, new: Trace) -> None:
    figure["data"].append(new)


def panel_axes(index: int) -> dict[str, str]:
    """The axis references of the `index`-th panel (1-based) of a `stacked_figure`, for a trace."""
    return {"xaxis": "x" if index == 1 else f"x{index}", "yaxis": "y" if index == 1 else f"y{index}"}


def stacked_figure(
    titles: Sequence[str],
    yaxes: Sequence[dict],
    panel_height: int = 200,
    shared_x: bool = True,
    xaxis: dict | None = None,
    **layout: object,
) -> Figure:
    """Panels stacked vertically, one per title, each with its own y axis (`yaxes`).

    Plotly's `make_subplots` costs ~20 ms a figure; laying the axes out here costs ~1 ms.
    """
    count = len(titles)
    height = 60 + panel_height * count
    gap = min(0.12, 70 / height)
    share = 1 / count
    axes: dict[str, object] = {}
    annotations = []
    for index in range(1, count + 1):
        top = 1 - (index - 1) * share
        bottom = top - share + (gap if index < count else 0)
        top -= gap * 0.35 if index > 1 else 0
        refs = panel_axes(index)
        x_settings = dict(xaxis or {}) | {"anchor": refs["yaxis"]}
        if shared_x and index > 1:
            x_settings["matches"] = "x"
        if shared_x and index < count:
            x_settings["showticklabels"] = False
        axes["xaxis" if index == 1 else f"xaxis{index}"] = x_settings
        axes["yaxis" if index == 1 else f"yaxis{index}"] = dict(yaxes[index - 1]) | {
            "domain": [max(bottom, 0.0), top],
            "anchor": refs["xaxis"],
        }
        annotations.append(
            {
                "text": f"<b>{titles[index - 1]}</b>",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "xanchor": "left",
                "y": top,
                "yanchor": "bottom",
                "font": {"size": 12},
            }
        )
    # Below the last panel: above the first, the legend would cover its title.
    legend = {"orientation": "h", "x": 0, "y": -40 / height, "yanchor": "top"}
    return new_figure(height=height, annotations=annotations, legend=legend, **axes, **layout)


def empty_figure(message: str) -> Figure:
    """A figure with no traces that says what is missing (the page shows the message instead)."""
    figure = new_figure(
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {"text": message, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}
        ],
        meta={EMPTY_MESSAGE: message},
        height=160,
    )
    return figure


def empty_message(figure: Figure) -> str | None:
    """The message of an empty figure, None for a figure with data."""
    meta = figure["layout"].get("meta")
    return meta.get(EMPTY_MESSAGE) if isinstance(meta, dict) else None


def figure_json(figure: Figure) -> str:
    """The figure as the JSON plotly.js reads (numbers from the database as Plotly's encoder writes them)."""
    return json.dumps(figure, separators=(",", ":"), default=_plotly_value)


def _plotly_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return iso(value)
    raise TypeError(f"{type(value).__name__} is not a figure value")


def label(text: str) -> str:
    """Text from the database made inert for Plotly, which reads a little HTML in labels."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def suffix(unit: str | None) -> str:
    """' %', ' min', ' eps'... to put after a number, '' for a plain count."""
    text = UNIT_SUFFIX.get(unit or "", unit or "")
    return f" {text}" if text else ""


def unit_label(unit: str | None) -> str:
    return UNIT_LABEL.get(unit or "", unit or "")


def money_hover(currency: str, axis: str = "y") -> str:
    """`12,345.67 EUR`: money keeps two decimals and its currency in every hover."""
    return f"%{{{axis}:,.2f}} {currency}"


def iso(value: date | datetime) -> str:
    """Dates as ISO strings, times as `YYYY-MM-DD HH:MM` in UTC: short, and read by Plotly as is."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def number(value: Decimal | float | int | None) -> float | None:
    """Money and measures as floats for plotting (hover formats them back to fixed decimals)."""
    return None if value is None else float(value)


def typed_array(values: Sequence[float | None]) -> dict[str, str]:
    """A Plotly typed array (little-endian float64, base64; None becomes a gap).

    plotly.js reads them natively: long series cost almost nothing to build and send.
    """
    data = array("d", (math.nan if v is None else v for v in values))
    if sys.byteorder != "little":
        data.byteswap()
    return {"dtype": "f8", "bdata": base64.b64encode(data.tobytes()).decode("ascii")}


def decode_typed_array(spec: dict[str, str]) -> list[float | None]:
    """The values of a `typed_array` (NaN back to None): for tests and debugging."""
    data = array("d")
    data.frombytes(base64.b64decode(spec["bdata"]))
    if sys.byteorder != "little":
        data.byteswap()
    return [None if math.isnan(v) else v for v in data]


def cap_points(
    xs: Sequence, ys: Sequence[float | None], limit: int = MAX_POINTS
) -> tuple[list, list[float | None]]:
    """At most `limit` points: consecutive runs are merged (first x, mean y) when there are more."""
    if len(xs) <= limit:
        return list(xs), list(ys)
    size = -(-len(xs) // limit)  # ceiling division
    out_x, out_y = [], []
    for start in range(0, len(xs), size):
        chunk = [y for y in ys[start : start + size] if y is not None]
        out_x.append(xs[start])
        out_y.append(sum(chunk) / len(chunk) if chunk else None)
    return out_x, out_y


def group_by(rows: Sequence[T], key: Callable[[T], Hashable]) -> dict[Hashable, list[T]]:
    """Rows grouped by `key(row)`, groups in first-seen order."""
    groups: dict = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups
