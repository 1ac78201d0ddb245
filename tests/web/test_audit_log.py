"""The audit log screen and the `audit_event` REST resource: who may read them, their
filters and CSV export, and that nobody (Admin included) can change a record through them."""

from __future__ import annotations

import csv
import io
import uuid

import prison
import pytest

from app.models.audit import AuditSource
from tests.conftest import ROLE_USERS, csrf_token
from tests.web.auth_helpers import api_token, bearer, user_id

ROLES = ("Admin", "Manager", "Account Manager", "Engineer")
READERS = {"Admin", "Manager"}
#: FAB's filter indexes: text "equal to", datetime "greater than", enum/relation "equal to".
EQ, GT, ENUM_EQ, REL_EQ = 3, 1, 0, 0


@pytest.fixture
def events(app, db_connection) -> dict[str, str]:
    """Three events with a unique action each: by the Engineer (api), a job, a command."""
    from app.extensions import db
    from app.services.audit.recording import record_event

    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        engineer = app.appbuilder.sm.find_user(email=ROLE_USERS["Engineer"])
        by_user = record_event(
            f"probe_{tag}_user",
            user=engineer,
            entity_type="client",
            entity_id=uuid.uuid4(),
            changes={"notes": {"old": "a", "new": "b"}},
            source=AuditSource.API,
        )
        by_job = record_event(
            f"probe_{tag}_job",
            actor_email="job:probe",
            entity_type="contract",
            entity_id=uuid.uuid4(),
            source=AuditSource.JOB,
        )
        by_cli = record_event(
            f"probe_{tag}_cli",
            actor_email="cli:root",
            entity_type="contract",
            entity_id=uuid.uuid4(),
            source=AuditSource.CLI,
        )
        db.session.commit()
        ids = {"tag": tag, "user": str(by_user.id), "job": str(by_job.id), "cli": str(by_cli.id)}
        db.session.remove()
    return ids


def listed(browser, query: str) -> str:
    response = browser.get(f"/auditlogview/list/?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_the_audit_log_screen_is_for_admins_and_managers(login_as, events, role):
    browser = login_as(role)
    wanted = 200 if role in READERS else 403
    assert browser.get("/auditlogview/list/").status_code == wanted
    assert browser.get(f"/auditlogview/show/{events['user']}").status_code == wanted
    assert browser.get("/auditlogview/export/").status_code == wanted
    menu = browser.get("/").get_data(as_text=True)
    assert ('href="/auditlogview/list/"' in menu) is (role in READERS)


def test_the_list_filters_by_action_entity_source_user_and_date(app, admin_client, events):
    tag = events["tag"]
    page = listed(admin_client, f"_flt_{EQ}_action=probe_{tag}_job")
    assert f"probe_{tag}_job" in page and f"probe_{tag}_cli" not in page

    page = listed(admin_client, f"_flt_{EQ}_entity_type=contract&_flt_2_action={tag}")
    assert f"probe_{tag}_job" in page and f"probe_{tag}_cli" in page and f"probe_{tag}_user" not in page

    page = listed(admin_client, f"_flt_{ENUM_EQ}_source=cli&_flt_2_action={tag}")
    assert f"probe_{tag}_cli" in page and f"probe_{tag}_job" not in page

    page = listed(admin_client, f"_flt_{REL_EQ}_actor={user_id(app, 'Engineer')}&_flt_2_action={tag}")
    assert f"probe_{tag}_user" in page and f"probe_{tag}_job" not in page

    page = listed(admin_client, f"_flt_2_actor_email=job:&_flt_2_action={tag}")
    assert f"probe_{tag}_job" in page and f"probe_{tag}_user" not in page

    page = listed(admin_client, f"_flt_{GT}_occurred_at=2999-01-01 00:00:00&_flt_2_action={tag}")
    assert f"probe_{tag}" not in page
    page = listed(admin_client, f"_flt_{GT}_occurred_at=2000-01-01 00:00:00&_flt_2_action={tag}")
    assert page.count(f"probe_{tag}") >= 3


def test_the_csv_export_has_the_filtered_rows_with_their_changes(admin_client, events):
    tag = events["tag"]
    response = admin_client.get(f"/auditlogview/export/?_flt_2_action={tag}&_flt_{ENUM_EQ}_source=api")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["Action"] for row in rows] == [f"probe_{tag}_user"]
    assert rows[0]["Who"] == ROLE_USERS["Engineer"] and rows[0]["Source"] == "api"
    assert '"new": "b"' in rows[0]["Changes"]


def test_the_show_page_links_the_records_history(admin_client, events):
    page = admin_client.get(f"/auditlogview/show/{events['user']}").get_data(as_text=True)
    assert "/history/client/" in page
    assert "Notes" in page and "a → b" in page


def test_no_screen_route_can_change_an_audit_record(app, admin_client, events):
    rules = [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/auditlogview/")]
    assert all(not any(word in rule for word in ("/add", "/edit", "/delete", "/action")) for rule in rules), (
        rules
    )
    page = admin_client.get(f"/auditlogview/show/{events['user']}").get_data(as_text=True)
    token = csrf_token(admin_client.get("/resetmypassword/form").get_data(as_text=True))
    for url in (
        f"/auditlogview/delete/{events['user']}",
        f"/auditlogview/edit/{events['user']}",
        "/auditlogview/add",
        "/auditlogview/action/muldelete",
    ):
        assert admin_client.post(url, data={"csrf_token": token}).status_code == 404, url
    assert "/auditlogview/edit/" not in page and "/auditlogview/delete/" not in page


def test_no_role_holds_a_write_permission_on_audit_records(app, db_connection):
    from app.extensions import db

    with app.app_context():
        sm = app.appbuilder.sm
        permissions = {
            pv.permission.name
            for pv in db.session.query(sm.permissionview_model).all()
            if pv.view_menu.name == "AuditEvent"
        }
        db.session.remove()
    assert permissions == {"can_read"}


# --- REST --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_rest_resource_is_read_only_for_admins_and_managers(app, events, role):
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS[role]))
    listing = browser.get("/api/v1/audit_event/", headers=headers)
    one = browser.get(f"/api/v1/audit_event/{events['user']}", headers=headers)
    if role in READERS:
        assert listing.status_code == 200 and one.status_code == 200
        assert one.get_json()["result"]["action"] == f"probe_{events['tag']}_user"
    else:
        assert listing.status_code == 403 and one.status_code == 403
    for method in ("put", "delete"):
        response = getattr(browser, method)(f"/api/v1/audit_event/{events['user']}", json={}, headers=headers)
        assert response.status_code == 405, (role, method, response.status_code)
    assert browser.post("/api/v1/audit_event/", json={"action": "forged"}, headers=headers).status_code == 405


def test_the_rest_list_filters(app, events):
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Manager"]))
    query = {
        "filters": [
            {"col": "action", "opr": "ct", "value": events["tag"]},
            {"col": "entity_type", "opr": "eq", "value": "contract"},
        ],
        "order_column": "occurred_at",
        "order_direction": "asc",
    }
    response = browser.get(f"/api/v1/audit_event/?q={prison.dumps(query)}", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["count"] == 2
    assert [r["action"] for r in body["result"]] == [
        f"probe_{events['tag']}_job",
        f"probe_{events['tag']}_cli",
    ]
    assert {r["source"] for r in body["result"]} == {"job", "cli"}


def test_the_rest_resource_answers_404_for_an_unknown_or_malformed_id(app, db_connection):
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Admin"]))
    assert browser.get(f"/api/v1/audit_event/{uuid.uuid4()}", headers=headers).status_code == 404
    assert browser.get("/api/v1/audit_event/not-a-uuid", headers=headers).status_code == 404


def test_anonymous_gets_nothing(client, events):
    assert client.get("/api/v1/audit_event/").status_code == 401
    response = client.get("/auditlogview/list/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_user_filter_picker_finds_people_by_email(admin_client, events):
    response = admin_client.get("/auditlogview/related/actor/?q=engineer@")
    assert response.status_code == 200
    assert [r["text"] for r in response.get_json()["results"]] == ["Engineer Tester"]


def test_role_pages_have_a_history_tab(app, admin_client, db_connection):
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Manager").id
    page = admin_client.get(f"/roles/show/{role_id}").get_data(as_text=True)
    assert 'href="#History"' in page
