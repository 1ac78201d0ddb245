"""Bad input is refused where it enters, with the field named, and never answers >= 500.

Issue 26 item 3 and issue 17 item 2: for every REST resource that writes, every column with
a limit (app.web.column_limits) gets its boundary value (accepted, or refused by another
rule, never a 500) and values beyond it: past the range, below a CHECK's lower bound, a
fraction where only whole numbers fit, more decimal places than the column keeps, NaN and
Infinity, text one character too long or holding a NUL, a timestamp with an offset no time
zone has. A PUT answers 422 naming the field and leaves the record as it was; a POST
answers 422 naming it too. The add forms refuse the same values on the field, keeping what
was typed. Then the entries of the issue that are not about one column: NUL in query
arguments, forms and JSON, JSON depth and size, malformed rison, page numbers, bodies that
are not JSON, admin-only payloads and a malformed JWT.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from app.web.column_limits import TEXT_MAX_LENGTH, limit_for
from app.web.input_guards import MAX_JSON_DEPTH
from app.web.rest import MsspModelRestApi
from tests.conftest import ROLE_USERS, csrf_token
from tests.web.auth_helpers import api_token, bearer

#: A record of the world for each resource the matrix edits.
WORLD_RECORD = {
    "client": "client",
    "contract": "contract",
    "service": "service",
    "service_scope": "scope",
    "proposal": "proposal",
    "license_pool": "pool",
    "client_license": "license",
    "hardware_asset": "asset",
    "hardware_assignment": "assignment",
    "financial_transaction": "transaction",
    "team_assignment": "team",
    "sla_metric": "sla",
    "ticket_summary": "ticket",
    "service_metric": "metric",
    "custom_field": "custom_field",
}


@pytest.fixture
def admin(app, db_connection):
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Admin"]))

    def call(method: str, url: str, **kwargs: Any):
        kwargs.setdefault("headers", {}).update(headers)
        return getattr(browser, method)(url, **kwargs)

    return call


def resources(app) -> dict[str, MsspModelRestApi]:
    return {
        api.resource_name: api
        for api in app.appbuilder.baseviews
        if isinstance(api, MsspModelRestApi) and "put" not in api.exclude_route_methods
    }


def limited_columns(api: MsspModelRestApi) -> list[tuple[str, Any]]:
    table = api.datamodel.obj.__table__
    return [
        (name, limit_for(table.columns[name]))
        for name in api.edit_columns
        if name in table.columns and limit_for(table.columns[name]) is not None
    ]


def beyond(limit) -> list[Any]:
    """Values the column cannot hold, as a JSON client would send them."""
    if limit.timestamp:
        return ["2026-05-01T10:00:00-21:56", "2026-05-01T10:00:00+15:30"]
    if limit.max_length:
        return ["x" * (limit.max_length + 1), "nul \x00 inside"]
    values: list[Any] = [float(limit.maximum * 10 + 1), str(limit.maximum + Decimal(1).scaleb(-limit.places)),
                         "NaN", "Infinity", 1e20]
    if limit.minimum is not None:
        values.append(str(limit.minimum - Decimal(1).scaleb(-limit.places)))
    if limit.minimum is not None and limit.minimum >= 0:
        values.append(-0.001)
    values.append(0.5 if limit.places == 0 else str(Decimal(1).scaleb(-(limit.places + 1))))
    return values


def boundary(limit) -> list[Any]:
    """Values the column can hold at its edges (other rules may still refuse them)."""
    if limit.timestamp:
        return ["2026-05-01T10:00:00+14:00", "2026-05-01T10:00:00-12:00"]
    if limit.max_length:
        return ["x" * min(limit.max_length, TEXT_MAX_LENGTH)]
    edges = [limit.maximum] + ([limit.minimum] if limit.minimum is not None else [])
    return [str(edge) for edge in edges]


@pytest.mark.parametrize("resource", sorted(WORLD_RECORD))
def test_every_limited_column_refuses_what_does_not_fit(app, world, admin, resource):
    api = resources(app)[resource]
    url = f"/api/v1/{resource}/{world[WORLD_RECORD[resource]]}"
    before = admin("get", url).get_json()["result"]
    columns = limited_columns(api)
    if not columns:
        pytest.skip(f"{resource} edits no column with a limit")
    for column, limit in columns:
        for value in beyond(limit):
            put = admin("put", url, json={column: value, "version": before.get("version")})
            assert put.status_code in (400, 422), (column, value, put.status_code, put.get_data(as_text=True))
            assert put.get_json()["field"] == column, (column, value, put.get_json())
            post = admin("post", f"/api/v1/{resource}/", json={column: value})
            assert post.status_code in (400, 422), (column, value, post.status_code)
            body = post.get_json()
            assert body.get("field") == column or column in (body.get("errors") or {}), (column, value, body)
        assert admin("get", url).get_json()["result"] == before, f"{resource}.{column} changed"
        for value in boundary(limit):
            put = admin("put", url, json={column: value, "version": before.get("version")})
            assert put.status_code < 500, (column, value, put.get_data(as_text=True))
            if put.status_code == 200:
                before = admin("get", url).get_json()["result"]


ADD_FORMS = {
    "/clientview/add": {
        "lead_score": ["3000000000", "101", "-1", "1.5"],
        "estimated_deal_value": ["12345678901234", "1e20", "NaN", "Infinity", "-0.001", "0.001"],
        "company_name": ["x" * 201],
    },
    "/contractview/add": {"value": ["1e20", "NaN", "-0.001", "12345678901234"]},
    "/licensepoolview/add": {"total_seats": ["1e12", "-1", "0.001", "2147483648"]},
}


@pytest.mark.parametrize("path", sorted(ADD_FORMS))
def test_add_forms_refuse_numbers_beyond_the_column_on_the_field(admin_client, world, path):
    page = admin_client.get(path).get_data(as_text=True)
    token = csrf_token(page)
    for field, values in ADD_FORMS[path].items():
        for value in values:
            response = admin_client.post(path, data={"csrf_token": token, field: value})
            assert response.status_code == 200, (field, value)
            html = response.get_data(as_text=True)
            assert f'value="{value}"' in html or f">{value}<" in html, f"{field}={value} not kept"
            refused = r"(Must be|Enter a|Use at most|At most|Not a valid)"
            assert re.search(rf'name="{field}".*?alert-danger">\s*{refused}', html, re.S), (field, value)


def test_every_text_field_shows_its_maximum_length(admin_client, world):
    html = admin_client.get("/clientview/add").get_data(as_text=True)
    company = next(tag for tag in re.findall(r"<input[^>]*>", html) if 'name="company_name"' in tag)
    assert 'maxlength="200"' in company
    assert re.search(r'<textarea[^>]*maxlength="10000"', html), "notes has no maxlength"
    assert "At most 200 characters." in html and "At most 10,000 characters." in html


# --- entries that are not about one column ------------------------------------------------


def test_nul_characters_are_refused_wherever_they_enter(app, world, admin, admin_client):
    url = f"/api/v1/client/{world['client']}"
    before = admin("get", url).get_json()["result"]
    nested = admin("put", url, json={"custom_field_data": {"note\x00": "x"}, "version": before["version"]})
    assert nested.status_code == 400
    for query in ("/api/v1/client/?q=(filters:!((col:company_name,opr:ct,value:'a\x00b')))",
                  "/clientview/list/?_flt_0_company_name=a%00b",
                  "/clientview/related/client/?q=%00",
                  "/dashboard/api/clients?q=a%00"):
        response = admin_client.get(query)
        assert response.status_code == 400, query
    token = csrf_token(admin_client.get("/clientview/add").get_data(as_text=True))
    form = admin_client.post("/clientview/add", data={"csrf_token": token, "company_name": "Nul\x00 Ltd",
                                                      "status": "active", "currency": "EUR"})
    assert form.status_code == 400 and "company_name" in form.get_data(as_text=True)
    assert admin("get", url).get_json()["result"] == before


def test_json_depth_size_and_shape_are_bounded(app, world, admin):
    url = f"/api/v1/client/{world['client']}"
    before = admin("get", url).get_json()["result"]
    for depth in (MAX_JSON_DEPTH + 1, 1000, 100_000):
        deep = "[" * depth + "]" * depth
        body = f'{{"custom_field_data": {{"x": {deep}}}, "version": {before["version"]}}}'
        response = admin("put", url, data=body, content_type="application/json")
        assert response.status_code == 400, depth
        assert "nested" in response.get_json()["message"] or "JSON" in response.get_json()["message"]
    huge = admin("put", url, json={"notes": "x" * (3 * 1024 * 1024), "version": before["version"]})
    assert huge.status_code == 413
    assert "MiB" in huge.get_json()["message"]
    for raw in ("{", '{"notes": "unterminated', "[1, 2", "\xff"):
        response = admin("put", url, data=raw, content_type="application/json")
        assert response.status_code == 400, raw
    assert admin("get", url).get_json()["result"] == before


@pytest.mark.parametrize("q", ["(((", "!", "(page:-6.5e)", "(page:'", "(filters:!((col:x", "1.1e+16e"])
def test_malformed_rison_is_a_400(admin, world, q):
    for path in ("/api/v1/client/", f"/api/v1/client/{world['client']}", "/api/v1/client/_info"):
        response = admin("get", path, query_string={"q": q})
        assert response.status_code == 400, (path, q, response.get_data(as_text=True))


def test_page_numbers_are_bounded(admin, admin_client, world):
    assert admin("get", "/api/v1/alerts/?page=21955866966063837085696").status_code == 400
    for resource in ("client", "security/resources", "security/roles", "security/users"):
        for q in ("(page:21955866966063837085696,page_size:25)", "(page:-5,page_size:10)",
                  "(page:0,page_size:-10)", "(page:0,page_size:100000000)"):
            response = admin("get", f"/api/v1/{resource}/?q={q}")
            assert response.status_code == 400, (resource, q, response.get_data(as_text=True))
    assert admin_client.get("/clientview/list/?page_ClientView=21955866966063837085696").status_code == 200


def test_bodies_that_are_not_json_are_400_not_500(admin):
    for method, path in (("put", "/api/v1/security/users/1"), ("post", "/api/v1/security/groups/"),
                         ("put", "/api/v1/security/roles/1/users"), ("post", "/api/v1/security/users/"),
                         ("post", "/api/v1/security/roles/1/permissions")):
        response = admin(method, path)
        assert response.status_code in (400, 404, 422), (method, path, response.get_data(as_text=True))
        response = admin(method, path, data="not json", content_type="text/plain")
        assert response.status_code in (400, 404, 415, 422), (method, path)


def test_admin_only_payload_errors_are_4xx(app, admin, world):
    for user_id in ({}, False, "1", 1.5, [1]):
        body = {"assignment_role": "engineer", "client_id": world["client"], "user_id": user_id}
        response = admin("post", "/api/v1/team_assignment/", json=body)
        assert response.status_code == 422, (user_id, response.get_data(as_text=True))
        assert response.get_json()["field"] == "user_id"
    empty = {"base_url": "", "name": "", "source_type": "jira"}
    empty_source = admin("post", "/api/v1/data_source/", json=empty)
    assert empty_source.status_code == 422
    assert admin("put", "/api/v1/security/users/0").status_code in (400, 404, 422)
    assert admin("post", "/api/v1/security/roles/", json={"name": ""}).status_code in (400, 422)
    assert admin("post", "/api/v1/security/permissions-resources/", json={}).status_code in (400, 422)


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x", ""])
def test_a_malformed_jwt_is_a_401(client, token):
    response = client.get("/api/v1/client/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.get_data(as_text=True)


def test_the_form_keeps_unicode_that_is_fine(admin, world):
    url = f"/api/v1/client/{world['client']}"
    before = admin("get", url).get_json()["result"]
    text = "Zürich — 東京 🚀"
    response = admin("put", url, json={"notes": text, "version": before["version"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert admin("get", url).get_json()["result"]["notes"] == text

