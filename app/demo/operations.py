"""Demo license seats, hardware custody, SLA results, tickets and hourly service metrics."""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from app.demo.catalog import (
    CONTACT_FIRST_NAMES,
    CONTACT_LAST_NAMES,
    DEMO_DEVICE_MODELS,
    DEMO_DEVICES_PER_MODEL,
    DEMO_LICENSE_PRODUCTS,
    DEMO_PERFORMANCE_METRICS,
    DEMO_SLAS,
    DEMO_TICKET_PRIORITIES,
    DEMO_TICKET_SUMMARIES,
    DemoDeviceModel,
)
from app.demo.context import DemoContext, add_months, month_end, month_start
from app.demo.sales import SIZE_FACTOR
from app.models.catalog import Service, ServiceCategory
from app.models.clients import Client, ClientStatus
from app.models.contracts import Contract, ServiceScope
from app.models.hardware import AssetStatus, ClientHardwareAssignment, HardwareAsset, HardwareAssignmentStatus
from app.models.licensing import ClientLicense, ClientLicenseStatus, LicensePool
from app.models.metrics import (
    ServicePerformanceMetric,
    SLAMetric,
    TicketPriority,
    TicketSource,
    TicketStatus,
    TicketSummary,
)

#: (metric name, unit, typical value, relative hourly noise, daily swing).
MetricDefinition = tuple[str, str, float, float, float]

#: Clients whose services report hourly metrics (a handful keeps the demo fast).
METRIC_CLIENTS = 5
METRIC_DAYS = 30


# --- licenses -------------------------------------------------------------------------------


def add_license_pools(ctx: DemoContext) -> None:
    for product in DEMO_LICENSE_PRODUCTS:
        ctx.pools.append(
            ctx.add(
                "license_pools",
                LicensePool(
                    product_name=product.product_name,
                    vendor=product.vendor,
                    license_type=product.license_type,
                    total_seats=product.total_seats,
                    cost_per_seat=product.cost_per_seat,
                    currency=product.currency,
                    expiry_date=add_months(month_start(ctx.today), ctx.rng.randint(2, 20)),
                    is_active=True,
                ),
            )
        )


def add_client_licenses(ctx: DemoContext) -> None:
    """Seats for each customer's scoped services; a pool is never assigned beyond its seats."""
    pools = {p.feeds_category: pool for p, pool in zip(DEMO_LICENSE_PRODUCTS, ctx.pools, strict=True)}
    remaining = {pool.id: pool.total_seats for pool in ctx.pools}
    for client in ctx.clients:
        contract = ctx.latest_signed(client)
        if contract is None:
            continue
        first = ctx.signed_contracts(client)[0]
        for scope in contract.scopes:
            pool = pools.get(scope.service.category)
            seats = int(scope.quantity)
            if pool is None or seats <= 0 or seats > remaining[pool.id]:
                continue
            remaining[pool.id] -= seats
            ctx.licenses.append(
                ctx.add(
                    "client_licenses",
                    ClientLicense(
                        license_pool=pool,
                        client=client,
                        assigned_seats=seats,
                        assignment_date=first.start_date + timedelta(days=ctx.rng.randint(0, 7)),
                        status=_license_status(client),
                    ),
                )
            )


def _license_status(client: Client) -> ClientLicenseStatus:
    if client.status is ClientStatus.ACTIVE:
        return ClientLicenseStatus.ACTIVE
    return (
        ClientLicenseStatus.REVOKED if client.status is ClientStatus.ARCHIVED else ClientLicenseStatus.EXPIRED
    )


def live_seats(ctx: DemoContext, pool: LicensePool, day: date) -> int:
    """Seats of `pool` in use on `day` (assigned by then, client still under contract)."""
    return sum(
        lic.assigned_seats
        for lic in ctx.licenses
        if lic.license_pool is pool
        and lic.assignment_date <= day
        and ctx.contract_on(lic.client, day) is not None
    )


# --- hardware -------------------------------------------------------------------------------


def add_hardware_assets(ctx: DemoContext) -> None:
    number = 0
    for model in DEMO_DEVICE_MODELS:
        for _ in range(DEMO_DEVICES_PER_MODEL):
            number += 1
            ctx.assets.append(_asset(ctx, model, number))


def _asset(ctx: DemoContext, model: DemoDeviceModel, number: int) -> HardwareAsset:
    serial = f"{model.manufacturer[:2].upper()}{ctx.rng.randint(10**7, 10**8 - 1)}{number:03d}"
    asset = ctx.add(
        "hardware_assets",
        HardwareAsset(
            asset_tag=f"MSSP-{model.tag_prefix}-{number:04d}",
            serial_number=serial,
            device_name=f"{model.tag_prefix.lower()}-{number:03d}",
            manufacturer=model.manufacturer,
            model=model.model,
            asset_type=model.asset_type,
            status=AssetStatus.IN_STOCK,
        ),
    )
    ctx.purchases[asset.id] = (ctx.today - timedelta(days=ctx.rng.randint(40, 1300)), model.price)
    return asset


def add_hardware_assignments(ctx: DemoContext) -> None:
    """Devices at the clients whose scopes need them; past clients' devices came back.

    Former clients go first so that their returned devices can be redeployed later;
    an asset never has two open assignments (the database refuses that too).
    """
    models = {(m.asset_type, m.manufacturer): m for m in DEMO_DEVICE_MODELS}
    pool_by_category: dict[ServiceCategory, list[HardwareAsset]] = {}
    for asset in ctx.assets:
        category = models[(asset.asset_type, asset.manufacturer)].deployed_for
        if category is not None:
            pool_by_category.setdefault(category, []).append(asset)
    busy_until: dict[uuid.UUID, date | None] = {}
    ordered = sorted(ctx.clients, key=lambda c: c.status is ClientStatus.ACTIVE)
    for client in ordered:
        contract = ctx.latest_signed(client)
        if contract is None:
            continue
        for scope in contract.scopes:
            candidates = pool_by_category.get(scope.service.category, [])
            for _ in range(min(int(scope.quantity), 2)):
                _deploy(ctx, client, contract, scope, candidates, busy_until)
    _settle_asset_statuses(ctx, busy_until)
    _make_a_few_overdue(ctx)


def _deploy(
    ctx: DemoContext,
    client: Client,
    contract: Contract,
    scope: ServiceScope,
    candidates: list[HardwareAsset],
    busy_until: dict[uuid.UUID, date | None],
) -> None:
    """Put the first free device of `candidates` at `client` (returned again if it left)."""
    start = ctx.signed_contracts(client)[0].start_date
    for asset in candidates:
        purchased, _price = ctx.purchases[asset.id]
        free_from = busy_until.get(asset.id, purchased)
        if free_from is None:
            continue  # deployed elsewhere and not back
        since = max(start, free_from + timedelta(days=7))
        returned = contract.end_date if client.status is not ClientStatus.ACTIVE else None
        if returned is not None and since > returned:
            continue
        busy_until[asset.id] = returned
        ctx.assignments.append(
            ctx.add(
                "hardware_assignments",
                ClientHardwareAssignment(
                    hardware_asset=asset,
                    client=client,
                    service_scope=scope,
                    assignment_date=since,
                    # The device goes back when the contract it serves ends.
                    expected_return_date=contract.end_date,
                    return_date=returned,
                    status=HardwareAssignmentStatus.ACTIVE
                    if returned is None
                    else HardwareAssignmentStatus.RETURNED,
                ),
            )
        )
        if returned is None:
            asset.custom_field_data = {
                "rack_location": f"{client.company_name[:3].upper()}-DC1/R{ctx.rng.randint(1, 20)}"
            }
        return


#: Days past due of the few devices still out after their due date (swapped out for a newer
#: model, the old one never sent back): what the "hardware not returned" alert is for.
DEMO_OVERDUE_DAYS = (4, 15, 38)


def _make_a_few_overdue(ctx: DemoContext) -> None:
    """Bring the due date of a few devices out for a while into the past (spread, no random
    draw: the rest of the demo data stays as it was)."""
    longest_out = sorted(
        (a for a in ctx.assignments if a.return_date is None and a.expected_return_date is not None),
        key=lambda a: (a.assignment_date, a.hardware_asset.asset_tag),
    )
    step = max(len(longest_out) // len(DEMO_OVERDUE_DAYS), 1)
    for assignment, days in zip(longest_out[::step], DEMO_OVERDUE_DAYS, strict=False):
        due = ctx.today - timedelta(days=days)
        if assignment.assignment_date <= due < assignment.expected_return_date:
            assignment.expected_return_date = due


def _settle_asset_statuses(ctx: DemoContext, busy_until: dict[uuid.UUID, date | None]) -> None:
    idle = []
    for asset in ctx.assets:
        if asset.id in busy_until and busy_until[asset.id] is None:
            asset.status = AssetStatus.IN_USE
        else:
            idle.append(asset)
    for asset in idle[:2]:
        asset.status = AssetStatus.MAINTENANCE
    for asset in idle[-2:]:
        asset.status = AssetStatus.RETIRED


# --- SLAs and tickets -----------------------------------------------------------------------


def add_sla_metrics(ctx: DemoContext, months: int = 6) -> None:
    """Monthly SLA results for the last complete months of every customer under contract."""
    for client in ctx.clients:
        for back in range(months, 0, -1):
            first = add_months(month_start(ctx.today), -back)
            contract = ctx.contract_on(client, first)
            if contract is None:
                continue
            for sla in DEMO_SLAS:
                actual = Decimal(str(round(ctx.rng.uniform(*sla.spread), 2)))
                breached = actual < sla.target if sla.higher_is_better else actual > sla.target
                ctx.add(
                    "sla_metrics",
                    SLAMetric(
                        client=client,
                        contract=contract,
                        metric_name=sla.metric_name,
                        period_start=first,
                        period_end=month_end(first),
                        target_value=sla.target,
                        actual_value=actual,
                        unit=sla.unit,
                        is_breached=breached,
                    ),
                )


def add_tickets(ctx: DemoContext, days: int = 90) -> None:
    """Tickets from the SOC's Jira (and a few by email) over the last `days` days."""
    number = 1000
    for client in ctx.clients:
        if client.status is not ClientStatus.ACTIVE:
            continue
        for _ in range(ctx.rng.randint(4, 14)):
            number += 1
            ctx.tickets.append(ctx.add("ticket_summaries", _ticket(ctx, client, number, days)))


def _ticket(ctx: DemoContext, client: Client, number: int, days: int) -> TicketSummary:
    rng = ctx.rng
    name, _share, respond_min, resolve_min = rng.choices(
        DEMO_TICKET_PRIORITIES, weights=[p[1] for p in DEMO_TICKET_PRIORITIES]
    )[0]
    opened = ctx.now - timedelta(minutes=rng.randint(30, days * 24 * 60))
    response_due, resolution_due = (
        opened + timedelta(minutes=respond_min),
        opened + timedelta(minutes=resolve_min),
    )
    first_response = _within(ctx, opened, respond_min, late_share=0.06)
    # Some tickets wait on the client for a long time: a backlog worth showing.
    resolved = None if rng.random() < 0.05 else _within(ctx, opened, resolve_min, late_share=0.08)
    breached = (first_response or ctx.now) > response_due or (resolved or ctx.now) > resolution_due
    by_email = rng.random() < 0.1
    host = (
        f"{client.company_name[:3].lower()}-{rng.choice(('ws', 'srv', 'fw', 'vpn'))}{rng.randint(1, 250):03d}"
    )
    user = f"{rng.choice(CONTACT_FIRST_NAMES)}.{rng.choice(CONTACT_LAST_NAMES)}".lower()
    return TicketSummary(
        client=client,
        source=TicketSource.EMAIL if by_email else TicketSource.JIRA,
        external_key=f"{'MAIL' if by_email else 'SOC'}-{number}",
        summary=rng.choice(DEMO_TICKET_SUMMARIES).format(host=host, user=user),
        status=_ticket_status(ctx, resolved),
        priority=TicketPriority(name),
        opened_at=opened,
        first_response_at=first_response,
        resolved_at=resolved,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        is_sla_breached=breached,
    )


def _within(ctx: DemoContext, opened: datetime, due_minutes: int, late_share: float) -> datetime | None:
    """When something happened after `opened`: mostly before its due time; None if still ahead."""
    factor = ctx.rng.uniform(1.05, 1.8) if ctx.rng.random() < late_share else ctx.rng.uniform(0.1, 0.95)
    at = opened + timedelta(minutes=due_minutes * factor)
    return at if at <= ctx.now else None


def _ticket_status(ctx: DemoContext, resolved: datetime | None) -> TicketStatus:
    if resolved is None:
        return ctx.rng.choice((TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_ON_CLIENT))
    return TicketStatus.CLOSED if ctx.now - resolved > timedelta(days=3) else TicketStatus.RESOLVED


# --- hourly service metrics -----------------------------------------------------------------


def add_performance_metrics(ctx: DemoContext) -> None:
    """30 days of hourly points for a handful of customers, written in one bulk INSERT."""
    ctx.session.flush()  # the clients and services the rows point at
    end = ctx.now.replace(minute=0, second=0, microsecond=0)
    rows: list[dict[str, Any]] = []
    for client in _metric_clients(ctx):
        contract = ctx.latest_signed(client)
        for scope in contract.scopes:
            for definition in DEMO_PERFORMANCE_METRICS.get(scope.service.category, ()):
                rows.extend(_series(ctx, client, scope.service, definition, end))
    if rows:
        # Core executemany: ~15k rows without building ORM objects.
        ctx.session.execute(insert(ServicePerformanceMetric.__table__), rows)
    ctx.counts["service_performance_metrics"] += len(rows)


def _metric_clients(ctx: DemoContext) -> list[Client]:
    chosen = []
    for client in ctx.clients:
        contract = ctx.latest_signed(client)
        if (
            client.status is ClientStatus.ACTIVE
            and contract is not None
            and any(s.service.category in DEMO_PERFORMANCE_METRICS for s in contract.scopes)
        ):
            chosen.append(client)
    return chosen[:METRIC_CLIENTS]


def _series(
    ctx: DemoContext, client: Client, service: Service, definition: MetricDefinition, end: datetime
) -> list[dict[str, Any]]:
    name, unit, typical, noise, swing = definition
    scale = 1.0 if unit == "%" else 0.5 + SIZE_FACTOR[client.company_size]
    rows = []
    for hour in range(METRIC_DAYS * 24, 0, -1):
        at = end - timedelta(hours=hour - 1)
        # Busy office hours, quiet nights: a daily wave with some noise.
        wave = 1 + swing * math.sin(2 * math.pi * (at.hour - 8) / 24)
        value = typical * scale * wave * (1 + noise * ctx.rng.gauss(0, 0.5))
        value = min(value, 100.0) if unit == "%" else max(value, 0.0)
        if unit == "count":
            value = float(round(value))
        rows.append(
            {
                "client_id": client.id,
                "service_id": service.id,
                "metric_name": name,
                "timestamp": at,
                "value": round(value, 3),
                "unit": unit,
            }
        )
    return rows
