"""Text filters match `%` and `_` as typed, on the screens and in the REST API."""

from __future__ import annotations

from urllib.parse import quote

import prison
import pytest

from app.models.clients import Client
from tests.conftest import ROLE_USERS
from tests.web.auth_helpers import api_token, bearer
from tests.web.html import cells

NAMES = ("Save 50% Ltd", "Save 500 Ltd", "a_b Systems", "axb Systems", "Back\\slash plc", "Backslash plc")


@pytest.fixture
def clients(app, db_connection) -> None:
    from app.extensions import db

    with app.app_context():
        db.session.add_all(Client(company_name=name) for name in NAMES)
        db.session.commit()
        db.session.remove()


def screen_rows(browser, argument: str, term: str) -> set[str]:
    html = browser.get(f"/clientview/list/?{argument}={quote(term)}").get_data(as_text=True)
    return {name for name in NAMES if name in cells(html)}


def api_rows(client, operator: str, term: str) -> set[str]:
    headers = bearer(api_token(client, ROLE_USERS["Admin"]))
    q = prison.dumps({"filters": [{"col": "company_name", "opr": operator, "value": term}], "page_size": 100})
    response = client.get(f"/api/v1/client/?q={quote(q)}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return {row["company_name"] for row in response.get_json()["result"]} & set(NAMES)


@pytest.mark.parametrize(
    ("argument", "term", "expected"),
    [
        ("_flt_2_company_name", "50%", {"Save 50% Ltd"}),  # contains
        ("_flt_2_company_name", "a_b", {"a_b Systems"}),
        ("_flt_2_company_name", "k\\s", {"Back\\slash plc"}),
        ("_flt_0_company_name", "A_", {"a_b Systems"}),  # starts with
        ("_flt_1_company_name", "0% Ltd", {"Save 50% Ltd"}),  # ends with
    ],
)
def test_list_search_takes_wildcards_literally(admin_client, clients, argument, term, expected):
    assert screen_rows(admin_client, argument, term) == expected


def test_not_contains_keeps_the_rows_without_the_literal_text(admin_client, clients):
    assert screen_rows(admin_client, "_flt_6_company_name", "50%") == set(NAMES) - {"Save 50% Ltd"}


def test_api_filters_take_wildcards_literally(client, clients):
    assert api_rows(client, "ct", "50%") == {"Save 50% Ltd"}
    assert api_rows(client, "sw", "a_") == {"a_b Systems"}
    assert api_rows(client, "ew", "_b systems") == {"a_b Systems"}
    assert api_rows(client, "nct", "_") == set(NAMES) - {"a_b Systems"}
