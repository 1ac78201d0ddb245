"""A small, fully known data set for the dashboard tests (queries and HTTP).

Every expected number in the tests follows from what is written here; dates are
fixed around TODAY (a Monday), so the tests never depend on the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from app.models.catalog import DeliveryModel, Service, ServiceCategory
from app.models.clients import Client, ClientStatus
from app.models.contracts import Contract, ContractStatus, ServiceScope
from app.models.finance import FinancialTransaction, TransactionStatus, TransactionType
from app.models.licensing import ClientLicense, ClientLicenseStatus, LicensePool, LicenseType
from app.models.metrics import (
    ClientSubscriptionSnapshot,
    ServicePerformanceMetric,
    SLAMetric,
    SlaUnit,
    TicketPriority,
    TicketStatus,
    TicketSummary,
)

TODAY = date(2026, 6, 15)
APRIL, MAY, JUNE = date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)


def at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


@dataclass
class KnownData:
    alpha: Client
    beta: Client
    gamma: Client
    edr: Service
    siem: Service
    alpha_contract: Contract
    beta_contract: Contract
    edr_pool: LicensePool
    siem_pool: LicensePool


def build_known_data(session: Session) -> KnownData:
    """Insert the data set (flushed, not committed) and return its main records."""
    edr = Service(name="Test EDR", category=ServiceCategory.EDR, delivery_model=DeliveryModel.FULLY_MANAGED)
    siem = Service(
        name="Test SIEM", category=ServiceCategory.SIEM, delivery_model=DeliveryModel.FULLY_MANAGED
    )
    alpha = Client(company_name="Alpha Test GmbH", status=ClientStatus.ACTIVE, currency="EUR")
    beta = Client(company_name="Beta Test Inc", status=ClientStatus.ACTIVE, currency="USD")
    gamma = Client(company_name="Gamma Test Ltd", status=ClientStatus.PROSPECT, currency="USD")
    alpha_contract = Contract(
        client=alpha,
        contract_name="Alpha MDR",
        start_date=date(2025, 7, 1),
        end_date=date(2026, 7, 5),
        value=Decimal("12000.00"),
        currency="EUR",
        status=ContractStatus.ACTIVE,
    )
    beta_contract = Contract(
        client=beta,
        contract_name="Beta SIEM",
        start_date=date(2025, 9, 24),
        end_date=date(2026, 9, 23),
        value=Decimal("24000.00"),
        currency="USD",
        status=ContractStatus.ACTIVE,
    )
    old = Contract(
        client=alpha,
        contract_name="Alpha 2024",
        start_date=date(2024, 7, 1),
        end_date=date(2025, 6, 30),
        value=Decimal("5000.00"),
        currency="EUR",
        status=ContractStatus.EXPIRED,
    )
    draft = Contract(
        client=gamma,
        contract_name="Gamma draft",
        start_date=date(2026, 6, 1),
        end_date=date(2026, 6, 25),
        value=Decimal("1000.00"),
        currency="USD",
    )
    alpha_edr = ServiceScope(contract=alpha_contract, service=edr, price=Decimal("10"), currency="EUR")
    beta_siem = ServiceScope(contract=beta_contract, service=siem, price=Decimal("20"), currency="USD")
    session.add_all(
        [edr, siem, alpha, beta, gamma, alpha_contract, beta_contract, old, draft, alpha_edr, beta_siem]
    )
    session.flush()

    def money(kind, amount, currency, day, client=None, scope=None, status=TransactionStatus.PAID):
        return FinancialTransaction(
            transaction_type=kind,
            amount=Decimal(amount),
            currency=currency,
            transaction_date=day,
            client_id=client.id if client else None,
            service_scope_id=scope.id if scope else None,
            status=status,
        )

    rc, one_off, ps = (
        TransactionType.REVENUE_CONTRACT,
        TransactionType.REVENUE_ONE_OFF,
        TransactionType.REVENUE_PROFESSIONAL_SERVICES,
    )
    session.add_all(
        [
            money(rc, "1000.00", "EUR", APRIL, alpha, alpha_edr),
            money(rc, "1000.00", "EUR", MAY, alpha, alpha_edr),
            money(one_off, "250.50", "EUR", date(2026, 5, 20), alpha, status=TransactionStatus.CANCELLED),
            money(rc, "2000.00", "USD", MAY, beta, beta_siem),
            money(ps, "500.00", "USD", date(2026, 6, 10), beta),
            money(TransactionType.COST_PERSONNEL, "1200.00", "USD", MAY),
            money(TransactionType.COST_LICENSE, "300.00", "EUR", date(2026, 4, 15), alpha, alpha_edr),
        ]
    )

    def sla(client, scope, name, unit, target, actual, month, breached):
        end = date(month.year, month.month + 1, 1) if month.month < 12 else date(month.year + 1, 1, 1)
        return SLAMetric(
            client=client,
            service_scope=scope,
            metric_name=name,
            unit=unit,
            target_value=Decimal(target),
            actual_value=Decimal(actual) if actual else None,
            period_start=month,
            period_end=end,
            is_breached=breached,
        )

    ack, avail = "P1 time to acknowledge", "Monitoring availability"
    minutes, percent = SlaUnit.MINUTES, SlaUnit.PERCENT
    session.add_all(
        [
            sla(alpha, alpha_edr, ack, minutes, "15", "12", APRIL, False),
            sla(alpha, alpha_edr, ack, minutes, "15", "18", MAY, True),
            sla(beta, beta_siem, ack, minutes, "15", "10", APRIL, False),
            sla(beta, beta_siem, ack, minutes, "15", "14", MAY, False),
            sla(alpha, alpha_edr, avail, percent, "99.9", "99.95", APRIL, False),
            sla(alpha, alpha_edr, avail, percent, "99.9", None, MAY, False),
        ]
    )

    def ticket(key, client, priority, status, opened, resolved=None, breached=False):
        return TicketSummary(
            client=client,
            external_key=key,
            summary=f"Ticket {key}",
            priority=priority,
            status=status,
            opened_at=opened,
            resolved_at=resolved,
            is_sla_breached=breached,
        )

    session.add_all(
        [
            ticket(
                "T-1", alpha, TicketPriority.CRITICAL, TicketStatus.OPEN, at("2026-06-02", 10), breached=True
            ),
            ticket("T-2", alpha, TicketPriority.LOW, TicketStatus.IN_PROGRESS, at("2026-06-03", 8)),
            ticket(
                "T-3",
                beta,
                TicketPriority.HIGH,
                TicketStatus.RESOLVED,
                at("2026-06-01", 9),
                at("2026-06-09", 12),
            ),
            ticket(
                "T-4",
                beta,
                TicketPriority.MEDIUM,
                TicketStatus.CLOSED,
                at("2026-05-20", 9),
                at("2026-06-02", 9),
                breached=True,
            ),
            ticket("T-5", beta, TicketPriority.MEDIUM, TicketStatus.WAITING_ON_CLIENT, at("2026-06-10", 16)),
        ]
    )

    def point(client, service, name, unit, moment, value):
        return ServicePerformanceMetric(
            client=client, service=service, metric_name=name, unit=unit, timestamp=moment, value=value
        )

    online, eps = "endpoints_online_pct", "events_per_second"
    session.add_all(
        [
            point(alpha, edr, online, "%", at("2026-06-14", 10), 90.0),
            point(alpha, edr, online, "%", at("2026-06-14", 10, 30), 96.0),
            point(alpha, edr, online, "%", at("2026-06-14", 11), 99.0),
            point(beta, edr, online, "%", at("2026-06-14", 10, 15), 80.0),
            point(beta, siem, eps, "eps", at("2026-06-13", 10), 1000.0),
            point(beta, siem, eps, "eps", at("2026-06-14", 10), 2000.0),
        ]
    )

    def snapshot(day, client, currency, mrr, clients=1):
        return ClientSubscriptionSnapshot(
            snapshot_date=day,
            client_id=client.id if client else None,
            currency=currency,
            monthly_recurring_revenue=Decimal(mrr),
            active_client_count=clients,
        )

    april_end, may_end = date(2026, 4, 30), date(2026, 5, 31)
    session.add_all(
        [
            snapshot(april_end, None, "EUR", "1000.00"),
            snapshot(may_end, None, "EUR", "1000.00"),
            snapshot(april_end, None, "USD", "1500.00"),
            snapshot(may_end, None, "USD", "2000.00"),
            snapshot(april_end, alpha, "EUR", "1000.00"),
            snapshot(may_end, alpha, "EUR", "1000.00"),
            snapshot(april_end, beta, "USD", "1500.00"),
            snapshot(may_end, beta, "USD", "2000.00"),
        ]
    )

    edr_pool = LicensePool(
        product_name="Test EDR seats",
        vendor="Acme",
        license_type=LicenseType.SUBSCRIPTION,
        total_seats=100,
        currency="USD",
    )
    siem_pool = LicensePool(
        product_name="Test SIEM seats",
        vendor="Acme",
        license_type=LicenseType.SUBSCRIPTION,
        total_seats=50,
        currency="USD",
    )
    session.add_all(
        [
            edr_pool,
            siem_pool,
            ClientLicense(
                license_pool=edr_pool, client=alpha, assigned_seats=60, status=ClientLicenseStatus.ACTIVE
            ),
            ClientLicense(
                license_pool=edr_pool, client=beta, assigned_seats=35, status=ClientLicenseStatus.ACTIVE
            ),
            ClientLicense(
                license_pool=edr_pool, client=gamma, assigned_seats=10, status=ClientLicenseStatus.REVOKED
            ),
            ClientLicense(
                license_pool=siem_pool, client=beta, assigned_seats=5, status=ClientLicenseStatus.PENDING
            ),
        ]
    )
    session.flush()
    return KnownData(alpha, beta, gamma, edr, siem, alpha_contract, beta_contract, edr_pool, siem_pool)
