"""Rules the ORM layer adds on top of the schema: draft-only contract deletion, optimistic
locking, custom fields on every entity that declares them, labels for dropdowns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models.catalog import DeliveryModel, Service, ServiceCategory
from app.models.clients import Client
from app.models.contracts import (
    Contract,
    ContractNotDeletable,
    ContractStatus,
    Proposal,
    ProposalType,
    ServiceScope,
)
from app.models.custom_fields import CustomFieldEntity
from app.models.mixins import CustomFieldDataMixin


@pytest.fixture
def contract_factory(db_session):
    client = Client(company_name="Rules Test Inc")
    service = Service(
        name="Rules Test EDR", category=ServiceCategory.EDR, delivery_model=DeliveryModel.CO_MANAGED
    )

    def make(status: ContractStatus) -> Contract:
        contract = Contract(
            client=client,
            contract_name=f"Rules {status.value}",
            start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31),
            status=status,
        )
        scope = ServiceScope(contract=contract, service=service, price=Decimal("7.50"), quantity=Decimal(100))
        Proposal(service_scope=scope, proposal_type=ProposalType.TECHNICAL)
        db_session.add(contract)
        db_session.commit()
        return contract

    return make


def scopes_of(db_session, contract_id) -> int:
    return db_session.scalar(
        select(func.count()).select_from(ServiceScope).where(ServiceScope.contract_id == contract_id)
    )


def test_a_draft_contract_is_deleted_with_its_scopes_and_proposals(db_session, contract_factory):
    contract = contract_factory(ContractStatus.DRAFT)
    contract_id, scope_id = contract.id, contract.scopes[0].id
    db_session.delete(contract)
    db_session.commit()
    assert db_session.get(Contract, contract_id) is None
    assert scopes_of(db_session, contract_id) == 0
    assert (
        db_session.scalar(
            select(func.count()).select_from(Proposal).where(Proposal.service_scope_id == scope_id)
        )
        == 0
    )


@pytest.mark.parametrize("status", [s for s in ContractStatus if s is not ContractStatus.DRAFT])
def test_a_signed_contract_cannot_be_deleted(db_session, contract_factory, status):
    contract = contract_factory(status)
    contract_id = contract.id
    db_session.delete(contract)
    with pytest.raises(ContractNotDeletable, match="only a draft can be deleted"):
        db_session.flush()
    db_session.rollback()
    assert scopes_of(db_session, contract_id) == 1


def test_a_scope_of_a_signed_contract_cannot_be_removed(db_session, contract_factory):
    contract = contract_factory(ContractStatus.ACTIVE)
    contract.scopes.remove(contract.scopes[0])  # delete-orphan: the same as deleting it
    with pytest.raises(ContractNotDeletable, match="scopes of a signed contract are kept"):
        db_session.flush()
    db_session.rollback()


def test_a_stale_edit_is_refused(db_session, contract_factory):
    contract = contract_factory(ContractStatus.ACTIVE)
    assert contract.version == 1
    # Someone else saves the same contract first.
    db_session.execute(
        update(Contract.__table__).where(Contract.__table__.c.id == contract.id).values(version=2)
    )
    contract.contract_name = "Overwritten?"
    with pytest.raises(StaleDataError):
        db_session.flush()
    db_session.rollback()


def test_a_save_bumps_the_version(db_session, contract_factory):
    contract = contract_factory(ContractStatus.DRAFT)
    contract.value = Decimal("9000.00")
    db_session.commit()
    assert contract.version == 2


def test_every_entity_with_custom_fields_can_have_definitions():
    """CustomFieldEntity names exactly the mapped classes that carry `custom_field_data`."""
    with_custom_fields = {
        mapper.class_.__name__
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, CustomFieldDataMixin) and "custom_field_data" in mapper.columns
    }
    expected = {
        "Client",
        "Contract",
        "Proposal",
        "Service",
        "ServiceScope",
        "LicensePool",
        "ClientLicense",
        "HardwareAsset",
        "ClientHardwareAssignment",
        "FinancialTransaction",
        "MsspUser",
    }
    assert with_custom_fields == expected
    assert len(CustomFieldEntity) == len(expected)


def test_models_have_labels_for_dropdowns(db_session, contract_factory):
    contract = contract_factory(ContractStatus.ACTIVE)
    scope = contract.scopes[0]
    assert str(contract.client) == "Rules Test Inc"
    assert str(contract) == "Rules active"
    assert str(scope) == "Rules Test EDR (Rules active)"
    assert str(scope.proposals[0]) == "Technical proposal v1 for Rules Test EDR (Rules active)"


def test_raw_sql_gets_the_same_defaults_as_the_orm(db_session):
    client_id = db_session.execute(
        text("INSERT INTO clients (company_name) VALUES ('Defaults Ltd') RETURNING id")
    ).scalar_one()
    row = db_session.execute(
        text("SELECT status, currency, version, custom_field_data FROM clients WHERE id = :id"),
        {"id": client_id},
    ).one()
    assert tuple(row) == ("prospect", "USD", 1, {})
