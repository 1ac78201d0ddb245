"""Custom fields on the Users screens and the user REST API, like on every other entity:
typed inputs, one message per field, defaults, unknown keys dropped, show page by label."""

from __future__ import annotations

from app.models.custom_fields import CustomFieldEntity, CustomFieldType
from tests.conftest import ROLE_USERS, TEST_PASSWORD
from tests.web.auth_helpers import user_id
from tests.web.test_custom_fields_http import define, stored_values
from tests.web.test_screens_bad_input import field_error, form_values

E, T = CustomFieldEntity, CustomFieldType


def user_fields(app) -> None:
    define(
        app,
        {
            "entity_type": E.USER,
            "name": "badge",
            "field_type": T.TEXT,
            "validation_regex": r"B-\d+",
            "help_text": "Printed on the card",
        },
        {"entity_type": E.USER, "name": "clearance", "field_type": T.SELECT, "select_options": ["l1", "l2"]},
        {"entity_type": E.USER, "name": "since", "label": "On call since", "field_type": T.DATE},
        {"entity_type": E.USER, "name": "desk", "field_type": T.TEXT, "default_value": "HQ"},
    )


def stored_user_values(app, email: str) -> dict | None:
    return stored_values(app, email, table="ab_user", key="email")


def engineer_role_id(app) -> str:
    with app.app_context():
        return str(app.appbuilder.sm.find_role("Engineer").id)


def add_user_form(app, browser, email: str, **custom) -> tuple[int, str]:
    data = form_values(browser.get("/users/add").get_data(as_text=True))
    data.update(
        first_name="Cf",
        last_name="Person",
        email=email,
        active="y",
        roles=engineer_role_id(app),
        password=TEST_PASSWORD,
        conf_password=TEST_PASSWORD,
        **custom,
    )
    response = browser.post("/users/add", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_the_user_form_offers_typed_inputs_with_help_text(app, admin_client):
    user_fields(app)
    for url in ("/users/add", f"/users/edit/{user_id(app)}"):
        html = admin_client.get(url).get_data(as_text=True)
        assert 'name="cf_badge"' in html and "Printed on the card" in html
        assert '<option value="l2">l2</option>' in html
        assert "appbuilder_date" in html[html.index('name="cf_since"') - 300 :]
        assert "Custom fields" in html


def test_adding_a_user_stores_valid_values_with_defaults_and_no_unknown_key(app, admin_client):
    user_fields(app)
    status, html = add_user_form(
        app, admin_client, "cf.person@test.example", cf_badge="B-7", cf_since="2026-03-01", cf_nope="x"
    )
    assert status == 302, field_error(html, "cf_badge") or html[:400]
    assert stored_user_values(app, "cf.person@test.example") == {
        "badge": "B-7",
        "since": "2026-03-01",
        "desk": "HQ",
    }


def test_bad_values_give_one_message_per_field_and_no_user(app, admin_client):
    user_fields(app)
    status, html = add_user_form(
        app, admin_client, "cf.bad@test.example", cf_badge="nope", cf_clearance="l9", cf_since="2026-02-30"
    )
    assert status == 200
    assert "must match" in field_error(html, "cf_badge")
    assert "Not a valid choice" in field_error(html, "cf_clearance")
    assert "Not a valid date" in field_error(html, "cf_since")
    assert stored_user_values(app, "cf.bad@test.example") is None


def test_editing_a_user_prefills_saves_and_refuses_bad_values(app, admin_client):
    user_fields(app)
    engineer = user_id(app)
    url = f"/users/edit/{engineer}"
    data = form_values(admin_client.get(url).get_data(as_text=True))
    data.update(cf_badge="B-12", roles=engineer_role_id(app))
    response = admin_client.post(url, data=data)
    assert response.status_code == 302, field_error(response.get_data(as_text=True), "cf_badge")
    assert stored_user_values(app, ROLE_USERS["Engineer"]) == {"badge": "B-12", "desk": "HQ"}
    data = form_values(admin_client.get(url).get_data(as_text=True))
    assert data["cf_badge"] == "B-12"
    data.update(cf_badge="12", roles=engineer_role_id(app))
    refused = admin_client.post(url, data=data)
    assert "must match" in field_error(refused.get_data(as_text=True), "cf_badge")
    assert stored_user_values(app, ROLE_USERS["Engineer"])["badge"] == "B-12"


def test_the_user_show_page_lists_the_fields_by_label(app, admin_client):
    user_fields(app)
    from app.extensions import db

    with app.app_context():
        user = app.appbuilder.sm.find_user(email=ROLE_USERS["Engineer"])
        user.custom_field_data = {"since": "2026-01-05", "clearance": "l2"}
        db.session.commit()
        db.session.remove()
    page = admin_client.get(f"/users/show/{user_id(app)}").get_data(as_text=True)
    assert "On call since" in page and "2026-01-05" in page
    assert "Clearance" in page and "l2" in page
    assert "Personal info" in page  # the screen's own sections stay
