"""Issue 17.9: the demo MSSP earns a plausible margin in each currency it bills in (it was
-0.4 % in USD, where all the payroll was booked, and 95.1 % in EUR)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from app.demo.seed import seed_demo_data
from app.models import import_all_models
from app.services.finance import mssp_margin

pytestmark = pytest.mark.smoke

#: A managed security provider's gross margin: roughly 20-45 % (payroll, tooling, licenses).
PLAUSIBLE = (Decimal("20"), Decimal("45"))


@pytest.fixture
def margins(app, db_session):
    import_all_models()
    seed_demo_data(app.appbuilder)
    return mssp_margin(session=db_session)


def test_each_currency_has_a_plausible_margin(margins):
    assert sorted(margins) == ["EUR", "USD"]
    for currency, margin in margins.items():
        assert margin.cost > 0 and margin.revenue > 0, currency
        low, high = PLAUSIBLE
        assert low <= margin.margin_percent <= high, (
            f"{currency}: revenue {margin.revenue}, cost {margin.cost}, margin {margin.margin_percent} %"
        )


def test_the_margin_is_revenue_minus_cost_of_every_transaction_not_cancelled(db_session, margins):
    """The exact figures: the service's sums equal the ledger's, per currency."""
    rows = db_session.execute(text(
        "SELECT currency, "
        "sum(amount) FILTER (WHERE transaction_type LIKE 'revenue%'), "
        "sum(amount) FILTER (WHERE transaction_type LIKE 'cost%') "
        "FROM financial_transactions WHERE status <> 'cancelled' GROUP BY currency"
    )).all()
    assert {currency: (revenue, cost) for currency, revenue, cost in rows} == {
        currency: (margin.revenue, margin.cost) for currency, margin in margins.items()
    }
    for margin in margins.values():
        assert margin.margin == margin.revenue - margin.cost
        assert margin.margin_percent == (margin.margin * 100 / margin.revenue).quantize(Decimal("0.1"))
