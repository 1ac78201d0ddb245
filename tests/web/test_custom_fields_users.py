"""Custom fields on the Users screens and the user REST API, like on every other entity:
typed inputs, one message per field, defaults, unknown keys dropped, show page by label,
list columns, `cf_` list filters and the CSV export."""

from __future__ import annotations

import csv
import io

from app.models.custom_fields import CustomFieldEntity, CustomFieldType
from tests.conftest import ROLE_USERS, TEST_PASSWORD
from tests.web.auth_helpers import user_id
from tests.web.html import field_error, form_values, row_of
from tests.web.test_custom_fields_http import define, stored_values

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
        assert 'data-date-input="iso"' in html[html.index('name="cf_since"') - 300 :]
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


# --- the Users list: columns, filters, CSV --------------------------------------------------------


def list_fields(app) -> None:
    define(
        app,
        {
            "entity_type": E.USER,
            "name": "badge",
            "label": "Badge no",
            "field_type": T.TEXT,
            "show_in_list": True,
        },
        {
            "entity_type": E.USER,
            "name": "skills",
            "label": "Skills",
            "field_type": T.MULTI_SELECT,
            "select_options": ["edr", "siem", "soc"],
            "show_in_list": True,
            "is_filterable": True,
        },
        {
            "entity_type": E.USER,
            "name": "rate",
            "label": "Day rate",
            "field_type": T.DECIMAL,
            "show_in_list": True,
            "is_filterable": True,
        },
        {
            "entity_type": E.USER,
            "name": "tier",
            "label": "Tier",
            "field_type": T.SELECT,
            "select_options": ["gold", "bronze"],
            "is_filterable": True,
        },
        {"entity_type": E.USER, "name": "secret_note", "label": "Private note", "field_type": T.TEXT},
        {
            "entity_type": E.USER,
            "name": "retired",
            "label": "Old column",
            "field_type": T.TEXT,
            "show_in_list": True,
            "is_active": False,
        },
    )


def set_user_values(app, email: str, values: dict) -> None:
    from app.extensions import db

    with app.app_context():
        user = app.appbuilder.sm.find_user(email=email)
        user.custom_field_data = values
        db.session.commit()
        db.session.remove()


def list_world(app) -> None:
    list_fields(app)
    set_user_values(
        app,
        ROLE_USERS["Engineer"],
        {"badge": "B-7", "skills": ["edr", "soc"], "rate": 1250.5, "tier": "gold", "secret_note": "hush"},
    )
    set_user_values(app, ROLE_USERS["Manager"], {"badge": "B-9", "rate": 800, "tier": "bronze"})


def listed(html: str) -> set[str]:
    return {role for role, email in ROLE_USERS.items() if row_of(html, email)}


def test_the_users_list_shows_the_show_in_list_fields_by_label_and_formatted(app, admin_client):
    list_world(app)
    html = admin_client.get("/users/list/").get_data(as_text=True)
    header = html[html.index("<thead>") : html.index("</thead>")]
    assert "Badge no" in header and "Skills" in header and "Day rate" in header
    assert "Private note" not in header and "Tier" not in header  # not "show in list"
    assert "Old column" not in header  # inactive
    engineer = " ".join(row_of(html, ROLE_USERS["Engineer"]))
    assert "B-7" in engineer and "edr, soc" in engineer and "1,250.5" in engineer
    assert "hush" not in html
    assert "B-9" in " ".join(row_of(html, ROLE_USERS["Manager"]))


def test_the_users_list_filters_on_filterable_fields_like_other_lists(app, admin_client):
    list_world(app)

    def who(query: str) -> set[str]:
        response = admin_client.get(f"/users/list/?{query}")
        assert response.status_code == 200
        return listed(response.get_data(as_text=True))

    assert who("cf_tier=gold") == {"Engineer"}
    assert who("cf_skills__has=soc") == {"Engineer"}
    assert who("cf_rate__gte=1000") == {"Engineer"}
    assert who("cf_rate__lte=1000") == {"Manager"}
    assert who("cf_tier__empty=false") == {"Engineer", "Manager"}
    without_tier = who("cf_tier__empty=true")
    assert {"Admin", "Account Manager"} <= without_tier and not {"Engineer", "Manager"} & without_tier
    assert who("cf_secret_note=hush") == set(ROLE_USERS)  # not filterable: ignored
    html = admin_client.get("/users/list/?cf_rate__gte=3").get_data(as_text=True)
    assert "Custom field filters" in html
    assert 'name="cf_tier"' in html and 'name="cf_rate__gte"' in html and 'value="3"' in html
    assert 'name="cf_skills"' in html and 'name="cf_tier__empty"' in html
    assert 'name="cf_secret_note' not in html


def test_a_bad_filter_value_on_the_users_list_is_explained_not_a_server_error(app, admin_client):
    list_world(app)
    for query in ("cf_tier=platinum", "cf_rate__gte=lots", "cf_tier__ic=go", "cf_tier__empty=maybe"):
        response = admin_client.get(f"/users/list/?{query}")
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        assert "A filter value does not fit its column" in html, query
        assert listed(html) == set(ROLE_USERS), query  # shown without the custom field filters


def test_the_users_csv_holds_the_list_and_custom_columns_with_the_filters_and_no_secret(app, admin_client):
    list_world(app)
    page = admin_client.get("/users/list/?cf_tier=gold").get_data(as_text=True)
    assert "/users/export/?cf_tier=gold" in page
    response = admin_client.get("/users/export/?cf_tier=gold")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["Email"] == ROLE_USERS["Engineer"] and row["Role"] == "Engineer"
    assert (row["Badge no"], row["Skills"], row["Day rate"]) == ("B-7", "edr, soc", "1,250.5")
    assert "Private note" not in row and "Tier" not in row
    everything = admin_client.get("/users/export/").get_data(as_text=True)
    assert all(email in everything for email in ROLE_USERS.values())
    assert "Password" not in everything and "argon2" not in everything and "pbkdf2" not in everything
    assert "hush" not in everything


def test_a_bad_filter_on_the_users_csv_is_a_400_with_a_message(app, admin_client):
    list_world(app)
    response = admin_client.get("/users/export/?cf_rate__gte=lots")
    assert response.status_code == 400
    assert "A filter value does not fit its column" in response.get_json()["message"]


def test_only_who_may_list_users_exports_them(app, manager_client):
    list_world(app)
    assert manager_client.get("/users/export/").status_code == 403


def test_the_users_csv_keeps_the_lists_own_filters_and_order(app, admin_client):
    list_world(app)
    url = "/users/export/?_flt_2_email=manager&_oc_MsspUserView=email&_od_MsspUserView=desc"
    rows = list(csv.DictReader(io.StringIO(admin_client.get(url).get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["Email"] for r in rows] == [ROLE_USERS["Manager"], ROLE_USERS["Account Manager"]]
