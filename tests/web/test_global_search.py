"""Global search (navbar, `/search/`, `/api/v1/search/`) and the quick search above every list:
what a person finds, in which order, and never what their role may not see."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import text

from app.models.clients import Client
from tests.conftest import ROLE_USERS
from tests.factories import build_world
from tests.web.auth_helpers import api_token, bearer
from tests.web.html import cells


@pytest.fixture
def search_world(app, db_connection) -> dict[str, str]:
    from app.extensions import db

    ids = build_world(app)
    with app.app_context():
        db.session.add_all([
            Client(company_name="Worldwide Logistics", contact_name="Jane Doe",
                   contact_email="jane.doe@northwind-secure.example", contact_phone="+44 20 7946 0958",
                   custom_field_data={"world_field": "Zebra crossing"}),
            Client(company_name="World", contact_name="Exact Match"),
        ])
        db.session.commit()
        db.session.remove()
    return ids


def api_search(client, role: str, query: str):
    headers = bearer(api_token(client, ROLE_USERS[role]))
    return client.get(f"/api/v1/search/?q={quote(query)}", headers=headers)


def labels(body: dict, entity: str) -> list[str]:
    return [row["label"] for row in body["results"] if row["entity"] == entity]


def test_one_query_finds_every_kind_of_record(client, search_world):
    response = api_search(client, "Admin", "world")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["counts"] == {
        "client": 2, "contract": 1, "license_pool": 1, "hardware": 1, "ticket": 1,
    }
    assert labels(body, "contract") == ["World Contract 2026"]
    assert labels(body, "hardware") == ["WORLD-1"]
    assert labels(body, "ticket") == ["WORLD-1"]
    # Exact label first, then labels starting with the query.
    assert labels(body, "client") == ["World", "Worldwide Logistics"]
    assert [row["matched"] for row in body["results"] if row["entity"] == "client"] == ["exact", "prefix"]
    contract = next(row for row in body["results"] if row["entity"] == "contract")
    assert contract["url"] == f"/contractview/show/{search_world['contract']}"


@pytest.mark.parametrize(
    ("query", "entity", "label"),
    [
        ("northwind", "client", "Worldwide Logistics"),  # a part of the contact's e-mail
        ("jane do", "client", "Worldwide Logistics"),  # two words, the last a prefix
        ("7946", "client", "Worldwide Logistics"),  # a part of the phone number
        ("zebra", "client", "Worldwide Logistics"),  # a custom field's text value
        ("world-sn", "hardware", "WORLD-1"),  # the serial number, punctuation as typed
        ("acme", "license_pool", "World EDR"),  # the vendor
        ("world-1", "ticket", "WORLD-1"),  # the ticket key
    ],
)
def test_records_are_found_by_the_words_people_remember(client, search_world, query, entity, label):
    body = api_search(client, "Admin", query).get_json()
    assert label in labels(body, entity), body


def test_the_account_managers_row_filter_applies_to_results(client, search_world):
    # "mine" is in both transactions' descriptions ("Mine", "Not mine"); the account manager
    # looks after the first client only.
    admin = api_search(client, "Admin", "mine").get_json()
    mine = api_search(client, "Account Manager", "mine").get_json()
    assert admin["counts"]["transaction"] == 2
    assert mine["counts"]["transaction"] == 1
    assert [row["id"] for row in mine["results"] if row["entity"] == "transaction"] == [
        str(search_world["transaction"])]


def test_a_role_never_sees_results_of_screens_it_may_not_open(client, search_world):
    engineer = api_search(client, "Engineer", "mine").get_json()
    assert "transaction" not in engineer["counts"]
    admin_users = api_search(client, "Admin", "tester").get_json()
    assert admin_users["counts"].get("user", 0) >= 4
    assert "user" not in api_search(client, "Account Manager", "tester").get_json()["counts"]


@pytest.mark.parametrize("query", ["x" * 201, "a b c d e f g h i", "nul\x00byte"])
def test_a_query_that_cannot_be_searched_is_refused_naming_q(client, search_world, query):
    response = api_search(client, "Admin", query)
    assert response.status_code == 400
    assert response.get_json()["field"] == "q"


def test_the_search_page_groups_results_and_links_to_the_filtered_list(admin_client, search_world):
    page = admin_client.get("/search/?q=world")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Clients" in html and "Contracts" in html and "Tickets" in html
    assert f"/contractview/show/{search_world['contract']}" in html
    assert 'id="mssp-global-search"' in html  # the navbar box on every page
    assert admin_client.get("/search/?q=" + "x" * 201).status_code == 400


def test_all_results_lists_exactly_the_rows_the_search_counted(admin_client, client, search_world):
    counts = api_search(client, "Admin", "world").get_json()["counts"]
    listed = cells(admin_client.get("/clientview/list/?q=world").get_data(as_text=True))
    names = {"World", "Worldwide Logistics", "Assigned Client Ltd", "Unassigned Client plc"}
    assert {name for name in names if name in listed} == {"World", "Worldwide Logistics"}
    assert counts["client"] == 2


def test_quick_search_combines_with_the_other_filters_and_is_kept_in_the_url(admin_client, search_world):
    html = admin_client.get("/clientview/list/?q=world&_flt_0_company_name=Worldw").get_data(as_text=True)
    listed = cells(html)
    assert "Worldwide Logistics" in listed and "World" not in [c.strip() for c in listed]
    assert 'name="q" value="world"' in html
    assert 'name="_flt_0_company_name" value="Worldw"' in html
    # A list outside the global search (team assignments) searches its text columns and the
    # labels of its relations (the client's name).
    found = admin_client.get("/teamassignmentview/list/?q=assigned cl").get_data(as_text=True)
    assert "Assigned Client Ltd" in cells(found)
    nothing = admin_client.get("/teamassignmentview/list/?q=zzz")
    assert nothing.status_code == 200
    assert "Assigned Client Ltd" not in nothing.get_data(as_text=True)


def test_the_queries_use_the_search_indexes(app, db_connection):
    from app.extensions import db
    from app.services.search import TARGETS_BY_KEY, list_clause

    with app.app_context():
        session = db.session
        session.execute(text("SET LOCAL enable_seqscan = off"))
        for key in ("client", "ticket", "hardware"):
            target = TARGETS_BY_KEY[key]
            query = session.query(target.model.id).filter(list_clause(target, "wor"))
            compiled = query.statement.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {compiled}")))
            assert f"search_{target.table}" in plan, plan
