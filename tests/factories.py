"""Builders of valid records for every test that needs data, in one place.

- `make_*` (session first): one valid row with a unique name, committed. Committed (a
  savepoint of the test's transaction): a refused action rolls the session back, and what
  the test set up must survive that. Any column can be given as a keyword.
- `build_world(app)`: one record of every entity for the screen and API tests (ids only,
  committed in the test's transaction so that every request of the test sees them); the
  `world` fixture of tests/web/conftest.py.
- `fetch`, `count`: read back what a request wrote, in a fresh session (an app) or in the
  test's session.
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.catalog import DeliveryModel, Service, ServiceCategory
from app.models.clients import Client, ClientStatus
from app.models.contracts import Contract, ContractStatus, Proposal, ProposalType, ServiceScope
from app.models.custom_fields import CustomFieldDefinition, CustomFieldEntity, CustomFieldType
from app.models.finance import FinancialTransaction, TransactionType
from app.models.hardware import AssetType, ClientHardwareAssignment, HardwareAsset
from app.models.integrations import AuthType, DataSourceQuery, ExternalDataSource, QueryTarget, SourceType
from app.models.licensing import ClientLicense, LicensePool, LicenseType
from app.models.metrics import (
    ClientSubscriptionSnapshot,
    ServicePerformanceMetric,
    SLAMetric,
    SlaUnit,
    TicketSummary,
)
from app.models.team import AssignmentRole, ClientTeamAssignment
from app.models.users import MsspUser
from tests.conftest import ROLE_USERS

RETENTION_TEMPLATE = {
    "version": 1,
    "parameters": [
        {
            "name": "retention_days",
            "label": "Retention",
            "type": "integer",
            "min": 30,
            "max": 2555,
            "default": 365,
        },
        {
            "name": "coverage",
            "label": "Coverage",
            "type": "select",
            "options": ["8x5", "24x7"],
            "required": True,
        },
    ],
}


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def add(session: Session, obj: Any) -> Any:
    session.add(obj)
    session.commit()
    return obj


def make_client(session: Session, company_name: str | None = None, **values: Any) -> Client:
    return add(session, Client(company_name=company_name or unique("Client"), **values))


def make_service(
    session: Session, name: str | None = None, template: dict | None = None, **values: Any
) -> Service:
    """A service; with a `name` that exists already, that service (sync mappings name theirs)."""
    if name is not None and (existing := session.scalar(select(Service).where(Service.name == name))):
        return existing
    return add(
        session,
        Service(
            name=name or unique("Service"),
            category=values.pop("category", ServiceCategory.SIEM),
            delivery_model=values.pop("delivery_model", DeliveryModel.FULLY_MANAGED),
            scope_definition_template=template if template is not None else {},
            **values,
        ),
    )


def make_contract(session: Session, client: Client | None = None, **values: Any) -> Contract:
    values.setdefault("start_date", date(2026, 1, 1))
    values.setdefault("end_date", date(2026, 12, 31))
    values.setdefault("status", ContractStatus.ACTIVE)
    values.setdefault("value", Decimal("12000.00"))
    values.setdefault("currency", "EUR")
    return add(
        session,
        Contract(
            client=client or make_client(session),
            contract_name=values.pop("contract_name", unique("Contract")),
            **values,
        ),
    )


def make_scope(
    session: Session, contract: Contract | None = None, service: Service | None = None, **values: Any
) -> ServiceScope:
    values.setdefault("price", Decimal("10.00"))
    values.setdefault("quantity", Decimal(5))
    return add(
        session,
        ServiceScope(
            contract=contract or make_contract(session),
            service=service or make_service(session),
            **values,
        ),
    )


def make_pool(session: Session, total: int = 10, **values: Any) -> LicensePool:
    values.setdefault("cost_per_seat", Decimal("2.50"))
    values.setdefault("currency", "USD")
    return add(
        session,
        LicensePool(
            product_name=unique("Product"),
            vendor="Vendor",
            license_type=values.pop("license_type", LicenseType.SUBSCRIPTION),
            total_seats=total,
            **values,
        ),
    )


def make_asset(session: Session, **values: Any) -> HardwareAsset:
    tag = unique("TAG").replace(" ", "-")
    return add(
        session,
        HardwareAsset(
            asset_tag=tag,
            serial_number=f"SN-{tag}",
            device_name=values.pop("device_name", "fw"),
            asset_type=values.pop("asset_type", AssetType.FIREWALL),
            **values,
        ),
    )


def make_user(session: Session, role: str | None = None, *, active: bool = True) -> MsspUser:
    """A person, holding `role` (a role's name) when given."""
    email = f"{uuid.uuid4().hex[:10]}@factory.example"
    user = MsspUser(first_name="Test", last_name="Person", username=email, email=email, active=active)
    if role is not None:
        user.roles.append(session.scalars(select(Role).where(Role.name == role)).one())
    return add(session, user)


def owned_client(session: Session, owner: MsspUser | None = None, **values: Any) -> Client:
    """A client, with `owner` as its account manager when given."""
    client = make_client(session, **values)
    if owner is not None:
        add(session, ClientTeamAssignment(
            client_id=client.id, user_id=owner.id, assignment_role=AssignmentRole.ACCOUNT_MANAGER
        ))
    return client


def make_failing_query(session: Session, failures: int) -> DataSourceQuery:
    source = add(session, ExternalDataSource(
        name=unique("Source"), source_type=SourceType.REST, base_url="https://source.example",
        auth_type=AuthType.NONE,
    ))
    return add(session, DataSourceQuery(
        data_source_id=source.id, name=unique("Query"), endpoint="/tickets",
        target=QueryTarget.TICKET_SUMMARY,
        consecutive_failures=failures, last_error="timeout: the source did not answer",
    ))


def make_sla_metric(session: Session, client: Client, *, breached: bool, period_end: date) -> SLAMetric:
    return add(session, SLAMetric(
        client_id=client.id, metric_name="Availability", period_start=period_end.replace(day=1),
        period_end=period_end, target_value=99.9, actual_value=98.5 if breached else 99.95,
        unit=SlaUnit.PERCENT, is_breached=breached,
    ))


def make_ticket(session: Session, client: Client, *, breached: bool, opened: datetime) -> TicketSummary:
    return add(session, TicketSummary(
        client_id=client.id, external_key=unique("SOC").replace(" ", "-"), summary="Ransomware alert triage",
        opened_at=opened, is_sla_breached=breached,
    ))


def make_loan(session: Session, client: Client, expected: date) -> ClientHardwareAssignment:
    asset = make_asset(session)
    return add(session, ClientHardwareAssignment(
        hardware_asset_id=asset.id, client_id=client.id, assignment_date=date(2029, 1, 1),
        expected_return_date=expected,
    ))


# --- one of everything, for the screens and the API --------------------------------------------


def build_world(app: Flask) -> dict[str, str]:
    """Two clients (the test Account Manager looks after the first) and one of everything."""
    from app.extensions import db

    with app.app_context():
        session = db.session
        sm = app.appbuilder.sm
        account_manager_id = sm.find_user(email=ROLE_USERS["Account Manager"]).id
        mine = Client(company_name="Assigned Client Ltd", status=ClientStatus.ACTIVE, industry="Energy")
        other = Client(company_name="Unassigned Client plc", status=ClientStatus.PROSPECT, industry="Retail")
        service = Service(
            name="World SIEM",
            category=ServiceCategory.SIEM,
            delivery_model=DeliveryModel.FULLY_MANAGED,
            base_price=Decimal("100.00"),
            currency="USD",
        )
        contract = Contract(
            client=mine,
            contract_name="World Contract 2026",
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 12, 31),
            status=ContractStatus.ACTIVE,
            value=Decimal("1234567.50"),
            currency="USD",
        )
        scope = ServiceScope(contract=contract, service=service, price=Decimal("10.00"), quantity=Decimal(5))
        proposal = Proposal(service_scope=scope, proposal_type=ProposalType.TECHNICAL, document_version=1)
        pool = LicensePool(
            product_name="World EDR",
            vendor="Acme",
            license_type=LicenseType.SUBSCRIPTION,
            total_seats=10,
            cost_per_seat=Decimal("2.50"),
            currency="USD",
        )
        license_ = ClientLicense(client=mine, license_pool=pool, assigned_seats=2)
        asset = HardwareAsset(
            asset_tag="WORLD-1",
            serial_number="WORLD-SN-1",
            device_name="World firewall",
            asset_type=AssetType.FIREWALL,
        )
        session.add_all([mine, other, service, contract, scope, proposal, pool, license_, asset])
        session.commit()
        assignment = ClientHardwareAssignment(hardware_asset=asset, client=mine)
        mine_tx = FinancialTransaction(
            transaction_type=TransactionType.REVENUE_CONTRACT,
            amount=Decimal("1500.00"),
            currency="USD",
            transaction_date=dt.date(2026, 2, 1),
            client=mine,
            contract=contract,
            description="Mine",
        )
        other_tx = FinancialTransaction(
            transaction_type=TransactionType.REVENUE_ONE_OFF,
            amount=Decimal("99.00"),
            currency="EUR",
            transaction_date=dt.date(2026, 3, 1),
            client=other,
            description="Not mine",
        )
        team = ClientTeamAssignment(
            user_id=account_manager_id, client=mine, assignment_role=AssignmentRole.ACCOUNT_MANAGER
        )
        sla = SLAMetric(
            client=mine,
            metric_name="Availability",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 1, 31),
            target_value=Decimal("99.9"),
            actual_value=Decimal("99.95"),
            unit=SlaUnit.PERCENT,
        )
        ticket = TicketSummary(
            client=mine,
            external_key="WORLD-1",
            summary="World ticket",
            opened_at=dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC),
        )
        metric = ServicePerformanceMetric(
            client=mine,
            service=service,
            metric_name="endpoints_online",
            timestamp=dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC),
            value=42.0,
        )
        snapshot = ClientSubscriptionSnapshot(snapshot_date=dt.date(2026, 1, 31), client=mine, currency="USD")
        field = CustomFieldDefinition(
            entity_type=CustomFieldEntity.CLIENT,
            name="world_field",
            label="World field",
            field_type=CustomFieldType.TEXT,
        )
        session.add_all([assignment, mine_tx, other_tx, team, sla, ticket, metric, snapshot, field])
        session.commit()
        ids = {
            "client": mine.id,
            "other_client": other.id,
            "service": service.id,
            "contract": contract.id,
            "scope": scope.id,
            "proposal": proposal.id,
            "pool": pool.id,
            "license": license_.id,
            "asset": asset.id,
            "assignment": assignment.id,
            "transaction": mine_tx.id,
            "other_transaction": other_tx.id,
            "team": team.id,
            "sla": sla.id,
            "ticket": ticket.id,
            "metric": metric.id,
            "snapshot": snapshot.id,
            "custom_field": field.id,
        }
        session.remove()
    return {name: str(value) for name, value in ids.items()}


def add_clients_with_transactions(app: Flask, how_many: int) -> None:
    """Clients "Bulk Client 000" ... each with one revenue transaction, for paging and sorting."""
    from app.extensions import db

    with app.app_context():
        for n in range(how_many):
            client = Client(company_name=f"Bulk Client {n:03d}")
            db.session.add(client)
            db.session.add(
                FinancialTransaction(
                    transaction_type=TransactionType.REVENUE_ONE_OFF,
                    amount=Decimal(1000 + n),
                    currency="USD",
                    transaction_date=dt.date(2026, 4, 1),
                    client=client,
                    description=f"Bulk {n}",
                )
            )
        db.session.commit()
        db.session.remove()


def fetch(app: Flask, model: type, key: Any, *attributes: str) -> tuple:
    """Attributes of one row, read in a fresh session."""
    from app.extensions import db

    with app.app_context():
        try:
            row = db.session.get(model, uuid.UUID(key) if isinstance(key, str) else key)
            return tuple(getattr(row, a) for a in attributes) if row is not None else ()
        finally:
            db.session.remove()


def count(where: Session | Flask, model: type, *conditions: Any) -> int:
    """Rows of `model` that meet the conditions: in the test's session, or (an app) in a fresh one."""
    query = select(func.count()).select_from(model).where(*conditions)
    if not isinstance(where, Flask):
        return where.scalar(query)
    from app.extensions import db

    with where.app_context():
        try:
            return db.session.scalar(query)
        finally:
            db.session.remove()
