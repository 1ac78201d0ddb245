"""License figure: seats assigned against seats bought, per pool, as shares of each pool."""

from __future__ import annotations

from collections.abc import Sequence

from app.dashboards.figures.common import Figure, add_trace, empty_figure, label, new_figure, trace
from app.dashboards.queries.licenses import PoolUsage

NO_POOLS = "No license pools yet."
NO_CLIENT_LICENSES = "No license seats assigned to this client."
#: The fullest pools are shown; the rest are left out.
MAX_POOLS = 40


def license_usage_figure(pools: Sequence[PoolUsage], for_client: bool) -> Figure:
    """A stacked bar per pool (fullest on top) as shares of the pool's seats: seats used (the
    client's apart) and seats free.

    Shares, not seat counts, on the axis: every pool is drawn at the same length, so a 10-seat
    pool stays as visible as a 5,000-seat one (seat counts on one axis made small pools vanish;
    a log axis would distort stacked bars). Each bar is labelled "used / bought" in seats and
    the hover gives the seats of each part.
    """
    if not pools:
        return empty_figure(NO_CLIENT_LICENSES if for_client else NO_POOLS)
    ordered = list(reversed(list(pools)[:MAX_POOLS]))
    names = [label(f"{p.vendor} {p.product_name}") for p in ordered]
    totals = [p.total_seats for p in ordered]
    widest = max([100.0] + [p.assigned_seats * 100 / p.total_seats for p in ordered if p.total_seats])
    figure = new_figure(
        barmode="stack",
        height=max(220, 30 * len(ordered) + 90),
        # Room on the right for the "used / bought" labels.
        xaxis={"title": {"text": "Share of the pool's seats"}, "ticksuffix": " %",
               "range": [0, widest * 1.2]},
        annotations=[
            {
                "x": max(p.assigned_seats, p.total_seats) * 100 / p.total_seats if p.total_seats else 0,
                "y": name,
                "xref": "x",
                "yref": "y",
                "text": f"{p.assigned_seats:,} / {p.total_seats:,}",
                "showarrow": False,
                "xanchor": "left",
                "xshift": 4,
                "font": {"size": 11},
            }
            for p, name in zip(ordered, names, strict=True)
        ],
    )
    stacks = [("Free", [max(p.total_seats - p.assigned_seats, 0) for p in ordered], "#c7c7c7")]
    if for_client:
        stacks = [
            ("This client", [p.client_seats for p in ordered], "#ff7f0e"),
            ("Other clients", [p.assigned_seats - p.client_seats for p in ordered], "#1f77b4"),
            *stacks,
        ]
    else:
        stacks = [("Assigned", [p.assigned_seats for p in ordered], "#1f77b4"), *stacks]
    for name, seats, colour in stacks:
        add_trace(
            figure,
            trace(
                "bar",
                y=names,
                x=[round(n * 100 / total, 2) if total else 0 for n, total in zip(seats, totals, strict=True)],
                orientation="h",
                name=name,
                marker={"color": colour},
                customdata=[
                    [float(p.utilisation or 0) * 100, p.total_seats, n]
                    for p, n in zip(ordered, seats, strict=True)
                ],
                hovertemplate=f"%{{y}}<br>{name.lower()}: %{{customdata[2]:,}} seats "
                "(pool %{customdata[0]:.1f} % used of %{customdata[1]:,})<extra></extra>",
            ),
        )
    return figure
