"""Demo reconciliation: one clearly named client per finding kind (issue 22.7).

Two metered services join the catalog: "Metered EDR" counts `endpoints_reporting` (the
month's maximum, 5 % tolerance) and "SIEM Log Ingest" measures `gb_ingested` against the
scope's `gb_per_day` allowance (the month's average, 10 % tolerance). Each demo client
below has what makes exactly its finding, in the last complete month and in this one:

| client | records | finding |
|---|---|---|
| Recon Demo: Deployed above entitled | EDR 100 x 12.50, 130 reporting, billed | over_deployed |
| Recon Demo: Under-billed | EDR 50 x 10.00, 50 reporting, 300.00 billed | under_billed |
| Recon Demo: Seats above deployed | EDR 100 x 12.50, 70 reporting, 100 seats, billed | seats_above_deployed |
| Recon Demo: Deployed without contract | no contract, 40 EDR endpoints reporting | no_contract |
| Recon Demo: Not reconcilable | a catalog service with no metric, billed | not_reconcilable |
| Recon Demo: Usage above allowance | SIEM 50 GB/day for 1,000.00, 65 a day, billed | overage |
| Recon Demo: Usage below allowance | SIEM 50 GB/day for 1,000.00, 30 a day, billed | under_use |

The values are the service's (app.services.reconciliation.rules); `refresh_demo_reconciliation`
rolls up the usage and refreshes both months after the demo is committed, so the
reconciliation page (this month by default) shows them right after `make run`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.demo.context import DemoContext, add_months, month_start
from app.models.catalog import DeliveryModel, MetricAggregate, Service, ServiceCategory
from app.models.clients import Client, ClientStatus
from app.models.contracts import Contract, ContractStatus, SafStatus, ScopeUnit, ServiceScope
from app.models.finance import FinancialTransaction, TransactionStatus, TransactionType
from app.models.licensing import ClientLicense, LicensePool, LicenseType
from app.models.metrics import ServicePerformanceMetric
from app.models.reconciliation import FindingKind
from app.models.team import AssignmentRole, ClientTeamAssignment

D = Decimal
CURRENCY = "USD"
ACCOUNT_MANAGER_EMAIL = "am@mssp.example"
EDR_NAME = "Metered EDR"
SIEM_NAME = "SIEM Log Ingest"
#: The catalog service the "not reconcilable" client buys: it names no deployment metric.
UNMETERED_NAME = "Recon Demo Advisory"


def client_name(kind: FindingKind) -> str:
    """The demo client that shows `kind`."""
    return f"Recon Demo: {kind.label}"


def demo_months(today: date) -> list[date]:
    """The months the demo's findings are in: the last complete month and this one."""
    this = month_start(today)
    return [add_months(this, -1), this]


def add_reconciliation_cases(ctx: DemoContext) -> None:
    """The two metered services and one client per finding kind (not committed, not refreshed)."""
    if ctx.session.scalar(select(Client.id).where(Client.company_name == client_name(FindingKind.OVERAGE))):
        return
    edr = ctx.add(
        "services",
        Service(
            name=EDR_NAME,
            description="EDR billed per endpoint; the endpoints reporting are counted from the Grafana sync.",
            category=ServiceCategory.EDR,
            delivery_model=DeliveryModel.FULLY_MANAGED,
            base_price=D("9.00"),
            currency=CURRENCY,
            deployment_metric_name="endpoints_reporting",
            deployment_aggregate=MetricAggregate.MAX,
            reconciliation_tolerance_percent=D("5"),
        ),
    )
    siem = ctx.add(
        "services",
        Service(
            name=SIEM_NAME,
            description="Log management priced by the GB ingested a day.",
            category=ServiceCategory.SIEM,
            delivery_model=DeliveryModel.FULLY_MANAGED,
            base_price=D("20.00"),
            currency=CURRENCY,
            deployment_metric_name="gb_ingested",
            deployment_aggregate=MetricAggregate.AVG,
            reconciliation_tolerance_percent=D("10"),
            usage_allowance_parameter="gb_per_day",
            scope_definition_template={
                "parameters": [
                    {"name": "gb_per_day", "label": "Allowance (GB/day)", "type": "decimal", "required": True}
                ]
            },
        ),
    )
    advisory = ctx.add(
        "services",
        Service(
            name=UNMETERED_NAME,
            description="Monthly security advisory: no deployment metric, so it cannot be reconciled.",
            category=ServiceCategory.CONSULTING,
            delivery_model=DeliveryModel.PROFESSIONAL_SERVICES,
            base_price=D("2000.00"),
            currency=CURRENCY,
        ),
    )
    ctx.session.flush()
    months = demo_months(ctx.today)
    start = add_months(months[0], -6)
    manager = ctx.user(ACCOUNT_MANAGER_EMAIL)
    clients = {}
    for kind in FindingKind:
        client = ctx.add(
            "clients",
            Client(
                company_name=client_name(kind),
                status=ClientStatus.ACTIVE,
                industry="Demo",
                notes=f"Demo client whose records make the reconciliation finding '{kind.label}'.",
            ),
        )
        clients[kind] = client
        if manager is not None:
            ctx.add(
                "team_assignments",
                ClientTeamAssignment(
                    user=manager, client=client, assignment_role=AssignmentRole.ACCOUNT_MANAGER
                ),
            )

    def scope(
        kind: FindingKind, service: Service, qty: str, price: str, unit: ScopeUnit, **details
    ) -> ServiceScope:
        contract = ctx.add(
            "contracts",
            Contract(
                client=clients[kind],
                contract_name=f"{clients[kind].company_name} {start.year}",
                start_date=start,
                end_date=add_months(start, 24) - timedelta(days=1),
                status=ContractStatus.ACTIVE,
                value=D(qty) * D(price) * 24,
                currency=CURRENCY,
            ),
        )
        return ctx.add(
            "service_scopes",
            ServiceScope(
                contract=contract,
                service=service,
                quantity=D(qty),
                price=D(price),
                currency=CURRENCY,
                unit=unit,
                saf_status=SafStatus.ACTIVE,
                saf_service_start_date=start,
                scope_details=details,
            ),
        )

    scopes = {
        FindingKind.OVER_DEPLOYED: scope(FindingKind.OVER_DEPLOYED, edr, "100", "12.50", ScopeUnit.ENDPOINT),
        FindingKind.UNDER_BILLED: scope(FindingKind.UNDER_BILLED, edr, "50", "10.00", ScopeUnit.ENDPOINT),
        FindingKind.SEATS_ABOVE_DEPLOYED: scope(
            FindingKind.SEATS_ABOVE_DEPLOYED, edr, "100", "12.50", ScopeUnit.ENDPOINT
        ),
        FindingKind.NOT_RECONCILABLE: scope(
            FindingKind.NOT_RECONCILABLE, advisory, "1", "2000.00", ScopeUnit.SITE
        ),
        FindingKind.OVERAGE: scope(
            FindingKind.OVERAGE, siem, "1", "1000.00", ScopeUnit.GB_PER_DAY, gb_per_day=50
        ),
        FindingKind.UNDER_USE: scope(
            FindingKind.UNDER_USE, siem, "1", "1000.00", ScopeUnit.GB_PER_DAY, gb_per_day=50
        ),
    }
    ctx.session.flush()
    billed = {kind: s.quantity * s.price for kind, s in scopes.items()}
    billed[FindingKind.UNDER_BILLED] = D("300.00")
    for month in months:
        for kind, amount in billed.items():
            ctx.add(
                "financial_transactions",
                FinancialTransaction(
                    transaction_type=TransactionType.REVENUE_CONTRACT,
                    amount=amount,
                    currency=CURRENCY,
                    transaction_date=month,
                    status=TransactionStatus.INVOICED,
                    client_id=clients[kind].id,
                    contract_id=scopes[kind].contract_id,
                    service_scope_id=scopes[kind].id,
                    description=f"{scopes[kind].service.name}, {month:%B %Y}",
                ),
            )
    pool = ctx.add(
        "license_pools",
        LicensePool(
            product_name="Metered EDR agent",
            vendor="Acme Endpoint",
            license_type=LicenseType.SUBSCRIPTION,
            total_seats=500,
            cost_per_seat=D("4.00"),
            currency=CURRENCY,
            service_id=edr.id,
            is_active=True,
        ),
    )
    ctx.session.flush()
    ctx.add(
        "client_licenses",
        ClientLicense(
            license_pool_id=pool.id,
            client_id=clients[FindingKind.SEATS_ABOVE_DEPLOYED].id,
            assigned_seats=100,
            assignment_date=start,
        ),
    )
    readings = {
        FindingKind.OVER_DEPLOYED: (edr, [118, 130, 124]),
        FindingKind.UNDER_BILLED: (edr, [50, 49]),
        FindingKind.SEATS_ABOVE_DEPLOYED: (edr, [70, 68]),
        FindingKind.NO_CONTRACT: (edr, [40, 38]),
        FindingKind.OVERAGE: (siem, [60, 70]),
        FindingKind.UNDER_USE: (siem, [25, 35]),
    }
    for month in months:
        # From midnight on the 1st, an hour apart: inside the month whatever day the demo is seeded.
        first_point = datetime.combine(month, time(0), tzinfo=UTC)
        for kind, (service, values) in readings.items():
            for index, value in enumerate(values):
                ctx.add(
                    "service_performance_metrics",
                    ServicePerformanceMetric(
                        client_id=clients[kind].id,
                        service_id=service.id,
                        metric_name=service.deployment_metric_name,
                        timestamp=first_point + timedelta(minutes=10 * index),
                        value=float(value),
                    ),
                )


def refresh_demo_reconciliation(today: date) -> list[str]:
    """The usage rollup of the demo's months, then their reconciliation (commits); one line each."""
    from app.services.reconciliation.refresh import refresh_month
    from app.services.reconciliation.usage import refresh_usage_days

    months = demo_months(today)
    reports = [str(refresh_usage_days(months[0], today))]
    reports += [str(refresh_month(month)) for month in months]
    return reports
