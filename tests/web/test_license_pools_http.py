"""License pools show their seat usage: assigned, free, utilisation and the cost of the
assigned seats, on the list (one query for the page), the CSV export and the show page, and
in the REST API's list and show responses."""

from __future__ import annotations

import re
from decimal import Decimal

import prison
import pytest

from app.models.clients import Client
from app.models.licensing import ClientLicense, ClientLicenseStatus, LicensePool, LicenseType
from tests.conftest import ROLE_USERS
from tests.web.html import row_of


@pytest.fixture
def pools(app, db_connection) -> dict[str, str]:
    from app.extensions import db

    with app.app_context():
        client = Client(company_name="Seat Usage Corp")
        used = LicensePool(
            product_name="Usage EDR", vendor="Usage Vendor", license_type=LicenseType.SUBSCRIPTION,
            total_seats=8, cost_per_seat=Decimal("12.50"), currency="EUR",
        )
        empty = LicensePool(
            product_name="Usage SIEM", vendor="Usage Vendor", license_type=LicenseType.TERM, total_seats=0,
            cost_per_seat=Decimal("3.00"), currency="USD",
        )
        licenses = [
            ClientLicense(client=client, license_pool=used, assigned_seats=seats, status=status)
            for seats, status in (
                (3, ClientLicenseStatus.ACTIVE),
                (2, ClientLicenseStatus.SUSPENDED),
                (1, ClientLicenseStatus.REVOKED),  # holds no seat any more
            )
        ]
        db.session.add_all([client, used, empty, *licenses])
        db.session.commit()
        ids = {"used": str(used.id), "empty": str(empty.id)}
        db.session.remove()
    return ids


def test_the_list_shows_each_pools_usage(pools, engineer_client):
    page = engineer_client.get("/licensepoolview/list/?_flt_0_vendor=Usage").get_data(as_text=True)
    for label in ("Assigned seats", "Free seats", "Utilisation", "Cost of assigned seats"):
        assert label in page
    used = row_of(page, "Usage EDR")
    assert ["8", "5", "3", "62.5 %", "62.50 EUR"] == used[used.index("Subscription") + 1 :][:5]
    empty = row_of(page, "Usage SIEM")
    assert ["0", "0", "0", "0.0 %", "0.00 USD"] == empty[empty.index("Term") + 1 :][:5]


def test_the_show_page_and_the_csv_carry_the_usage(pools, engineer_client):
    page = engineer_client.get(f"/licensepoolview/show/{pools['used']}").get_data(as_text=True)
    text = re.sub(r" +", " ", re.sub(r"<[^>]+>|\s+", " ", page))
    shown = ("Assigned seats 5", "Free seats 3", "Utilisation 62.5 %", "Cost of assigned seats 62.50 EUR")
    for expected in shown:
        assert expected in text, expected
    csv = engineer_client.get("/licensepoolview/export/?_flt_0_vendor=Usage").get_data(as_text=True)
    assert "Assigned seats,Free seats,Utilisation,Cost of assigned seats" in csv
    assert ",5,3,62.5 %,62.50,EUR," in csv


# --- REST API -------------------------------------------------------------------------------

USAGE_COLUMNS = ("seats_assigned", "seats_free", "seat_utilisation", "assigned_seats_cost")


@pytest.fixture
def engineer_api(app, db_connection):
    """GET as the Engineer, with a JWT as an API client would."""
    from tests.web.auth_helpers import api_token, bearer

    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Engineer"]))
    return lambda url: browser.get(url, headers=headers)


def usage_of(row: dict) -> list:
    return [row.get(column) for column in USAGE_COLUMNS]


def test_the_api_lists_and_shows_each_pools_usage(pools, engineer_api):
    query = prison.dumps({"filters": [{"col": "vendor", "opr": "eq", "value": "Usage Vendor"}]})
    listed = engineer_api(f"/api/v1/license_pool/?q={query}")
    assert listed.status_code == 200, listed.get_json()
    rows = {row["product_name"]: row for row in listed.get_json()["result"]}
    assert usage_of(rows["Usage EDR"]) == [5, 3, "62.5", "62.50"]
    assert rows["Usage EDR"]["currency"] == "EUR"
    assert usage_of(rows["Usage SIEM"]) == [0, 0, "0.0", "0.00"]
    shown = engineer_api(f"/api/v1/license_pool/{pools['used']}")
    assert shown.status_code == 200
    assert usage_of(shown.get_json()["result"]) == [5, 3, "62.5", "62.50"]
    # A response narrowed to other columns has no usage, and no error.
    narrowed = engineer_api(f"/api/v1/license_pool/?q={prison.dumps({'select_columns': ['vendor']})}")
    assert narrowed.status_code == 200
    assert all("seats_assigned" not in row for row in narrowed.get_json()["result"])


def test_the_usage_is_read_only_and_documented(pools, app, db_connection):
    from tests.web.auth_helpers import api_token, bearer

    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Admin"]))
    url = f"/api/v1/license_pool/{pools['used']}"
    version = browser.get(url, headers=headers).get_json()["result"]["version"]
    refused = browser.put(url, json={"version": version, "seats_assigned": 1}, headers=headers)
    assert refused.status_code == 422
    assert browser.get(url, headers=headers).get_json()["result"]["seats_assigned"] == 5
    spec = browser.get("/api/v1/_openapi", headers=headers).get_json()
    for operation in ("get", "get_list"):
        properties = spec["components"]["schemas"][f"LicensePoolApi.{operation}"]["properties"]
        for column in USAGE_COLUMNS:
            assert properties[column]["readOnly"] is True, (operation, column)
            assert properties[column]["description"]
        assert properties["seat_utilisation"]["type"] == "string"


def test_an_api_page_reads_the_usage_in_one_query(app, db_connection, engineer_api):
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        client = Client(company_name="Bulk Seats Corp")
        for n in range(101):
            pool = LicensePool(
                product_name=f"Bulk Pool {n:03d}", vendor="Bulk Vendor", license_type=LicenseType.TERM,
                total_seats=10, cost_per_seat=Decimal("1.00"), currency="EUR",
            )
            db.session.add(ClientLicense(client=client, license_pool=pool, assigned_seats=1 + n % 9))
        db.session.commit()
        engine = db.engine
        db.session.remove()
    statements: list[str] = []

    def count_statement(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def statements_for(size: int) -> int:
        statements.clear()
        response = engineer_api(f"/api/v1/license_pool/?q=(page_size:{size})")
        assert response.status_code == 200
        rows = response.get_json()["result"]
        assert len(rows) == size and all(row["seats_assigned"] is not None for row in rows)
        return len(statements)

    event.listen(engine, "before_cursor_execute", count_statement)
    try:
        statements_for(25)  # warm-up: first-request caches
        assert statements_for(25) == statements_for(100)
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)
