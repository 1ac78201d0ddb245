"""The integrity rules hold in the database itself: a raw INSERT, UPDATE or DELETE that
breaks one fails, whatever screen, API, job or psql session sends it.

Each expected failure runs in a savepoint so that the test's transaction survives, and
names the constraint that must have refused it (not merely "some error").
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

pytestmark = pytest.mark.migrations


def insert(session: Session, table: str, **values: Any) -> uuid.UUID:
    """INSERT one row with raw SQL; dict values go in as JSONB. Returns the new id."""
    params = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in values.items()}
    placeholders = ", ".join(
        f"CAST(:{k} AS jsonb)" if isinstance(v, dict | list) else f":{k}" for k, v in values.items()
    )
    sql = f"INSERT INTO {table} ({', '.join(values)}) VALUES ({placeholders}) RETURNING id"
    return session.execute(text(sql), params).scalar_one()


def refused(session: Session, constraint: str, sql: str, **params: Any) -> None:
    """`sql` fails with an IntegrityError raised by `constraint`; the test transaction lives on."""
    with pytest.raises(IntegrityError) as failure, session.begin_nested():
        session.execute(text(sql), params)
    assert failure.value.orig.diag.constraint_name == constraint, failure.value.orig


def refused_insert(session: Session, constraint: str, table: str, **values: Any) -> None:
    with pytest.raises(IntegrityError) as failure, session.begin_nested():
        insert(session, table, **values)
    assert failure.value.orig.diag.constraint_name == constraint, failure.value.orig


def count(session: Session, sql: str, **params: Any) -> int:
    return session.execute(text(sql), params).scalar_one()


@pytest.fixture
def client_id(db_session: Session) -> uuid.UUID:
    return insert(db_session, "clients", company_name="Constraint Test Corp", status="active")


@pytest.fixture
def service_id(db_session: Session) -> uuid.UUID:
    return insert(
        db_session, "services", name="Constraint Test MDR", category="mdr", delivery_model="fully_managed"
    )


@pytest.fixture
def contract_id(db_session: Session, client_id: uuid.UUID) -> uuid.UUID:
    return insert(
        db_session,
        "contracts",
        client_id=client_id,
        contract_name="CTC 2026",
        start_date="2026-01-01",
        end_date="2026-12-31",
        status="active",
        currency="USD",
        value=12000,
    )


@pytest.fixture
def asset_id(db_session: Session) -> uuid.UUID:
    return insert(
        db_session,
        "hardware_assets",
        asset_tag="T-FW-1",
        serial_number="SN-1",
        device_name="fw-1",
        asset_type="firewall",
    )


@pytest.fixture
def user_id(db_session: Session) -> int:
    return db_session.execute(
        text(
            "INSERT INTO ab_user (first_name, last_name, username, email, active) "
            "VALUES ('Con', 'Straint', 'con@test.example', 'con@test.example', true) RETURNING id"
        )
    ).scalar_one()


# --- uniques --------------------------------------------------------------------------------


def test_client_company_name_is_unique(db_session, client_id):
    refused_insert(db_session, "uq_clients_company_name", "clients", company_name="Constraint Test Corp")


def test_service_name_is_unique(db_session, service_id):
    refused_insert(
        db_session,
        "uq_services_name",
        "services",
        name="Constraint Test MDR",
        category="edr",
        delivery_model="co_managed",
    )


@pytest.mark.parametrize(
    ("asset_tag", "serial_number", "constraint"),
    [
        ("T-FW-1", "SN-2", "uq_hardware_assets_asset_tag"),
        ("T-FW-2", "SN-1", "uq_hardware_assets_serial_number"),
    ],
)
def test_asset_tag_and_serial_number_are_unique(db_session, asset_id, asset_tag, serial_number, constraint):
    refused_insert(
        db_session,
        constraint,
        "hardware_assets",
        asset_tag=asset_tag,
        serial_number=serial_number,
        device_name="fw-2",
        asset_type="firewall",
    )


def test_ticket_is_unique_per_source_and_external_key(db_session, client_id):
    ticket = {
        "client_id": client_id,
        "external_key": "SOC-1",
        "summary": "x",
        "opened_at": "2026-11-01T10:00Z",
    }
    insert(db_session, "ticket_summaries", source="jira", **ticket)
    insert(db_session, "ticket_summaries", source="email", **ticket)  # another system may reuse a key
    # Per data source (issue 20.4); a ticket of no data source (typed in) is unique by key too.
    refused_insert(
        db_session,
        "uq_ticket_summaries_source_data_source_id_external_key",
        "ticket_summaries",
        source="jira",
        **ticket,
    )


def test_team_assignment_is_unique_per_user_client_and_role(db_session, client_id, user_id):
    insert(
        db_session,
        "client_team_assignments",
        user_id=user_id,
        client_id=client_id,
        assignment_role="lead_engineer",
    )
    # The same person may hold a second role for the same client...
    insert(
        db_session,
        "client_team_assignments",
        user_id=user_id,
        client_id=client_id,
        assignment_role="account_manager",
    )
    # ...but not the same role twice.
    refused_insert(
        db_session,
        "uq_client_team_assignments_user_id_client_id_assignment_role",
        "client_team_assignments",
        user_id=user_id,
        client_id=client_id,
        assignment_role="lead_engineer",
    )


def test_an_asset_has_at_most_one_open_assignment(db_session, client_id, asset_id):
    other_client = insert(db_session, "clients", company_name="Second Holder Ltd")
    insert(
        db_session,
        "client_hardware_assignments",
        hardware_asset_id=asset_id,
        client_id=client_id,
        assignment_date="2025-01-10",
        return_date="2025-06-30",
        status="returned",
    )
    insert(
        db_session,
        "client_hardware_assignments",
        hardware_asset_id=asset_id,
        client_id=client_id,
        assignment_date="2025-07-05",
    )
    refused_insert(
        db_session,
        "uq_client_hardware_assignments_open_asset",
        "client_hardware_assignments",
        hardware_asset_id=asset_id,
        client_id=other_client,
        assignment_date="2025-08-01",
    )


def test_a_global_snapshot_is_unique_per_date_and_currency_even_without_a_client(db_session):
    insert(db_session, "client_subscription_snapshots", snapshot_date="2026-10-31", currency="USD")
    insert(db_session, "client_subscription_snapshots", snapshot_date="2026-10-31", currency="EUR")
    # NULLS NOT DISTINCT: client_id NULL (the whole MSSP) still collides.
    refused_insert(
        db_session,
        "uq_client_subscription_snapshots_date_client_currency",
        "client_subscription_snapshots",
        snapshot_date="2026-10-31",
        currency="USD",
    )


# --- the metric upsert key ------------------------------------------------------------------

UPSERT_METRIC = """
    INSERT INTO service_performance_metrics (client_id, service_id, metric_name, timestamp, value, unit)
    VALUES (:client_id, :service_id, 'events_per_second', '2026-11-20T13:00:00Z', :value, 'eps')
    ON CONFLICT (client_id, service_id, metric_name, timestamp, labels)
    DO UPDATE SET value = EXCLUDED.value, updated_at = now()
"""


def test_reingesting_a_metric_point_upserts_instead_of_duplicating(db_session, client_id, service_id):
    for value in (1200.0, 1350.5):
        db_session.execute(
            text(UPSERT_METRIC), {"client_id": client_id, "service_id": service_id, "value": value}
        )
    rows = (
        db_session.execute(
            text("SELECT value FROM service_performance_metrics WHERE client_id = :c"), {"c": client_id}
        )
        .scalars()
        .all()
    )
    assert rows == [1350.5]


def test_a_plain_duplicate_metric_point_is_refused(db_session, client_id, service_id):
    point = {
        "client_id": client_id,
        "service_id": service_id,
        "metric_name": "throughput_mbps",
        "timestamp": "2026-11-20T13:00:00Z",
        "value": 1.0,
    }
    insert(db_session, "service_performance_metrics", **point)
    refused_insert(db_session, "uq_service_performance_metrics_point", "service_performance_metrics", **point)


# --- checks ---------------------------------------------------------------------------------


# (Four letters never get this far: the column is VARCHAR(3).)
@pytest.mark.parametrize("currency", ["usd", "Eur", "U$D", "EU", "E R"])
def test_currency_must_be_an_iso_4217_code(db_session, client_id, currency):
    refused_insert(
        db_session,
        "ck_contracts_currency_iso4217",
        "contracts",
        client_id=client_id,
        contract_name="Bad money",
        start_date="2026-01-01",
        end_date="2026-12-31",
        currency=currency,
    )


def test_currency_is_checked_on_every_money_table(db_session):
    refused_insert(
        db_session,
        "ck_financial_transactions_currency_iso4217",
        "financial_transactions",
        transaction_type="cost_other",
        amount=10,
        currency="eur",
        transaction_date="2026-11-01",
    )


def test_negative_seats_are_refused(db_session, client_id):
    refused_insert(
        db_session,
        "ck_license_pools_total_seats_non_negative",
        "license_pools",
        product_name="P",
        vendor="V",
        license_type="subscription",
        total_seats=-1,
    )
    pool = insert(
        db_session, "license_pools", product_name="P", vendor="V", license_type="subscription", total_seats=10
    )
    refused_insert(
        db_session,
        "ck_client_licenses_assigned_seats_non_negative",
        "client_licenses",
        license_pool_id=pool,
        client_id=client_id,
        assigned_seats=-5,
    )


@pytest.mark.parametrize(
    ("table", "column", "constraint"),
    [
        ("financial_transactions", "amount", "ck_financial_transactions_amount_non_negative"),
        ("contracts", "value", "ck_contracts_value_non_negative"),
        ("service_scopes", "quantity", "ck_service_scopes_quantity_non_negative"),
        ("service_scopes", "price", "ck_service_scopes_price_non_negative"),
    ],
)
def test_negative_amounts_and_quantities_are_refused(
    db_session, contract_id, service_id, table, column, constraint
):
    row_id = {
        "financial_transactions": lambda: insert(
            db_session,
            "financial_transactions",
            transaction_type="revenue_one_off",
            amount=5,
            transaction_date="2026-11-01",
        ),
        "contracts": lambda: contract_id,
        "service_scopes": lambda: insert(
            db_session, "service_scopes", contract_id=contract_id, service_id=service_id
        ),
    }[table]()
    refused(db_session, constraint, f"UPDATE {table} SET {column} = -1 WHERE id = :id", id=row_id)


def test_a_contract_cannot_end_before_it_starts(db_session, client_id):
    refused_insert(
        db_session,
        "ck_contracts_dates_ordered",
        "contracts",
        client_id=client_id,
        contract_name="Backwards",
        start_date="2026-06-01",
        end_date="2026-05-31",
    )


def test_hardware_cannot_come_back_before_it_went_out(db_session, client_id, asset_id):
    refused_insert(
        db_session,
        "ck_client_hardware_assignments_dates_ordered",
        "client_hardware_assignments",
        hardware_asset_id=asset_id,
        client_id=client_id,
        assignment_date="2026-03-01",
        return_date="2026-02-28",
    )


def test_a_service_cannot_be_deactivated_before_it_is_activated(db_session, contract_id, service_id):
    refused_insert(
        db_session,
        "ck_service_scopes_saf_dates_ordered",
        "service_scopes",
        contract_id=contract_id,
        service_id=service_id,
        saf_service_start_date="2026-02-01",
        saf_service_end_date="2026-01-31",
    )


@pytest.mark.parametrize(
    ("table", "values", "constraint"),
    [
        ("clients", {"company_name": "Enum Test", "status": "deleted"}, "ck_clients_client_status"),
        ("clients", {"company_name": "Enum Test", "status": "ACTIVE"}, "ck_clients_client_status"),
        (
            "services",
            {"name": "S", "category": "antivirus", "delivery_model": "co_managed"},
            "ck_services_service_category",
        ),
        (
            "hardware_assets",
            {"asset_tag": "X", "serial_number": "Y", "device_name": "z", "asset_type": "toaster"},
            "ck_hardware_assets_asset_type",
        ),
        (
            "financial_transactions",
            {"transaction_type": "revenue_gift", "amount": 1, "transaction_date": "2026-01-01"},
            "ck_financial_transactions_transaction_type",
        ),
    ],
)
def test_a_value_outside_the_enum_is_refused(db_session, table, values, constraint):
    refused_insert(db_session, constraint, table, **values)


def test_a_contract_status_outside_the_enum_is_refused(db_session, contract_id):
    refused(
        db_session,
        "ck_contracts_contract_status",
        "UPDATE contracts SET status = 'cancelled' WHERE id = :id",
        id=contract_id,
    )


@pytest.mark.parametrize("name", ["Tier", "1st_tier", "support tier", "support-tier", "_tier", "tïer", ""])
def test_a_custom_field_name_must_be_a_lower_case_identifier(db_session, name):
    refused_insert(
        db_session,
        "ck_custom_field_definitions_name_identifier",
        "custom_field_definitions",
        entity_type="client",
        name=name,
        label="Tier",
        field_type="text",
    )


def test_a_custom_field_name_is_unique_per_entity_type(db_session):
    field = {"name": "support_tier", "label": "Support tier", "field_type": "text"}
    insert(db_session, "custom_field_definitions", entity_type="client", **field)
    insert(db_session, "custom_field_definitions", entity_type="contract", **field)
    refused_insert(
        db_session,
        "uq_custom_field_definitions_entity_type_name",
        "custom_field_definitions",
        entity_type="client",
        **field,
    )


def test_a_select_custom_field_needs_an_array_of_options(db_session):
    base = {"entity_type": "client", "label": "Tier", "field_type": "select"}
    refused_insert(
        db_session,
        "ck_custom_field_definitions_select_has_options",
        "custom_field_definitions",
        name="tier",
        **base,
    )
    refused_insert(
        db_session,
        "ck_custom_field_definitions_select_options_array",
        "custom_field_definitions",
        name="tier",
        select_options={"gold": 1},
        **base,
    )
    insert(db_session, "custom_field_definitions", name="tier", select_options=["gold", "silver"], **base)


def test_custom_field_data_defaults_to_an_empty_object(db_session, client_id, user_id):
    assert (
        count(
            db_session,
            "SELECT count(*) FROM clients WHERE id = :id AND custom_field_data = '{}'::jsonb",
            id=client_id,
        )
        == 1
    )
    assert (
        count(
            db_session,
            "SELECT count(*) FROM ab_user WHERE id = :id AND custom_field_data = '{}'::jsonb",
            id=user_id,
        )
        == 1
    )


# --- ON DELETE ------------------------------------------------------------------------------


def test_a_client_with_a_contract_cannot_be_deleted(db_session, client_id, contract_id):
    refused(db_session, "fk_contracts_client_id_clients", "DELETE FROM clients WHERE id = :id", id=client_id)


def test_a_client_with_money_cannot_be_deleted(db_session, client_id):
    insert(
        db_session,
        "financial_transactions",
        transaction_type="revenue_one_off",
        amount=100,
        transaction_date="2026-11-01",
        client_id=client_id,
    )
    refused(
        db_session,
        "fk_financial_transactions_client_id_clients",
        "DELETE FROM clients WHERE id = :id",
        id=client_id,
    )


def test_a_renewed_contract_cannot_be_deleted_under_its_renewal(db_session, client_id, contract_id):
    insert(
        db_session,
        "contracts",
        client_id=client_id,
        contract_name="CTC 2027",
        start_date="2027-01-01",
        end_date="2027-12-31",
        previous_contract_id=contract_id,
    )
    refused(
        db_session,
        "fk_contracts_previous_contract_id_contracts",
        "DELETE FROM contracts WHERE id = :id",
        id=contract_id,
    )


def test_scopes_are_not_deleted_by_a_contract_delete_in_sql(db_session, contract_id, service_id):
    insert(db_session, "service_scopes", contract_id=contract_id, service_id=service_id)
    refused(
        db_session,
        "fk_service_scopes_contract_id_contracts",
        "DELETE FROM contracts WHERE id = :id",
        id=contract_id,
    )


def test_an_asset_with_custody_history_cannot_be_deleted(db_session, client_id, asset_id):
    insert(
        db_session,
        "client_hardware_assignments",
        hardware_asset_id=asset_id,
        client_id=client_id,
        assignment_date="2026-01-05",
    )
    refused(
        db_session,
        "fk_client_hardware_assignments_asset",
        "DELETE FROM hardware_assets WHERE id = :id",
        id=asset_id,
    )


def test_a_client_with_only_team_assignments_can_go_and_takes_them_along(db_session, user_id):
    prospect = insert(db_session, "clients", company_name="Short-lived Prospect")
    insert(
        db_session,
        "client_team_assignments",
        user_id=user_id,
        client_id=prospect,
        assignment_role="account_manager",
    )
    db_session.execute(text("DELETE FROM clients WHERE id = :id"), {"id": prospect})
    assert (
        count(db_session, "SELECT count(*) FROM client_team_assignments WHERE client_id = :id", id=prospect)
        == 0
    )


def test_optional_links_fall_back_to_null(db_session, client_id, asset_id, service_id, user_id):
    draft = insert(
        db_session,
        "contracts",
        client_id=client_id,
        contract_name="Draft",
        start_date="2027-01-01",
        end_date="2027-12-31",
    )
    scope = insert(db_session, "service_scopes", contract_id=draft, service_id=service_id)
    assignment = insert(
        db_session,
        "client_hardware_assignments",
        hardware_asset_id=asset_id,
        client_id=client_id,
        service_scope_id=scope,
        assignment_date="2026-01-05",
        created_by_id=user_id,
    )
    db_session.execute(text("DELETE FROM service_scopes WHERE id = :id"), {"id": scope})
    db_session.execute(text("DELETE FROM ab_user WHERE id = :id"), {"id": user_id})
    row = db_session.execute(
        text("SELECT service_scope_id, created_by_id FROM client_hardware_assignments WHERE id = :id"),
        {"id": assignment},
    ).one()
    assert tuple(row) == (None, None)


def test_a_data_source_takes_its_queries_along(db_session):
    source = insert(
        db_session, "external_data_sources", name="Jira", source_type="jira", base_url="https://jira.example"
    )
    insert(
        db_session,
        "data_source_queries",
        data_source_id=source,
        name="q",
        endpoint="/search",
        target="ticket_summary",
    )
    db_session.execute(text("DELETE FROM external_data_sources WHERE id = :id"), {"id": source})
    assert (
        count(db_session, "SELECT count(*) FROM data_source_queries WHERE data_source_id = :id", id=source)
        == 0
    )
