"""License figure: seats assigned against seats bought, per pool."""

from __future__ import annotations

from collections.abc import Sequence

from app.dashboards.figures.common import Figure, add_trace, empty_figure, label, new_figure, trace
from app.dashboards.queries.licenses import PoolUsage

NO_POOLS = "No license pools yet."
NO_CLIENT_LICENSES = "No license seats assigned to this client."
#: The fullest pools are shown; the rest are left out.
MAX_POOLS = 40


def license_usage_figure(pools: Sequence[PoolUsage], for_client: bool) -> Figure:
    """A stacked bar per pool (fullest on top): seats used (the client's apart) and seats free."""
    if not pools:
        return empty_figure(NO_CLIENT_LICENSES if for_client else NO_POOLS)
    ordered = list(reversed(list(pools)[:MAX_POOLS]))
    names = [label(f"{p.vendor} {p.product_name}") for p in ordered]
    shares = [[float(p.utilisation or 0) * 100, p.total_seats] for p in ordered]
    figure = new_figure(
        barmode="stack",
        height=max(220, 30 * len(ordered) + 90),
        xaxis={"title": {"text": "Seats"}, "tickformat": ",d"},
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
    for name, values, colour in stacks:
        add_trace(
            figure,
            trace(
                "bar",
                y=names,
                x=values,
                orientation="h",
                name=name,
                marker={"color": colour},
                customdata=shares,
                hovertemplate=f"%{{y}}<br>{name.lower()}: %{{x:,}} seats "
                "(pool %{customdata[0]:.1f} % used of %{customdata[1]:,})<extra></extra>",
            ),
        )
    return figure
