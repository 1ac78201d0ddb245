"""One record of every entity, for the screen and API tests (ids only, committed in the
test's transaction so that every request of the test sees them)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from app.models.catalog import DeliveryModel, Service, ServiceCategory
from app.models.clients import Client, ClientStatus
from app.models.contracts import Contract, ContractStatus, Proposal, ProposalType, ServiceScope
from app.models.custom_fields import CustomFieldDefinition, CustomFieldEntity, CustomFieldType
from app.models.finance import FinancialTransaction, TransactionType
from app.models.hardware import AssetType, ClientHardwareAssignment, HardwareAsset
from app.models.licensing import ClientLicense, LicensePool, LicenseType
from app.models.metrics import (
    ClientSubscriptionSnapshot,
    ServicePerformanceMetric,
    SLAMetric,
    SlaUnit,
    TicketSummary,
)
from app.models.team import AssignmentRole, ClientTeamAssignment
from tests.conftest import ROLE_USERS


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


def fetch(app: Flask, model: type, key: Any, *attributes: str) -> tuple:
    """Attributes of one row, read in a fresh session."""
    from app.extensions import db

    with app.app_context():
        try:
            row = db.session.get(model, uuid.UUID(key) if isinstance(key, str) else key)
            return tuple(getattr(row, a) for a in attributes) if row is not None else ()
        finally:
            db.session.remove()


def count(app: Flask, model: type, *conditions: Any) -> int:
    from app.extensions import db

    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model).where(*conditions))
        finally:
            db.session.remove()
