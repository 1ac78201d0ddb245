"""Custom field values in the REST API: every entity resource shows them in its list and show
responses (whatever columns it lists), and the user API reads and writes them too."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from app.models.custom_fields import CustomFieldEntity, CustomFieldType
from app.services.custom_fields.definitions import entity_models
from tests.conftest import ROLE_USERS, TEST_PASSWORD
from tests.web.auth_helpers import user_id
from tests.web.test_custom_fields_http import define
from tests.web.test_custom_fields_users import engineer_role_id, stored_user_values

E, T = CustomFieldEntity, CustomFieldType

#: resource -> (entity type, key of its record in the screen world)
RESOURCES = {
    "client": (E.CLIENT, "client"),
    "contract": (E.CONTRACT, "contract"),
    "service": (E.SERVICE, "service"),
    "service_scope": (E.SERVICE_SCOPE, "scope"),
    "proposal": (E.PROPOSAL, "proposal"),
    "license_pool": (E.LICENSE_POOL, "pool"),
    "client_license": (E.CLIENT_LICENSE, "license"),
    "hardware_asset": (E.HARDWARE_ASSET, "asset"),
    "hardware_assignment": (E.CLIENT_HARDWARE_ASSIGNMENT, "assignment"),
    "financial_transaction": (E.FINANCIAL_TRANSACTION, "transaction"),
}


def test_every_entity_with_custom_fields_has_a_resource_here():
    assert {entity for entity, _key in RESOURCES.values()} | {E.USER} == set(entity_models())


@pytest.fixture
def valued_world(app, world) -> dict[str, str]:
    """The screen world with a value of a "ref" field on one record of every entity."""
    from app.extensions import db

    define(
        app,
        *({"entity_type": entity, "name": "ref", "field_type": T.TEXT} for entity, _ in RESOURCES.values()),
    )
    with app.app_context():
        for resource, (entity, key) in RESOURCES.items():
            record = db.session.get(entity_models()[entity], world[key])
            record.custom_field_data = {"ref": f"{resource}-ref"}
        db.session.commit()
        db.session.remove()
    return world


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_list_and_show_responses_carry_the_custom_field_values(api, valued_world, resource):  # noqa: F811
    key = str(valued_world[RESOURCES[resource][1]])
    listed = api("get", f"/api/v1/{resource}/?q=(page_size:100)")
    assert listed.status_code == 200, listed.get_json()
    row = next(r for r in listed.get_json()["result"] if r["id"] == key)
    assert row["custom_field_data"] == {"ref": f"{resource}-ref"}
    shown = api("get", f"/api/v1/{resource}/{key}").get_json()["result"]
    assert shown["custom_field_data"] == {"ref": f"{resource}-ref"}


def test_the_openapi_document_stays_valid_and_lists_the_values(api):  # noqa: F811
    spec = api("get", "/api/v1/_openapi").get_json()
    validate(spec)
    schemas = spec["components"]["schemas"]
    assert "custom_field_data" in schemas["ClientApi.get_list"]["properties"]
    assert "custom_field_data" in schemas["MsspUserApi.get_list"]["properties"]
    assert "custom_field_data" in schemas["MsspUserApi.put"]["properties"]


# --- the user API ---------------------------------------------------------------------------------


def badge_field(app) -> None:
    define(
        app,
        {"entity_type": E.USER, "name": "badge", "field_type": T.TEXT, "validation_regex": r"B-\d+"},
        {"entity_type": E.USER, "name": "desk", "field_type": T.TEXT, "default_value": "HQ"},
    )


def new_user(app, email: str, **custom) -> dict:
    """A POST body of the user API: an Engineer with these custom field values."""
    return {
        "email": email,
        "first_name": "Api",
        "last_name": "Person",
        "password": TEST_PASSWORD,
        "roles": [int(engineer_role_id(app))],
        "custom_field_data": custom,
    }


def test_the_user_api_reads_and_writes_custom_field_values(app, api):  # noqa: F811
    badge_field(app)
    engineer = user_id(app)
    changed = api(
        "put", f"/api/v1/security/users/{engineer}", {"custom_field_data": {"badge": "B-1", "x": 1}}
    )
    assert changed.status_code == 200, changed.get_json()
    assert stored_user_values(app, ROLE_USERS["Engineer"]) == {"badge": "B-1", "desk": "HQ"}
    shown = api("get", f"/api/v1/security/users/{engineer}").get_json()["result"]
    assert shown["custom_field_data"] == {"badge": "B-1", "desk": "HQ"}
    listed = api("get", "/api/v1/security/users/?q=(page_size:100)").get_json()["result"]
    assert next(u for u in listed if u["id"] == engineer)["custom_field_data"]["badge"] == "B-1"

    created = api("post", "/api/v1/security/users/", new_user(app, "api.cf@test.example", badge="B-2"))
    assert created.status_code == 201, created.get_json()
    assert stored_user_values(app, "api.cf@test.example") == {"badge": "B-2", "desk": "HQ"}


def test_the_user_api_refuses_a_bad_value_with_its_field_and_changes_nothing(app, api):  # noqa: F811
    badge_field(app)
    engineer = user_id(app)
    refused = api(
        "put", f"/api/v1/security/users/{engineer}", {"first_name": "Z", "custom_field_data": {"badge": "9"}}
    )
    assert refused.status_code == 422
    assert refused.get_json()["field"] == "custom_field_data.badge"
    assert "must match" in refused.get_json()["message"]
    assert stored_user_values(app, ROLE_USERS["Engineer"]) == {}
    created = api("post", "/api/v1/security/users/", new_user(app, "api.bad@test.example", badge="nope"))
    assert created.status_code == 422 and created.get_json()["field"] == "custom_field_data.badge"
    assert stored_user_values(app, "api.bad@test.example") is None


def test_the_user_api_filters_on_a_filterable_field(app, api):  # noqa: F811
    shift = {"entity_type": E.USER, "name": "shift", "field_type": T.SELECT, "is_filterable": True}
    define(app, {**shift, "select_options": ["day", "night"]})
    from app.extensions import db

    with app.app_context():
        user = app.appbuilder.sm.find_user(email=ROLE_USERS["Engineer"])
        user.custom_field_data = {"shift": "night"}
        db.session.commit()
        db.session.remove()
    listed = api("get", "/api/v1/security/users/?cf_shift=night").get_json()["result"]
    assert [u["email"] for u in listed] == [ROLE_USERS["Engineer"]]
    assert api("get", "/api/v1/security/users/?cf_shift=evening").status_code == 400
