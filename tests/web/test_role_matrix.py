"""Issue 19.1: roles edited as a permission matrix, through HTTP as an admin.

What `flask mssp init` grants (app/services/accounts/roles.py) is what the matrix shows,
cell for cell, and saving the matrix unchanged leaves every role exactly as it was. A
change made in the matrix is enforced at the next request (the permission cache is keyed
by a version token the database changes with every grant). Technical permissions are
never shown and every role gets them; a new role is made by copying one.
"""

from __future__ import annotations

import re

import pytest

from app.services.accounts.roles import ACCOUNT_MANAGER, ADMIN, ENGINEER, MANAGER, SELF_SERVICE, granted
from tests.conftest import ROLE_USERS, TEST_PASSWORD, csrf_token, login
from tests.factories import make_asset

BUILT_IN = (ADMIN, MANAGER, ACCOUNT_MANAGER, ENGINEER)


def role_id(app, name: str) -> int:
    with app.app_context():
        return app.appbuilder.sm.find_role(name).id


def held_pairs(app, name: str) -> set[tuple[str, str]]:
    from app.extensions import db

    with app.app_context():
        try:
            role = app.appbuilder.sm.find_role(name)
            return {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
        finally:
            db.session.remove()


def matrix_of(app):
    from app.extensions import db
    from app.services.accounts.role_matrix import build_matrix

    with app.test_request_context():
        try:
            return build_matrix(app.appbuilder)
        finally:
            db.session.remove()


def ticked(page: str) -> set[str]:
    boxes = re.findall(r'<input type="checkbox" name="cell" value="([^"]+)"([^>]*)>', page)
    return {value for value, rest in boxes if re.search(r"\bchecked\b", rest)}


def save(browser, rid: int, cells: set[str]):
    page = browser.get(f"/role-permissions/{rid}/").get_data(as_text=True)
    return browser.post(
        f"/role-permissions/{rid}/",
        data={"csrf_token": csrf_token(page), "cell": sorted(cells)},
    )


@pytest.mark.parametrize("role", BUILT_IN)
def test_the_matrix_shows_exactly_what_init_grants_and_saving_it_changes_nothing(app, admin_client, role):
    matrix = matrix_of(app)
    before = held_pairs(app, role)
    rid = role_id(app, role)
    page = admin_client.get(f"/role-permissions/{rid}/").get_data(as_text=True)
    shown = ticked(page)
    # The declared table, read cell by cell.
    declared = {cell for cell, pairs in matrix.cells().items() if all(granted(role, *pair) for pair in pairs)}
    assert shown == declared
    # Everything the role holds is either in a ticked cell, a menu entry or self-service.
    beyond = {
        pair for pair in before
        if pair[0] != "menu_access" and pair not in SELF_SERVICE and pair not in matrix.pairs_of(shown)
    }
    assert beyond == set()
    if role != ADMIN:
        response = save(admin_client, rid, shown)
        assert response.status_code == 302
        assert held_pairs(app, role) == before
        assert "nothing changed" in admin_client.get(response.headers["Location"]).get_data(as_text=True)


def test_technical_permissions_are_never_shown(admin_client, app):
    page = admin_client.get(f"/role-permissions/{role_id(app, ENGINEER)}/").get_data(as_text=True)
    page = page[page.index('data-testid="role-matrix"'):page.index("</table>")]
    technical = ("userinfo", "UserInfoEditView", "resetmypassword", "this_form", "menu_access", "Menu access")
    for word in technical:
        assert word not in page
    assert "Hardware" in page and 'aria-label="Delete Hardware"' in page


def test_a_change_in_the_matrix_is_enforced_at_the_next_request(app, db_connection, admin_client, login_as):
    from app.extensions import db

    with app.app_context():
        asset = make_asset(db.session)
        db.session.commit()
        asset_id = asset.id
    engineer = login_as(ENGINEER)
    show = "/hardwareassetview/list/"
    assert f"/hardwareassetview/delete/{asset_id}" not in engineer.get(show).get_data(as_text=True)
    rid = role_id(app, ENGINEER)
    cells = ticked(admin_client.get(f"/role-permissions/{rid}/").get_data(as_text=True))
    assert "HardwareAsset.delete" not in cells

    response = save(admin_client, rid, cells | {"HardwareAsset.delete"})
    assert response.status_code == 302
    assert "added Hardware: Delete" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/hardwareassetview/delete/{asset_id}" in engineer.get(show).get_data(as_text=True)

    # No read on Hardware: the screen is refused and its menu entry is gone at once.
    without_hardware = {cell for cell in cells if not cell.startswith("HardwareAsset.")}
    assert save(admin_client, rid, without_hardware).status_code == 302
    assert engineer.get(show).status_code == 403
    assert 'href="/hardwareassetview/list/"' not in engineer.get("/").get_data(as_text=True)
    assert ("menu_access", "Hardware") not in held_pairs(app, ENGINEER)
    assert ("menu_access", "Hardware Assignments") in held_pairs(app, ENGINEER)


def test_saving_records_what_changed_in_the_audit_log(app, db_connection, admin_client):
    from sqlalchemy import select

    from app.extensions import db
    from app.models.audit import AuditEvent

    rid = role_id(app, ENGINEER)
    cells = ticked(admin_client.get(f"/role-permissions/{rid}/").get_data(as_text=True))
    save(admin_client, rid, cells - {"HardwareAsset.edit"})
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "role_permissions_changed")
            .order_by(AuditEvent.occurred_at.desc())
        ).first()
        assert event is not None and event.entity_id == str(rid)
        assert event.actor_email == ROLE_USERS[ADMIN]
        assert event.changes["permissions"]["removed"] == ["can edit on HardwareAsset"]
        assert event.changes["permissions"]["added"] == []


def test_a_new_role_copied_from_engineer_holds_the_same_permissions(app, db_connection, admin_client):
    page = admin_client.get(f"/role-permissions/new?from={role_id(app, ENGINEER)}").get_data(as_text=True)
    assert 'value="Copy of Engineer"' in page
    cells = ticked(page)
    response = admin_client.post(
        "/role-permissions/new",
        data={"csrf_token": csrf_token(page), "name": "Field Engineer", "cell": sorted(cells)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert held_pairs(app, "Field Engineer") == held_pairs(app, ENGINEER)
    # A person given only that role can sign in, see their profile, and open Hardware.
    from app.extensions import db
    from app.services.accounts.users import create_user

    with app.app_context():
        create_user(app.appbuilder, "field@test.example", TEST_PASSWORD, "Field", "Tester", "Field Engineer")
        db.session.remove()
    browser = app.test_client()
    assert login(browser, "field@test.example").status_code == 302
    assert browser.get("/users/userinfo/").status_code == 200
    assert browser.get("/hardwareassetview/list/").status_code == 200
    assert browser.get("/transactionview/list/").status_code == 403


def test_a_new_role_needs_a_free_name_and_known_cells(app, db_connection, admin_client):
    page = admin_client.get("/role-permissions/new").get_data(as_text=True)
    token = csrf_token(page)
    taken = admin_client.post("/role-permissions/new", data={"csrf_token": token, "name": " engineer "})
    assert taken.status_code == 400 and "already exists" in taken.get_data(as_text=True)
    blank = admin_client.post("/role-permissions/new", data={"csrf_token": token, "name": ""})
    assert blank.status_code == 400 and "Name:" in blank.get_data(as_text=True)
    forged = admin_client.post(
        "/role-permissions/new", data={"csrf_token": token, "name": "Forged", "cell": "Nowhere.read"}
    )
    assert forged.status_code == 400 and "unknown cell" in forged.get_data(as_text=True)
    assert held_pairs(app, ENGINEER)  # untouched
    from app.extensions import db

    with app.app_context():
        assert app.appbuilder.sm.find_role("Forged") is None
        db.session.remove()


def test_admin_cannot_be_narrowed_and_only_admins_reach_the_screen(app, admin_client, manager_client):
    rid = role_id(app, ADMIN)
    before = held_pairs(app, ADMIN)
    assert "cannot be narrowed" in admin_client.get(f"/role-permissions/{rid}/").get_data(as_text=True)
    save(admin_client, rid, set())
    assert held_pairs(app, ADMIN) == before
    assert manager_client.get("/role-permissions/").status_code == 403
    assert manager_client.get(f"/role-permissions/{role_id(app, ENGINEER)}/").status_code == 403
    listing = admin_client.get("/role-permissions/").get_data(as_text=True)
    assert 'href="/roles/list/"' in listing  # FAB's raw screen, as "Advanced"
