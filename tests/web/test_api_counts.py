"""REST lists: counts without the joins that only select related labels, right with relation
filters; later pages (keys first, then the rows) in order with their labels."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import prison
import pytest

from app.models.licensing import ClientLicense
from tests.conftest import ROLE_USERS
from tests.web.auth_helpers import api_token, bearer


@pytest.fixture
def world(app, world) -> dict[str, str]:
    from app.extensions import db

    ids = dict(world)

    with app.app_context():  # a second license, for the client nobody is assigned to
        db.session.add(
            ClientLicense(
                client_id=uuid.UUID(ids["other_client"]), license_pool_id=uuid.UUID(ids["pool"]),
                assigned_seats=1,
            )
        )
        db.session.commit()
        db.session.remove()
    return ids


def listed(client, role: str, **arguments) -> tuple[int, list[dict]]:
    headers = bearer(api_token(client, ROLE_USERS[role]))
    response = client.get(f"/api/v1/client_license/?q={quote(prison.dumps(arguments))}", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return body["count"], body["result"]


def test_count_matches_the_rows_with_and_without_filters(client, world):
    count, rows = listed(client, "Admin")
    assert count == len(rows) == 2
    assert {row["client"]["company_name"] for row in rows} == {"Assigned Client Ltd", "Unassigned Client plc"}
    by_client = [{"col": "client", "opr": "rel_o_m", "value": world["client"]}]
    count, rows = listed(client, "Admin", filters=by_client)
    assert count == len(rows) == 1 and rows[0]["client"]["company_name"] == "Assigned Client Ltd"


def test_count_of_a_full_page_counts_past_it(client, world):
    count, rows = listed(client, "Admin", page=0, page_size=1)
    assert (count, len(rows)) == (2, 1)


def test_a_later_page_lists_the_same_rows_in_the_same_order_with_their_labels(app, client, world):
    from tests.factories import add_clients_with_transactions

    add_clients_with_transactions(app, 7)
    headers = bearer(api_token(client, ROLE_USERS["Admin"]))

    def page(**arguments) -> list[tuple]:
        arguments.update(order_column="amount", order_direction="desc")
        url = f"/api/v1/financial_transaction/?q={quote(prison.dumps(arguments))}"
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_json()
        rows = response.get_json()["result"]
        return [(row["amount"], (row["client"] or {}).get("company_name")) for row in rows]

    everything = page(page=0, page_size=20)
    assert len(everything) == 9 and everything[1] == ("1006.00", "Bulk Client 006")
    assert page(page=1, page_size=3) + page(page=2, page_size=3) == everything[3:9]
