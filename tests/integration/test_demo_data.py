"""`seed_demo_data` fills every entity with data that respects the business rules."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from app.demo import DEMO_KINDS
from app.demo.seed import seed_demo_data
from app.models import import_all_models

pytestmark = pytest.mark.smoke

#: Every table the seed data model created (ab_* and alembic's own excluded).
DOMAIN_TABLES = (
    "clients",
    "services",
    "contracts",
    "service_scopes",
    "proposals",
    "license_pools",
    "client_licenses",
    "hardware_assets",
    "client_hardware_assignments",
    "financial_transactions",
    "client_team_assignments",
    "sla_metrics",
    "ticket_summaries",
    "service_performance_metrics",
    "client_subscription_snapshots",
    "external_data_sources",
    "data_source_queries",
    "custom_field_definitions",
)


@pytest.fixture
def seeded(app, db_session) -> dict[str, int]:
    import_all_models()
    return seed_demo_data(app.appbuilder)


def scalar(db_session, sql: str):
    return db_session.execute(text(sql)).scalar_one()


def test_every_entity_gets_rows(db_session, seeded):
    assert set(DEMO_KINDS) <= set(seeded)
    assert all(seeded[kind] > 0 for kind in DEMO_KINDS), seeded
    for table in DOMAIN_TABLES:
        assert scalar(db_session, f"SELECT count(*) FROM {table}") > 0, table


def test_a_second_run_creates_nothing(app, db_session, seeded):
    assert set(seed_demo_data(app.appbuilder).values()) == {0}


def test_no_pool_is_assigned_beyond_its_seats(db_session, seeded):
    over = scalar(
        db_session,
        "SELECT count(*) FROM (SELECT p.id FROM license_pools p "
        "JOIN client_licenses l ON l.license_pool_id = p.id "
        "GROUP BY p.id, p.total_seats HAVING sum(l.assigned_seats) > p.total_seats) AS o",
    )
    assert over == 0


def test_renewals_continue_their_previous_contract(db_session, seeded):
    assert scalar(db_session, "SELECT count(*) FROM contracts WHERE previous_contract_id IS NOT NULL") > 10
    gaps = scalar(
        db_session,
        "SELECT count(*) FROM contracts c JOIN contracts p ON p.id = c.previous_contract_id "
        "WHERE c.start_date <> p.end_date + 1 OR c.client_id <> p.client_id",
    )
    assert gaps == 0


def test_the_demo_contracts_keep_the_counting_rule_today_and_after_each_roll_over(db_session, seeded):
    """One counting contract per chain on every day, early (signed) renewals included."""
    from datetime import timedelta

    from app.services.clock import today_utc
    from app.services.contract_counting import chain_problems, roll_over_contracts

    today = today_utc()
    assert chain_problems(today, db_session) == []
    signed = scalar(db_session, "SELECT count(*) FROM contracts WHERE status = 'signed'")
    assert signed > 0  # the demo shows early renewals waiting for their start date
    for offset in range(1, 120, 7):
        roll_over_contracts(today + timedelta(days=offset), db_session)
        assert chain_problems(today + timedelta(days=offset), db_session) == [], offset
    assert scalar(db_session, "SELECT count(*) FROM contracts WHERE status = 'signed'") == 0


def test_a_year_of_monthly_revenue_and_costs_in_two_currencies(db_session, seeded):
    months = scalar(
        db_session,
        "SELECT count(DISTINCT date_trunc('month', transaction_date)) FROM financial_transactions "
        "WHERE transaction_type = 'revenue_contract'",
    )
    assert months >= 12
    assert scalar(db_session, "SELECT count(DISTINCT currency) FROM financial_transactions") == 2
    assert (
        scalar(db_session, "SELECT count(*) FROM financial_transactions WHERE transaction_type LIKE 'cost_%'")
        > 0
    )


def test_thirty_days_of_hourly_metrics(db_session, seeded):
    hours = scalar(
        db_session,
        "SELECT max(n) FROM (SELECT count(*) AS n FROM service_performance_metrics "
        "GROUP BY client_id, service_id, metric_name) AS series",
    )
    assert hours == 30 * 24


def test_devices_in_use_are_exactly_those_out_with_a_client(db_session, seeded):
    mismatched = scalar(
        db_session,
        "SELECT count(*) FROM hardware_assets a WHERE (a.status = 'in_use') <> EXISTS ("
        "SELECT 1 FROM client_hardware_assignments h "
        "WHERE h.hardware_asset_id = a.id AND h.return_date IS NULL)",
    )
    assert mismatched == 0


def test_devices_out_have_a_due_date_and_a_few_are_overdue(db_session, seeded, login_as):
    open_without_due = scalar(
        db_session,
        "SELECT count(*) FROM client_hardware_assignments "
        "WHERE return_date IS NULL AND expected_return_date IS NULL",
    )
    assert open_without_due == 0
    assert scalar(
        db_session,
        "SELECT count(*) FROM client_hardware_assignments WHERE expected_return_date < assignment_date",
    ) == 0
    # What the "hardware not returned" alert and the lists' "Due back" column show.
    overdue = scalar(
        db_session,
        "SELECT count(*) FROM client_hardware_assignments "
        "WHERE return_date IS NULL AND status = 'active' AND expected_return_date < CURRENT_DATE",
    )
    due_later = scalar(
        db_session,
        "SELECT count(*) FROM client_hardware_assignments "
        "WHERE return_date IS NULL AND expected_return_date >= CURRENT_DATE",
    )
    assert 1 <= overdue <= 5 and due_later > overdue
    oldest_due = scalar(db_session, "SELECT min(expected_return_date) FROM client_hardware_assignments")
    url = "/hardwareassignmentview/list/?_oc_HardwareAssignmentView=expected_return_date"
    page = login_as("Manager").get(f"{url}&_od_HardwareAssignmentView=asc").get_data(as_text=True)
    assert f">{oldest_due.isoformat()}<" in re.sub(r"\s+", "", page)
