"""A known reconciliation world: one client of each finding kind, exact numbers, this month.

- Overdeploy Ltd (the test Account Manager's): EDR 100 x 12.50 EUR, 106 deployed, billed:
  over_deployed 6 x 12.50 = 75.00 EUR
- Underbilled Inc: EDR 50 x 10.00 USD, 50 deployed, 400.00 billed: under_billed 100.00 USD
- Seats Co: EDR 100 x 12.50 EUR, 80 deployed, 100 seats at 4.00 EUR, billed:
  seats_above_deployed 20 x 4.00 = 80.00 EUR
- Shadow GmbH: no contract, 40 EDR endpoints reporting: no_contract 40 x 9.00 = 360.00 EUR
- Consult SA: Consulting (no metric) 1 x 2,000.00 EUR, billed: not_reconcilable, 0.00 EUR
- Volume Plc: SIEM allowance 50 GB/day for 1,000.00 EUR, 60.5 a day used: overage 10.5 x 20.00 = 210.00 EUR
- Quiet BV: SIEM allowance 50 GB/day for 1,000.00 EUR, 40 a day used: under_use 10 x 20.00 = 200.00 EUR

Revenue at risk: 645.00 EUR (75 + 360 + 210) and 100.00 USD. Tolerances: EDR 5 %, SIEM 10 %.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from app.models.catalog import DeliveryModel, MetricAggregate, Service, ServiceCategory
from app.models.clients import Client, ClientStatus
from app.models.contracts import Contract, ContractStatus, SafStatus, ScopeUnit, ServiceScope
from app.models.finance import FinancialTransaction, TransactionStatus, TransactionType
from app.models.licensing import ClientLicense, LicensePool, LicenseType
from app.models.metrics import ServicePerformanceMetric
from app.models.team import AssignmentRole, ClientTeamAssignment
from app.services.clock import today_utc

D = Decimal


@dataclass
class ReconWorld:
    month: date
    clients: dict[str, uuid.UUID]
    services: dict[str, uuid.UUID]
    scopes: dict[str, uuid.UUID]


def this_month() -> date:
    return today_utc().replace(day=1)


def build_reconciliation_world(session: Session, account_manager_id: int | None = None) -> ReconWorld:
    """The world above, flushed (not refreshed: call `refresh(session, world)`)."""
    month = this_month()
    edr = Service(
        name="Recon EDR",
        category=ServiceCategory.EDR,
        delivery_model=DeliveryModel.FULLY_MANAGED,
        base_price=D("9.00"),
        currency="EUR",
        deployment_metric_name="endpoints_reporting",
        deployment_aggregate=MetricAggregate.MAX,
        reconciliation_tolerance_percent=D("5"),
    )
    siem = Service(
        name="Recon SIEM",
        category=ServiceCategory.SIEM,
        delivery_model=DeliveryModel.FULLY_MANAGED,
        base_price=D("20.00"),
        currency="EUR",
        deployment_metric_name="gb_ingested",
        deployment_aggregate=MetricAggregate.AVG,
        reconciliation_tolerance_percent=D("10"),
        usage_allowance_parameter="gb_per_day",
        scope_definition_template={
            "parameters": [
                {"name": "gb_per_day", "label": "Allowance (GB/day)", "type": "decimal", "required": True},
            ]
        },
    )
    consulting = Service(
        name="Recon Consulting",
        category=ServiceCategory.CONSULTING,
        delivery_model=DeliveryModel.PROFESSIONAL_SERVICES,
        base_price=D("2000.00"),
        currency="EUR",
    )
    session.add_all([edr, siem, consulting])
    clients = {
        name: Client(company_name=name, status=ClientStatus.ACTIVE)
        for name in (
            "Overdeploy Ltd",
            "Underbilled Inc",
            "Seats Co",
            "Shadow GmbH",
            "Consult SA",
            "Volume Plc",
            "Quiet BV",
        )
    }
    session.add_all(clients.values())
    session.flush()
    scopes: dict[str, ServiceScope] = {}

    def contract(client: str, service: Service, qty: str, price: str, currency: str, **details) -> None:
        c = Contract(
            client=clients[client],
            contract_name=f"{client} 2026",
            start_date=month - timedelta(days=200),
            end_date=month + timedelta(days=400),
            status=ContractStatus.ACTIVE,
            value=D("10000"),
            currency=currency,
        )
        unit = ScopeUnit.GB_PER_DAY if details else ScopeUnit.ENDPOINT
        scopes[client] = ServiceScope(
            contract=c,
            service=service,
            quantity=D(qty),
            price=D(price),
            currency=currency,
            unit=unit,
            saf_status=SafStatus.ACTIVE,
            saf_service_start_date=month - timedelta(days=200),
            scope_details=details,
        )
        session.add_all([c, scopes[client]])

    contract("Overdeploy Ltd", edr, "100", "12.50", "EUR")
    contract("Underbilled Inc", edr, "50", "10.00", "USD")
    contract("Seats Co", edr, "100", "12.50", "EUR")
    contract("Consult SA", consulting, "1", "2000.00", "EUR")
    contract("Volume Plc", siem, "1", "1000.00", "EUR", gb_per_day=50)
    contract("Quiet BV", siem, "1", "1000.00", "EUR", gb_per_day=50)
    session.flush()

    def billed(client: str, amount: str, currency: str) -> None:
        scope = scopes[client]
        session.add(
            FinancialTransaction(
                transaction_type=TransactionType.REVENUE_CONTRACT,
                amount=D(amount),
                currency=currency,
                transaction_date=month,
                status=TransactionStatus.INVOICED,
                client_id=clients[client].id,
                contract_id=scope.contract_id,
                service_scope_id=scope.id,
            )
        )

    billed("Overdeploy Ltd", "1250.00", "EUR")
    billed("Underbilled Inc", "400.00", "USD")
    billed("Seats Co", "1250.00", "EUR")
    billed("Consult SA", "2000.00", "EUR")
    billed("Volume Plc", "1000.00", "EUR")
    billed("Quiet BV", "1000.00", "EUR")

    pool = LicensePool(
        product_name="Recon EDR agent",
        vendor="Acme",
        license_type=LicenseType.SUBSCRIPTION,
        total_seats=500,
        cost_per_seat=D("4.00"),
        currency="EUR",
        service_id=edr.id,
    )
    session.add(pool)
    session.flush()
    session.add(
        ClientLicense(
            license_pool_id=pool.id,
            client_id=clients["Seats Co"].id,
            assigned_seats=100,
            assignment_date=month,
        )
    )

    def points(client: str, service: Service, values: list[float]) -> None:
        # One point a day from the 1st, so that the month's figures are known whatever today is.
        start = datetime.combine(month, time(12), tzinfo=UTC)
        for index, value in enumerate(values):
            session.add(
                ServicePerformanceMetric(
                    client_id=clients[client].id,
                    service_id=service.id,
                    metric_name=service.deployment_metric_name,
                    timestamp=start + timedelta(hours=index),
                    value=value,
                )
            )

    points("Overdeploy Ltd", edr, [98, 106, 101])
    points("Underbilled Inc", edr, [50])
    points("Seats Co", edr, [80, 79])
    points("Shadow GmbH", edr, [40, 12])
    points("Volume Plc", siem, [55, 66])
    points("Quiet BV", siem, [30, 50])
    if account_manager_id is not None:
        session.add(
            ClientTeamAssignment(
                user_id=account_manager_id,
                client=clients["Overdeploy Ltd"],
                assignment_role=AssignmentRole.ACCOUNT_MANAGER,
            )
        )
    session.flush()
    return ReconWorld(
        month=month,
        clients={name: c.id for name, c in clients.items()},
        services={"edr": edr.id, "siem": siem.id, "consulting": consulting.id},
        scopes={name: s.id for name, s in scopes.items()},
    )


def refresh(session: Session, world: ReconWorld):
    """The daily usage rollup of the month, then the month's reconciliation."""
    from app.services.reconciliation.refresh import refresh_month
    from app.services.reconciliation.usage import refresh_usage_days

    refresh_usage_days(world.month, world.month + timedelta(days=2), session=session)
    return refresh_month(world.month, session=session)
