"""Small builders for the business-rule tests: valid rows with unique names, committed.

Committed (a savepoint of the test's transaction): a refused action rolls the session
back, and what the test set up must survive that.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.catalog import DeliveryModel, Service, ServiceCategory
from app.models.clients import Client
from app.models.contracts import Contract, ContractStatus, ServiceScope
from app.models.hardware import AssetType, HardwareAsset
from app.models.licensing import LicensePool, LicenseType
from app.models.users import MsspUser

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


def make_client(session: Session, **values: Any) -> Client:
    return add(session, Client(company_name=values.pop("company_name", unique("Client")), **values))


def make_service(session: Session, template: dict | None = None, **values: Any) -> Service:
    return add(
        session,
        Service(
            name=values.pop("name", unique("Service")),
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


def make_user(session: Session, active: bool = True) -> MsspUser:
    email = f"{uuid.uuid4().hex[:10]}@rules.example"
    return add(
        session, MsspUser(first_name="Rule", last_name="Tester", username=email, email=email, active=active)
    )


def count(session: Session, model: type, *conditions: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions))
