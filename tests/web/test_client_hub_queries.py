"""The client hub page: right counts on every tab, and a bounded number of statements."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import event

from app.models.finance import FinancialTransaction, TransactionType


def add_transactions(app, client_id: str, how_many: int) -> None:
    from app.extensions import db

    with app.app_context():
        db.session.add_all(
            FinancialTransaction(
                transaction_type=TransactionType.REVENUE_ONE_OFF,
                amount=Decimal(100 + n),
                currency="USD",
                transaction_date=dt.date(2026, 5, 1),
                client_id=client_id,
                description=f"Hub {n}",
            )
            for n in range(how_many)
        )
        db.session.commit()
        db.session.remove()


def test_hub_tabs_show_true_counts_with_few_statements(app, admin_client, world):
    from app.extensions import db

    add_transactions(app, world["client"], 40)  # more than one page of the tab
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    url = f"/clientview/show/{world['client']}"
    admin_client.get(url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        html = admin_client.get(url).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    counts = [int(n) for n in re.findall(r"Record Count:</strong>\s*(\d+)", html)]
    assert 41 in counts  # the transactions tab: 40 + the world's one, counted past its page
    assert 1 in counts  # a short tab (the world's contract) counts its rows
    sql = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]
    # Short tabs are counted from their page; only the full transactions tab runs count(*).
    assert sum("count(*)" in s and "financial_transactions" in s for s in sql) == 1
    assert sum("count(*)" in s and "FROM contracts" in s for s in sql) == 0
    # 20, and 2 for the account manager bar (its holder, the account managers to hand it to).
    assert len(sql) <= 22, sql
