"""CSV export of a list: the list's filters and order, formatted values, no formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from app.models.clients import Client, ClientStatus
from app.models.finance import FinancialTransaction, TransactionType


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def add_hostile_client(app) -> None:
    from app.extensions import db

    with app.app_context():
        client = Client(
            company_name='=HYPERLINK("http://evil.example","click")',
            status=ClientStatus.ACTIVE,
            industry="+cmd|' /C calc'!A0",
            contact_name="@SUM(A1:A9)",
        )
        db.session.add(client)
        db.session.add(
            FinancialTransaction(
                transaction_type=TransactionType.COST_OTHER,
                amount=Decimal("1234567.89"),
                currency="EUR",
                transaction_date=dt.date(2026, 5, 17),
                client=client,
                description="-2+3",
            )
        )
        db.session.commit()
        db.session.remove()


def test_the_export_button_carries_the_current_filters(admin_client, world):
    html = admin_client.get("/clientview/list/?_flt_0_status=active").get_data(as_text=True)
    assert 'href="/clientview/export/?_flt_0_status=active"' in html


def test_export_has_the_list_columns_with_formatted_values(admin_client, world):
    """Money is a number a spreadsheet can sum, beside a currency column (issue 17.7)."""
    rows = read_csv(admin_client.get("/contractview/export/"))
    assert rows[0] == ["Contract", "Client", "Status", "Start", "End", "Renewal", "Value", "Currency"]
    assert [
        "World Contract 2026",
        "Assigned Client Ltd",
        "Active",
        "2026-01-01",
        "2026-12-31",
        "",
        "1234567.50",
        "USD",
    ] in rows


def test_export_respects_the_filters(admin_client, world):
    rows = read_csv(admin_client.get("/clientview/export/?_flt_0_status=prospect"))
    names = [row[0] for row in rows[1:]]
    assert names == ["Unassigned Client plc"]
    rows = read_csv(admin_client.get(f"/transactionview/export/?_flt_0_client={world['client']}"))
    assert [row[3] for row in rows[1:]] == ["Mine"]


def test_export_respects_the_order(admin_client, world):
    rows = read_csv(admin_client.get("/clientview/export/?_oc_ClientView=company_name&_od_ClientView=desc"))
    assert [row[0] for row in rows[1:]] == ["Unassigned Client plc", "Assigned Client Ltd"]


def test_export_neutralises_formulas(app, admin_client, world):
    add_hostile_client(app)
    rows = read_csv(admin_client.get("/clientview/export/?_flt_0_status=active"))
    hostile = next(row for row in rows if "HYPERLINK" in row[0])
    assert hostile[0] == '\'=HYPERLINK("http://evil.example","click")'
    assert hostile[2] == "'+cmd|' /C calc'!A0"
    assert hostile[5] == "'@SUM(A1:A9)"
    rows = read_csv(admin_client.get("/transactionview/export/?_flt_0_transaction_type=cost_other"))
    assert rows[1] == [
        "2026-05-17",
        "Cost other",
        '\'=HYPERLINK("http://evil.example","click")',
        "'-2+3",
        "1234567.89",
        "EUR",
        "Pending",
    ]


def test_export_needs_read_access(engineer_client, world):
    assert engineer_client.get("/transactionview/export/").status_code == 403


def test_a_bad_filter_value_is_a_400_not_a_500(admin_client, world):
    response = admin_client.get("/contractview/export/?_flt_0_status=no-such-status")
    assert response.status_code == 400


def test_big_exports_are_read_in_batches_without_gaps_or_repeats(app, admin_client, world, monkeypatch):
    from app.extensions import db
    from app.web import csv_export

    with app.app_context():
        db.session.add_all([Client(company_name=f"Batch {n:02d}", industry="Same") for n in range(23)])
        db.session.commit()
        db.session.remove()
    monkeypatch.setattr(csv_export, "BATCH_SIZE", 4)
    rows = read_csv(
        admin_client.get(
            "/clientview/export/?_flt_0_industry=Same&_oc_ClientView=industry&_od_ClientView=asc"
        )
    )
    names = [row[0] for row in rows[1:]]
    assert sorted(names) == [f"Batch {n:02d}" for n in range(23)]
