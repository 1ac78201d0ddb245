"""Custom fields through the screens and the REST API: inputs of their type, one message per
field, show pages, list columns, CSV, filters, the definitions screen and who reaches it."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from markupsafe import escape
from sqlalchemy import text

from app.models.clients import Client
from app.models.custom_fields import CustomFieldDefinition, CustomFieldEntity, CustomFieldType
from tests.conftest import ROLE_USERS, csrf_token
from tests.web.auth_helpers import api_token, bearer
from tests.web.html import field_error, form_values

E, T = CustomFieldEntity, CustomFieldType


def define(app, *definitions: dict) -> list[str]:
    from app.extensions import db

    with app.app_context():
        rows = [
            CustomFieldDefinition(
                entity_type=d.pop("entity_type", E.CLIENT),
                label=d.pop("label", None) or d["name"].replace("_", " ").title(),
                **d,
            )
            for d in definitions
        ]
        db.session.add_all(rows)
        db.session.commit()
        ids = [str(r.id) for r in rows]
        db.session.remove()
    return ids


def add_client(app, name: str, **values) -> str:
    from app.extensions import db

    with app.app_context():
        client = Client(company_name=name, custom_field_data=values)
        db.session.add(client)
        db.session.commit()
        key = str(client.id)
        db.session.remove()
    return key


def stored_values(app, name: str, *, table: str = "clients", key: str = "company_name") -> dict | None:
    """The stored custom field values of the record of `table` whose `key` is `name`."""
    from app.extensions import db

    with app.app_context():
        try:
            return db.session.execute(
                text(f"SELECT custom_field_data FROM {table} WHERE {key} = :n"), {"n": name}
            ).scalar_one_or_none()
        finally:
            db.session.remove()


#: type, settings, form input -> stored value, bad form input -> message part, bad API value
CASES = [
    (T.TEXT, {"validation_regex": r"[A-Z]{3}-\d+"}, "ABC-12", "ABC-12", "abc", "must match", "abc"),
    (T.LONG_TEXT, {"required": True}, "line 1\r\nline 2", "line 1\r\nline 2", "", "is required", 5),
    (T.INTEGER, {"min_value": Decimal(1)}, "7", 7, "7.5", "must be a whole number", 0),
    (T.DECIMAL, {}, "2.75", 2.75, "abc", "must be a number", "abc"),
    (T.BOOLEAN, {}, "y", True, None, None, "maybe"),
    (T.DATE, {}, "2026-02-28", "2026-02-28", "2026-02-30", "Not a valid date", "28/02/2026"),
    (T.DATETIME, {}, "2026-02-28 10:00:00", "2026-02-28T10:00:00+00:00", "soon", "Not a valid datetime", "x"),
    (T.URL, {}, "https://soc.example/rb", "https://soc.example/rb", "ftp://x", "http(s) URL", "soc"),
    (T.EMAIL, {}, "soc@client.example", "soc@client.example", "nope", "email address", "nope"),
    (
        T.SELECT,
        {"select_options": ["bronze", "gold"]},
        "gold",
        "gold",
        "platinum",
        "Not a valid choice",
        "lead",
    ),
    (
        T.MULTI_SELECT,
        {"select_options": ["edr", "siem"]},
        ["siem", "edr"],
        ["siem", "edr"],
        ["xdr"],
        "not a valid choice",
        ["edr", "edr"],
    ),
    (T.JSON, {}, '{"a": [1, 2]}', {"a": [1, 2]}, '{"a":', "Invalid JSON", None),
]
IDS = [case[0].value for case in CASES]


def post_client(browser, name: str, value) -> tuple[int, str]:
    page = browser.get("/clientview/add").get_data(as_text=True)
    data = form_values(page)
    data.update(company_name=name, status="prospect", currency="USD", custom_client_specific_json_data="{}")
    if value is not None:
        data["cf_value"] = value
    response = browser.post("/clientview/add", data=data)
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize(("kind", "settings", "good", "stored", "bad", "message", "bad_api"), CASES, ids=IDS)
def test_forms_store_valid_values_of_every_type(
    app, admin_client, kind, settings, good, stored, bad, message, bad_api
):
    define(app, {"name": "value", "field_type": kind, **settings})
    status, html = post_client(admin_client, "Form Good", good)
    assert status == 302, field_error(html, "cf_value") or html[:300]
    assert stored_values(app, "Form Good") == {"value": stored}


@pytest.mark.parametrize(("kind", "settings", "good", "stored", "bad", "message", "bad_api"), CASES, ids=IDS)
def test_forms_refuse_invalid_values_of_every_type(
    app, admin_client, kind, settings, good, stored, bad, message, bad_api
):
    if bad is None:
        pytest.skip("a checkbox cannot hold an invalid value")
    define(app, {"name": "value", "field_type": kind, **settings})
    status, html = post_client(admin_client, "Form Bad", bad)
    assert status == 200
    assert message.lower() in field_error(html, "cf_value").lower()
    assert stored_values(app, "Form Bad") is None


@pytest.mark.parametrize(("kind", "settings", "good", "stored", "bad", "message", "bad_api"), CASES, ids=IDS)
def test_the_api_validates_every_type_with_the_same_rules(
    app, api, kind, settings, good, stored, bad, message, bad_api
):
    define(app, {"name": "value", "field_type": kind, **settings})
    value = {"a": [1, 2]} if kind is T.JSON else good
    if kind is T.DATETIME:
        value = "2026-02-28T10:00:00Z"
    if kind is T.LONG_TEXT:
        value = "line 1\r\nline 2"
    response = api(
        "post", "/api/v1/client/", {"company_name": "API Good", "custom_field_data": {"value": value}}
    )
    assert response.status_code == 201, response.get_json()
    assert stored_values(app, "API Good") == {"value": stored}
    if bad_api is None:
        return
    response = api(
        "post", "/api/v1/client/", {"company_name": "API Bad", "custom_field_data": {"value": bad_api}}
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == "custom_field_data.value"
    assert stored_values(app, "API Bad") is None


def test_the_form_offers_typed_inputs_grouped_with_help_text(app, admin_client):
    define(
        app,
        {"name": "seats", "field_type": T.INTEGER, "group_name": "Contract", "help_text": "Seats bought"},
        {"name": "renewal", "field_type": T.DATE, "group_name": "Contract", "display_order": 1},
        {"name": "vip", "field_type": T.BOOLEAN},
        {"name": "tier", "field_type": T.SELECT, "select_options": ["bronze", "gold"]},
        {"name": "retired", "field_type": T.TEXT, "is_active": False},
    )
    html = admin_client.get("/clientview/add").get_data(as_text=True)
    assert 'name="cf_seats"' in html and 'type="number"' in html
    assert "Seats bought" in html
    assert html.index('name="cf_renewal"') < html.index('name="cf_seats"')  # ordered within the group
    assert 'type="checkbox"' in html[html.index('name="cf_vip"') - 200 :]
    assert '<option value="gold">gold</option>' in html
    assert 'data-date-input="iso"' in html
    assert ">Contract<" in html or "Contract</a>" in html
    assert 'name="cf_retired"' not in html
    # The client's free JSON stays its own editor.
    assert 'name="custom_client_specific_json_data"' in html


def test_edit_prefills_values_and_keeps_values_of_inactive_fields(app, admin_client):
    define(
        app,
        {"name": "tier", "field_type": T.SELECT, "select_options": ["bronze", "gold"]},
        {"name": "renewal", "field_type": T.DATE},
    )
    key = add_client(app, "Edit Me", tier="gold", renewal="2026-05-01")
    from app.extensions import db

    with app.app_context():
        db.session.execute(
            text("UPDATE custom_field_definitions SET is_active = false WHERE name = 'renewal'")
        )
        db.session.commit()
        db.session.remove()
    url = f"/clientview/edit/{key}"
    data = form_values(admin_client.get(url).get_data(as_text=True))
    assert data["cf_tier"] == "gold"
    data["cf_tier"] = "bronze"
    response = admin_client.post(url, data=data)
    assert response.status_code == 302, field_error(response.get_data(as_text=True), "cf_tier")
    assert stored_values(app, "Edit Me") == {"tier": "bronze", "renewal": "2026-05-01"}


def test_show_page_lists_fields_by_label_and_list_and_csv_show_list_columns(app, admin_client):
    define(
        app,
        {"name": "tier", "label": "Support tier", "field_type": T.TEXT, "show_in_list": True},
        {"name": "vip", "label": "VIP customer", "field_type": T.BOOLEAN},
    )
    key = add_client(app, "Shown Corp", tier="gold", vip=True)
    show = admin_client.get(f"/clientview/show/{key}").get_data(as_text=True)
    assert "Support tier" in show and "VIP customer" in show and "gold" in show
    listing = admin_client.get("/clientview/list/").get_data(as_text=True)
    assert "Support tier" in listing and "gold" in listing
    assert "VIP customer" not in listing
    csv_text = admin_client.get("/clientview/export/").get_data(as_text=True)
    header, *lines = csv_text.lstrip("\ufeff").splitlines()
    assert header.endswith("Support tier")
    assert any(line.startswith("Shown Corp") and line.endswith("gold") for line in lines)


def test_list_screen_and_csv_filter_on_a_filterable_field(app, admin_client):
    define(
        app,
        {"name": "tier", "field_type": T.SELECT, "select_options": ["bronze", "gold"], "is_filterable": True},
    )
    add_client(app, "Gold One", tier="gold")
    add_client(app, "Bronze One", tier="bronze")
    html = admin_client.get("/clientview/list/?cf_tier=gold").get_data(as_text=True)
    assert "Gold One" in html and "Bronze One" not in html
    csv_text = admin_client.get("/clientview/export/?cf_tier=bronze").get_data(as_text=True)
    assert "Bronze One" in csv_text and "Gold One" not in csv_text
    html = admin_client.get("/clientview/list/?cf_tier=platinum").get_data(as_text=True)
    assert "A filter value does not fit its column" in html


def test_api_filters_on_a_filterable_field(app, api):
    define(
        app,
        {"name": "seats", "field_type": T.INTEGER, "is_filterable": True},
        {
            "name": "stack",
            "field_type": T.MULTI_SELECT,
            "select_options": ["edr", "siem"],
            "is_filterable": True,
        },
    )
    add_client(app, "Small", seats=5, stack=["edr"])
    add_client(app, "Large", seats=500, stack=["edr", "siem"])
    add_client(app, "Unknown")

    def names(query: str) -> set[str]:
        response = api("get", f"/api/v1/client/?{query}")
        assert response.status_code == 200, response.get_json()
        return {row["company_name"] for row in response.get_json()["result"]}

    assert names("cf_seats__gte=100") == {"Large"}
    assert names("cf_stack__has=edr") == {"Small", "Large"}
    assert names("cf_seats__empty=true") == {"Unknown"}
    assert api("get", "/api/v1/client/?cf_seats=lots").status_code == 400
    one = api("get", f"/api/v1/client/{add_client(app, 'Read Me', seats=3)}").get_json()
    assert one["result"]["custom_field_data"] == {"seats": 3}


# --- the definitions screen ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Manager", "Account Manager", "Engineer"])
def test_only_admin_reaches_the_definitions(app, login_as, role):
    browser = login_as(role)
    response = browser.get("/customfieldview/list/")
    assert response.status_code in (302, 403)
    assert "Custom Fields" not in browser.get("/clientview/list/").get_data(as_text=True)
    headers = bearer(api_token(app.test_client(), ROLE_USERS[role]))
    assert app.test_client().get("/api/v1/custom_field/", headers=headers).status_code in (401, 403)


def test_admin_reaches_the_definitions(admin_client, api):
    assert admin_client.get("/customfieldview/list/").status_code == 200
    assert admin_client.get("/customfieldview/add").status_code == 200
    assert api("get", "/api/v1/custom_field/").status_code == 200


def test_deleting_a_field_confirms_with_the_count_then_removes_values(app, admin_client):
    (key,) = define(app, {"name": "tier", "label": "Tier", "field_type": T.TEXT})
    add_client(app, "A1", tier="x")
    add_client(app, "A2", tier="y")
    page = admin_client.get("/customfieldview/list/").get_data(as_text=True)
    response = admin_client.post(f"/customfieldview/delete/{key}", data={"csrf_token": csrf_token(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 records" in html and "Tier" in html
    assert stored_values(app, "A1") == {"tier": "x"}
    response = admin_client.post(
        f"/customfieldview/delete/{key}", data={"csrf_token": csrf_token(html), "confirmed": "2"}
    )
    assert response.status_code == 302
    assert stored_values(app, "A1") == {} and stored_values(app, "A2") == {}


def test_api_delete_needs_confirmation(app, api):
    (key,) = define(app, {"name": "tier", "field_type": T.TEXT})
    add_client(app, "B1", tier="x")
    response = api("delete", f"/api/v1/custom_field/{key}")
    assert response.status_code == 409 and response.get_json()["records_with_value"] == 1
    assert api("delete", f"/api/v1/custom_field/{key}?confirm=true").status_code == 200
    assert stored_values(app, "B1") == {}
    assert api("delete", f"/api/v1/custom_field/{uuid.uuid4()}").status_code == 404


def test_making_required_on_the_form_is_refused_on_its_field(app, admin_client):
    (key,) = define(app, {"name": "ref", "field_type": T.TEXT})
    add_client(app, "No Ref")
    url = f"/customfieldview/edit/{key}"
    data = form_values(admin_client.get(url).get_data(as_text=True))
    data["required"] = "y"
    response = admin_client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "have no value for this field" in field_error(html, "required")


def test_api_refuses_removing_an_option_in_use_and_renames(app, api):
    (key,) = define(app, {"name": "tier", "field_type": T.SELECT, "select_options": ["bronze", "gold"]})
    add_client(app, "Golden", tier="gold")
    response = api("put", f"/api/v1/custom_field/{key}", {"select_options": ["bronze"], "version": 1})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == "select_options"
    assert "1 record use it" in response.get_json()["message"]
    response = api("put", f"/api/v1/custom_field/{key}", {"name": "support_tier", "version": 1})
    assert response.status_code == 200, response.get_json()
    assert stored_values(app, "Golden") == {"support_tier": "gold"}


def test_api_refuses_a_definition_with_bad_settings(api):
    response = api(
        "post",
        "/api/v1/custom_field/",
        {"entity_type": "client", "name": "seats", "label": "Seats", "field_type": "text", "min_value": 1},
    )
    assert response.status_code == 422
    assert response.get_json()["field"] == "min_value"


def test_escape_in_values_is_kept(app, admin_client):
    define(app, {"name": "note", "field_type": T.TEXT, "show_in_list": True})
    key = add_client(app, "Escaped", note="<b>x</b>")
    html = admin_client.get(f"/clientview/show/{key}").get_data(as_text=True)
    assert str(escape("<b>x</b>")) in html and "<b>x</b>" not in html


def test_the_list_page_offers_a_filter_form_for_filterable_fields(app, admin_client):
    define(
        app,
        {
            "name": "tier",
            "label": "Tier",
            "field_type": T.SELECT,
            "select_options": ["bronze", "gold"],
            "is_filterable": True,
        },
        {"name": "seats", "label": "Seats", "field_type": T.INTEGER, "is_filterable": True},
        {"name": "secret", "label": "Not filterable", "field_type": T.TEXT},
    )
    html = admin_client.get("/clientview/list/?cf_seats__gte=3").get_data(as_text=True)
    assert "Custom field filters" in html
    assert 'name="cf_tier"' in html and 'name="cf_seats__gte"' in html and 'value="3"' in html
    assert 'name="cf_tier__empty"' in html
    assert 'name="cf_secret' not in html


def test_a_field_without_values_is_deleted_at_once(app, admin_client):
    (key,) = define(app, {"name": "unused", "field_type": T.TEXT})
    page = admin_client.get("/customfieldview/list/").get_data(as_text=True)
    response = admin_client.post(f"/customfieldview/delete/{key}", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert admin_client.get(f"/customfieldview/show/{key}").status_code == 404


def test_the_add_form_shows_defaults_so_a_checkbox_default_of_yes_is_kept(app, admin_client):
    define(
        app,
        {"name": "monitored", "field_type": T.BOOLEAN, "default_value": True},
        {
            "name": "tier",
            "field_type": T.SELECT,
            "select_options": ["bronze", "gold"],
            "default_value": "gold",
        },
    )
    page = admin_client.get("/clientview/add").get_data(as_text=True)
    assert '<option selected value="gold">' in page or '<option value="gold" selected' in page
    status, html = post_client(admin_client, "Defaulted", None)
    assert status == 302, html[:300]
    assert stored_values(app, "Defaulted") == {"monitored": True, "tier": "gold"}
