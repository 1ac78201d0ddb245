"""Big lists: pages stop at the capped count (with a hint), sorts by a required relation join
inner, and the alert bell counts once per page."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import event

from app.models.clients import Client
from app.models.finance import FinancialTransaction, TransactionType
from tests.factories import add_clients_with_transactions
from tests.web.html import cells

CAP = 3
HINT = "Lists page through their first 3 rows only"


@pytest.fixture
def small_cap(app, monkeypatch):
    """Every list and API of clients counts and pages through 3 rows at most."""
    from app.views.clients import ClientView

    monkeypatch.setattr(ClientView.datamodel, "count_cap", CAP)
    for api in app.appbuilder.baseviews:
        if getattr(api, "resource_name", None) == "client":
            monkeypatch.setattr(api.datamodel, "count_cap", CAP)


def statements_of(app, browser, url: str) -> list[str]:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert browser.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


# --- deep pages -------------------------------------------------------------------------------


def test_a_page_past_the_cap_shows_the_last_page_within_it_with_a_hint(app, admin_client, world, small_cap):
    add_clients_with_transactions(app, 5)
    url = "/clientview/list/?psize_ClientView=1&_oc_ClientView=company_name&_od_ClientView=asc"
    third = cells(admin_client.get(url + "&page_ClientView=2").get_data(as_text=True))
    assert "Bulk Client 001" in third  # after "Assigned Client Ltd" and "Bulk Client 000"
    response = admin_client.get(url + "&page_ClientView=500")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert HINT in html and "export it as CSV" in html
    assert cells(html) == third
    # The paginator links no page the server would refuse.
    assert "page_ClientView=3" not in html
    assert "page_ClientView=2" in html or 'class="active"' in html


def test_pages_within_the_cap_need_no_hint(app, admin_client, world, small_cap):
    add_clients_with_transactions(app, 5)
    html = admin_client.get("/clientview/list/?psize_ClientView=1&page_ClientView=1").get_data(as_text=True)
    assert HINT not in html


def test_the_api_refuses_a_page_past_the_cap_with_a_hint(app, admin_client, world, small_cap):
    add_clients_with_transactions(app, 5)
    last = admin_client.get("/api/v1/client/?q=(page:2,page_size:1)")
    assert last.status_code == 200
    assert len(last.get_json()["result"]) == 1
    deep = admin_client.get("/api/v1/client/?q=(page:3,page_size:1)")
    assert deep.status_code == 400
    assert deep.get_json()["message"].startswith(HINT)
    # Its first page and filtered lists are unaffected.
    first = admin_client.get("/api/v1/client/?q=(page:0,page_size:25)").get_json()
    assert len(first["result"]) == 7 and first["count"] == CAP + 1


def test_the_default_cap_lets_ordinary_lists_page_to_their_end(app, admin_client, world):
    add_clients_with_transactions(app, 30)
    page = admin_client.get("/clientview/list/?psize_ClientView=10&page_ClientView=3").get_data(as_text=True)
    assert "first 10,000 rows" not in page
    assert admin_client.get("/api/v1/client/?q=(page:3,page_size:10)").status_code == 200


# --- sorting by a relation --------------------------------------------------------------------


def test_a_sort_by_a_required_relation_joins_inner(app, admin_client, world):
    sql = " ".join(statements_of(app, admin_client, "/contractview/list/?_oc_ContractView=client"
                                 "&_od_ContractView=asc"))
    assert re.search(r"\bJOIN clients AS client ON", sql)
    assert not re.search(r"LEFT OUTER JOIN clients AS client ON", sql)


def test_a_sort_by_an_optional_relation_keeps_rows_without_one(app, admin_client, world):
    from app.extensions import db

    with app.app_context():
        db.session.add(
            FinancialTransaction(
                transaction_type=TransactionType.COST_OTHER,
                amount=Decimal("12.00"),
                currency="USD",
                transaction_date=dt.date(2026, 4, 1),
                description="Office coffee",
            )
        )
        db.session.commit()
        db.session.remove()
    url = "/transactionview/list/?_oc_TransactionView=client&_od_TransactionView=asc"
    html = cells(admin_client.get(url).get_data(as_text=True))
    assert "Office coffee" in html and "Mine" in html and "Not mine" in html
    sql = " ".join(statements_of(app, admin_client, url))
    assert re.search(r"LEFT OUTER JOIN clients AS client ON", sql)


def test_pages_past_the_first_keep_a_sort_by_a_relation(app, admin_client, world):
    from app.extensions import db
    from app.models.contracts import Contract

    add_clients_with_transactions(app, 3)
    with app.app_context():
        client = db.session.get(Client, uuid.UUID(world["other_client"]))
        db.session.add(
            Contract(client=client, contract_name="Other contract", start_date=dt.date(2026, 1, 1),
                     end_date=dt.date(2026, 6, 30))
        )
        db.session.commit()
        db.session.remove()

    def page(view: str, column: str, direction: str, number: int) -> str:
        url = (f"/{view.lower()}/list/?psize_{view}=1&page_{view}={number}"
               f"&_oc_{view}={column}&_od_{view}={direction}")
        response = admin_client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "A filter value does not fit" not in html
        return cells(html)

    assert "Other contract" in page("ContractView", "client", "desc", 0)
    assert "World Contract 2026" in page("ContractView", "client", "desc", 1)
    shown = [page("TransactionView", "client", "asc", n) for n in range(6)]
    assert ["Mine" in shown[0], "Bulk 0" in shown[1], "Bulk 2" in shown[3], "Not mine" in shown[4]] == [
        True, True, True, True
    ]
    assert "Office" not in shown[5] and "Bulk" not in shown[5] and "mine" not in shown[5]


def test_the_api_sorts_by_a_related_label(app, admin_client, world):
    data = admin_client.get(
        "/api/v1/contract/?q=(columns:!(contract_name,client.company_name),"
        "order_column:client.company_name,order_direction:desc)"
    )
    assert data.status_code == 200, data.get_json()
    names = [row["client"]["company_name"] for row in data.get_json()["result"]]
    assert names == sorted(names, reverse=True) and names


# --- the alert bell ---------------------------------------------------------------------------


def test_the_alert_bell_counts_once_per_page(app, admin_client, world):
    admin_client.get("/clientview/list/")  # warm-up: first-request caches
    counts = [
        s for s in statements_of(app, admin_client, "/clientview/list/")
        if "alert_recipients" in s and "count(" in s.lower()
    ]
    assert len(counts) == 1, counts


# --- rison arguments --------------------------------------------------------------------------


def test_rison_arguments_are_still_validated(app, admin_client, world):
    bad = admin_client.get("/api/v1/client/?q=(page_size:many)")
    assert bad.status_code == 400
    assert bad.get_json()["message"].startswith("Not a valid rison schema")
    assert admin_client.get("/api/v1/client/?q=(page:0,page_size:5)").status_code == 200


def test_a_schema_is_checked_once_then_its_validator_reused(monkeypatch):
    import jsonschema

    from app.web import rison_schema

    checked: list[object] = []
    real_check = jsonschema.Draft202012Validator.check_schema
    monkeypatch.setattr(
        jsonschema.Draft202012Validator,
        "check_schema",
        classmethod(lambda cls, schema, **kw: (checked.append(schema), real_check(schema, **kw))[1]),
    )
    schema = {"type": "object", "properties": {"page": {"type": "integer"}}}
    for _ in range(3):
        rison_schema.validate({"page": 1}, schema)
    with pytest.raises(jsonschema.ValidationError, match="'x' is not of type 'integer'"):
        rison_schema.validate({"page": "x"}, schema)
    assert checked == [schema]


# --- contains-search (a trigram index where the server has pg_trgm, a scan elsewhere) -----------


def test_contains_search_finds_a_term_inside_words_in_any_case(admin_client, world):
    html = cells(admin_client.get("/transactionview/list/?_flt_2_description=INE").get_data(as_text=True))
    assert "Not mine" in html and "Mine" in html
    html = cells(admin_client.get("/clientview/list/?_flt_2_company_name=signed cl").get_data(as_text=True))
    assert "Assigned Client Ltd" in html and "Unassigned Client plc" in html
    html = admin_client.get("/clientview/list/?_flt_2_company_name=zzz").get_data(as_text=True)
    assert "Assigned Client Ltd" not in html
