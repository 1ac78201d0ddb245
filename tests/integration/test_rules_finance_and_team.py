"""Financial transactions and margins per currency; the client team and its account manager."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.errors import ValidationFailed
from app.models.finance import FinancialTransaction, TransactionStatus, TransactionType
from app.models.team import AssignmentRole, ClientTeamAssignment
from app.services.finance import Margin, client_margin, contract_margin, signed_amount
from app.services.team import account_manager_for, assign_team_member, client_ids_managed_by, team_member_for
from tests.factories import count, make_client, make_contract, make_scope, make_user

T = TransactionType
R = AssignmentRole


def record(session, kind=T.REVENUE_ONE_OFF, amount="100.00", currency="USD", **links) -> FinancialTransaction:
    tx = FinancialTransaction(
        transaction_type=kind,
        amount=Decimal(amount),
        currency=currency,
        transaction_date=date(2026, 3, 1),
        **links,
    )
    session.add(tx)
    session.commit()
    return tx


@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
def test_the_amount_is_positive(db_session, amount):
    client = make_client(db_session)
    with pytest.raises(ValidationFailed, match="amount must be positive") as refused:
        record(db_session, amount=amount, client=client)
    assert refused.value.field == "amount"
    db_session.rollback()
    assert count(db_session, FinancialTransaction, FinancialTransaction.client_id == client.id) == 0


def test_the_smallest_amount_passes_and_the_type_gives_the_sign(db_session):
    record(db_session, amount="0.01", client=make_client(db_session))
    assert signed_amount(T.REVENUE_CONTRACT, Decimal(5)) == Decimal(5)
    assert signed_amount(T.COST_LICENSE, Decimal(5)) == Decimal(-5)


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        (None, "currency is required"),
        ("", "currency is required"),
        ("EU", "not a currency code"),
        ("U$D", "not a currency code"),
    ],
)
def test_the_currency_is_required(db_session, currency, message):
    with pytest.raises(ValidationFailed, match=message) as refused:
        record(db_session, kind=T.COST_OTHER, currency=currency)
    assert refused.value.field == "currency"
    db_session.rollback()


def test_a_lower_case_currency_is_upper_cased(db_session):
    assert record(db_session, kind=T.COST_OTHER, currency=" eur ").currency == "EUR"


def test_a_revenue_is_linked_to_a_client_or_a_contract(db_session):
    with pytest.raises(ValidationFailed, match="linked to a client or a contract") as refused:
        record(db_session, kind=T.REVENUE_CONTRACT)
    assert refused.value.field == "client"
    db_session.rollback()
    record(db_session, kind=T.COST_INFRASTRUCTURE)  # a cost may stand alone
    record(db_session, kind=T.REVENUE_CONTRACT, client=make_client(db_session))


def test_links_are_filled_from_the_scope_and_contract_and_must_agree(db_session):
    scope = make_scope(db_session)
    tx = record(db_session, kind=T.REVENUE_PROFESSIONAL_SERVICES, service_scope=scope)
    assert (tx.contract, tx.client) == (scope.contract, scope.contract.client)
    with pytest.raises(ValidationFailed, match="contract belongs to another client") as refused:
        record(db_session, contract=scope.contract, client=make_client(db_session))
    assert refused.value.field == "contract"
    db_session.rollback()
    with pytest.raises(ValidationFailed, match="scope belongs to another contract"):
        record(db_session, service_scope=scope, contract=make_contract(db_session))
    db_session.rollback()


def test_margins_per_client_and_contract_never_mix_currencies(db_session):
    client = make_client(db_session)
    usd_contract = make_contract(db_session, client, currency="USD")
    eur_contract = make_contract(db_session, client, currency="EUR")
    record(db_session, T.REVENUE_CONTRACT, "1000.00", "USD", contract=usd_contract)
    record(db_session, T.COST_LICENSE, "250.50", "USD", contract=usd_contract)
    record(db_session, T.REVENUE_ONE_OFF, "300.00", "USD", client=client)
    record(db_session, T.REVENUE_CONTRACT, "800.00", "EUR", contract=eur_contract)
    record(db_session, T.COST_PERSONNEL, "900.00", "EUR", contract=eur_contract)
    cancelled = record(db_session, T.REVENUE_ONE_OFF, "999.00", "USD", client=client)
    cancelled.status = TransactionStatus.CANCELLED
    db_session.commit()
    record(db_session, T.REVENUE_ONE_OFF, "5.00", "USD", client=make_client(db_session))  # someone else
    assert client_margin(client, session=db_session) == {
        "EUR": Margin("EUR", Decimal("800.00"), Decimal("900.00")),
        "USD": Margin("USD", Decimal("1300.00"), Decimal("250.50")),
    }
    usd = contract_margin(usd_contract, session=db_session)["USD"]
    assert (usd.margin, usd.margin_percent) == (Decimal("749.50"), Decimal("75.0"))
    eur = contract_margin(eur_contract.id, session=db_session)["EUR"]
    assert eur.margin == Decimal("-100.00")
    assert client_margin(client, since=date(2026, 4, 1), session=db_session) == {}
    assert Margin("USD").margin_percent is None


# --- team ------------------------------------------------------------------------------------


def assign(session, user, client, role) -> ClientTeamAssignment:
    item = ClientTeamAssignment(user=user, client=client, assignment_role=role)
    session.add(item)
    session.commit()
    return item


def test_the_account_manager_is_found_in_one_call(db_session):
    client, manager = make_client(db_session), make_user(db_session)
    assert account_manager_for(client, session=db_session) is None
    assign(db_session, manager, client, R.ACCOUNT_MANAGER)
    assign(db_session, make_user(db_session), client, R.ENGINEER)
    assert account_manager_for(client, session=db_session) is manager
    assert account_manager_for(client.id, session=db_session) is manager
    ids = db_session.scalars(client_ids_managed_by(manager.id)).all()
    assert ids == [client.id]


@pytest.mark.parametrize("role", [R.ACCOUNT_MANAGER, R.SERVICE_DELIVERY_MANAGER, R.LEAD_ENGINEER])
def test_a_lead_role_has_one_holder_per_client(db_session, role):
    client, first = make_client(db_session), make_user(db_session)
    assign(db_session, first, client, role)
    with pytest.raises(
        ValidationFailed, match=f"is already the {role.value.replace('_', ' ')} of"
    ) as refused:
        assign(db_session, make_user(db_session), client, role)
    assert refused.value.field == "assignment_role"
    db_session.rollback()
    assert team_member_for(client, role, session=db_session) is first
    assign(db_session, make_user(db_session), make_client(db_session), role)  # another client: fine


def test_a_lead_role_changes_hands_through_the_service(db_session):
    client, first, successor = make_client(db_session), make_user(db_session), make_user(db_session)
    assign_team_member(client, first, R.ACCOUNT_MANAGER, session=db_session)
    assert assign_team_member(client, first, R.ACCOUNT_MANAGER, session=db_session).user is first  # no-op
    assign_team_member(client, successor, R.ACCOUNT_MANAGER, session=db_session)
    assert account_manager_for(client, session=db_session) is successor
    assert count(db_session, ClientTeamAssignment, ClientTeamAssignment.client_id == client.id) == 1
    assign_team_member(client, first, R.ENGINEER, session=db_session)
    assign_team_member(client, successor, R.ENGINEER, session=db_session)  # several engineers
    assert count(db_session, ClientTeamAssignment, ClientTeamAssignment.client_id == client.id) == 3


@pytest.mark.parametrize("role", [R.ENGINEER, R.SOC_ANALYST, R.PROJECT_MANAGER])
def test_other_roles_may_have_several_people(db_session, role):
    client = make_client(db_session)
    assign(db_session, make_user(db_session), client, role)
    assign(db_session, make_user(db_session), client, role)


def test_the_database_keeps_one_account_manager_too(db_session):
    client = make_client(db_session)
    assign(db_session, make_user(db_session), client, R.ACCOUNT_MANAGER)
    other = make_user(db_session)
    with (
        pytest.raises(IntegrityError, match="uq_client_team_assignments_single_holder"),
        db_session.begin_nested(),
    ):
        db_session.execute(
            text(
                "INSERT INTO client_team_assignments (user_id, client_id, assignment_role) "
                "VALUES (:u, :c, 'account_manager')"
            ),
            {"u": other.id, "c": client.id},
        )
