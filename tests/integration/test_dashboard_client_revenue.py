"""Top clients over a custom range: whole months from the per-client monthly rollup, the partial
edge months from the transactions; exact numbers on known data, per currency, kept fresh."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.dashboards.filters import DashboardFilters
from app.dashboards.queries.common import rollup_status
from app.dashboards.queries.top_clients import top_clients_by_revenue, whole_months
from app.dashboards.rollups import refresh_rollups
from app.models.finance import FinancialTransaction, TransactionStatus, TransactionType
from tests.dashboard_data import TODAY, build_known_data

D = Decimal


def revenue(client, amount: str, currency: str, day: date, status=TransactionStatus.PAID):
    return FinancialTransaction(
        transaction_type=TransactionType.REVENUE_ONE_OFF,
        amount=D(amount),
        currency=currency,
        transaction_date=day,
        client_id=client.id,
        status=status,
    )


@pytest.fixture
def known(db_session):
    """The known data plus revenue on the edges of months, and Beta's revenue in a second currency."""
    data = build_known_data(db_session)
    db_session.add_all(
        [
            revenue(data.alpha, "40.00", "EUR", date(2026, 4, 30)),
            revenue(data.alpha, "7.25", "EUR", date(2026, 6, 14)),
            revenue(data.beta, "300.00", "USD", date(2026, 3, 31)),
            revenue(data.beta, "900.00", "GBP", date(2026, 5, 15)),
        ]
    )
    db_session.flush()
    refresh_rollups(full=True, session=db_session, today=TODAY)
    return data


def top(db_session, date_from: date, date_to: date, **kwargs) -> list[tuple[str, int, str, Decimal]]:
    """The ranking read through the monthly rollup, asserted equal to the one summed from the sources."""
    filters = DashboardFilters("custom", date_from, date_to)
    assert rollup_status(db_session).ready("client_revenue")
    rolled = top_clients_by_revenue(db_session, filters, monthly_rollup=True, **kwargs)
    assert rolled == top_clients_by_revenue(db_session, filters, monthly_rollup=False, **kwargs)
    return [(r.currency, r.rank, r.company_name, r.revenue) for r in rolled]


def test_whole_months_of_a_range():
    assert whole_months(date(2026, 4, 10), date(2026, 6, 12)) == (date(2026, 5, 1), date(2026, 6, 1))
    assert whole_months(date(2026, 4, 1), date(2026, 5, 31)) == (date(2026, 4, 1), date(2026, 6, 1))
    # No whole month: everything comes from the transactions.
    assert whole_months(date(2026, 5, 2), date(2026, 5, 31)) == (date(2026, 6, 1), date(2026, 6, 1))
    assert whole_months(date(2026, 4, 10), date(2026, 5, 20)) == (date(2026, 5, 21), date(2026, 5, 21))
    assert whole_months(date(2025, 12, 1), date(2025, 12, 31)) == (date(2025, 12, 1), date(2026, 1, 1))


def test_a_range_with_partial_months_on_both_ends(db_session, known):
    # Alpha: 40.00 on 30 April (edge) + 1,000.00 in May; not 1 April, not 14 June.
    # Beta: 2,000.00 in May + 500.00 on 10 June (edge) in USD, and 900.00 GBP apart.
    assert top(db_session, date(2026, 4, 10), date(2026, 6, 12)) == [
        ("EUR", 1, "Alpha Test GmbH", D("1040.00")),
        ("GBP", 1, "Beta Test Inc", D("900.00")),
        ("USD", 1, "Beta Test Inc", D("2500.00")),
    ]


def test_whole_months_only_and_no_whole_month(db_session, known):
    assert top(db_session, date(2026, 4, 1), date(2026, 5, 31)) == [
        ("EUR", 1, "Alpha Test GmbH", D("2040.00")),
        ("GBP", 1, "Beta Test Inc", D("900.00")),
        ("USD", 1, "Beta Test Inc", D("2000.00")),
    ]
    # 2 to 31 May: the cancelled 250.50 EUR of 20 May never counts.
    assert top(db_session, date(2026, 5, 2), date(2026, 5, 31)) == [("GBP", 1, "Beta Test Inc", D("900.00"))]


def test_an_account_managers_clients_only(db_session, known):
    assert top(db_session, date(2026, 3, 15), date(2026, 6, 15), client_ids=frozenset({known.alpha.id})) == [
        ("EUR", 1, "Alpha Test GmbH", D("2047.25"))
    ]


def test_the_rollup_follows_new_cancelled_and_deleted_transactions(db_session, known):
    april_to_june = (date(2026, 4, 10), date(2026, 6, 12))
    db_session.add(revenue(known.alpha, "10.00", "EUR", date(2026, 5, 9)))
    cancelled = db_session.execute(
        text("SELECT id FROM financial_transactions WHERE currency = 'USD' AND transaction_date = :day"
             " AND transaction_type LIKE 'revenue%'"),
        {"day": date(2026, 5, 1)},
    ).scalar_one()
    db_session.execute(
        text("UPDATE financial_transactions SET status = 'cancelled', updated_at = now() WHERE id = :id"),
        {"id": cancelled},
    )
    db_session.flush()
    report = refresh_rollups(session=db_session, today=TODAY)
    assert report.recomputed["client_revenue"] >= 2 and "client_revenue" not in report.rebuilt
    assert top(db_session, *april_to_june) == [
        ("EUR", 1, "Alpha Test GmbH", D("1050.00")),
        ("GBP", 1, "Beta Test Inc", D("900.00")),
        ("USD", 1, "Beta Test Inc", D("500.00")),
    ]
    # A deleted row is not a change the incremental refresh can see: the nightly `since` one is.
    db_session.execute(text("DELETE FROM financial_transactions WHERE currency = 'GBP'"))
    refresh_rollups(since=datetime(2026, 5, 20, tzinfo=UTC), session=db_session, today=TODAY)
    assert ("GBP", 1, "Beta Test Inc", D("900.00")) not in top(db_session, *april_to_june)


# --- long ranges: a few candidates per currency, ranked by an upper bound ---------------------


def all_time_totals(db_session) -> dict:
    return {
        (currency, client, revenue)
        for currency, client, revenue in db_session.execute(
            text("SELECT currency, client_id, revenue FROM dash_client_revenue_total")
        )
    }


def summed_totals(db_session) -> dict:
    return {
        (currency, client, revenue)
        for currency, client, revenue in db_session.execute(
            text(
                "SELECT currency, client_id, sum(amount) FROM financial_transactions"
                " WHERE client_id IS NOT NULL AND transaction_type LIKE 'revenue%'"
                " AND status <> 'cancelled' GROUP BY 1, 2"
            )
        )
    }


def test_all_time_totals_follow_every_refresh(db_session, known):
    assert all_time_totals(db_session) == summed_totals(db_session) != set()
    db_session.add(revenue(known.gamma, "5.00", "EUR", date(2026, 2, 10)))
    db_session.flush()
    refresh_rollups(session=db_session, today=TODAY)
    assert all_time_totals(db_session) == summed_totals(db_session)
    assert ("EUR", known.gamma.id, D("5.00")) in all_time_totals(db_session)
    db_session.execute(text("DELETE FROM financial_transactions WHERE currency = 'GBP'"))
    refresh_rollups(since=datetime(2026, 5, 1, tzinfo=UTC), session=db_session, today=TODAY)
    assert all_time_totals(db_session) == summed_totals(db_session)


@pytest.fixture
def settled(db_session, known):
    """Gamma earns 5.00 EUR in February; the rollups are refreshed and the data an hour old to them."""
    db_session.add(revenue(known.gamma, "5.00", "EUR", date(2026, 2, 10)))
    db_session.flush()
    refresh_rollups(full=True, session=db_session, today=TODAY)
    db_session.execute(text("UPDATE dash_rollup_state SET watermark = watermark + interval '1 hour'"))
    return known


@pytest.fixture
def proofs(monkeypatch) -> list[bool]:
    """Whether each ranking from the candidates was proven (False: every client was summed instead)."""
    from app.dashboards.queries import top_clients

    seen: list[bool] = []
    real = top_clients._top_clients_of_candidates

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        seen.append(result is not None)
        return result

    monkeypatch.setattr(top_clients, "_top_clients_of_candidates", spy)
    return seen


# 135 days inside the year window (its revenue bounds), and 531 days (all-time revenue bounds).
LONG_RANGES = (date(2026, 2, 1), date(2025, 1, 1))


@pytest.mark.parametrize("date_from", LONG_RANGES)
def test_the_leaders_are_proven_from_one_candidate(db_session, settled, proofs, date_from):
    assert top(db_session, date_from, TODAY, windows_as_of=TODAY, limit=1, candidates=1) == [
        ("EUR", 1, "Alpha Test GmbH", D("2047.25")),
        ("GBP", 1, "Beta Test Inc", D("900.00")),
        ("USD", 1, "Beta Test Inc", D("2800.00")),
    ]
    assert proofs == [True]


@pytest.mark.parametrize("date_from", LONG_RANGES)
def test_too_few_candidates_fall_back_to_summing_everyone(db_session, settled, proofs, date_from):
    expected = [
        ("EUR", 1, "Alpha Test GmbH", D("2047.25")),
        ("EUR", 2, "Gamma Test Ltd", D("5.00")),
        ("GBP", 1, "Beta Test Inc", D("900.00")),
        ("USD", 1, "Beta Test Inc", D("2800.00")),
    ]
    # One EUR candidate cannot show that nobody else earned something: Gamma did.
    assert top(db_session, date_from, TODAY, windows_as_of=TODAY, candidates=1) == expected
    assert top(db_session, date_from, TODAY, windows_as_of=TODAY) == expected
    assert proofs == [False, True]


def test_revenue_booked_since_the_refresh_is_not_missed(db_session, settled, proofs):
    # Gamma's new deal on an edge day (after the last refresh) outranks Alpha, whose bound is higher.
    db_session.add(revenue(settled.gamma, "5000.00", "EUR", date(2026, 6, 12)))
    db_session.flush()
    db_session.execute(
        text(
            "UPDATE financial_transactions SET updated_at = updated_at + interval '2 hours'"
            " WHERE amount = 5000"
        )
    )
    assert top(db_session, date(2026, 2, 1), TODAY, windows_as_of=TODAY, limit=1, candidates=1)[0] == (
        "EUR",
        1,
        "Gamma Test Ltd",
        D("5005.00"),
    )
    assert proofs == [False]
