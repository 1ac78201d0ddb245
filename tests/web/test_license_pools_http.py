"""License pools show their seat usage: assigned, free, utilisation and the cost of the
assigned seats, on the list (one query for the page), the CSV export and the show page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.models.clients import Client
from app.models.licensing import ClientLicense, ClientLicenseStatus, LicensePool, LicenseType


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


def row_of(page: str, product: str) -> list[str]:
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S):
        if product in row:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            return [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in cells]
    raise AssertionError(f"{product} is not listed")


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
    assert ",5,3,62.5 %,62.50 EUR," in csv
