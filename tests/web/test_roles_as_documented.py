"""Issue 17.8: roles do what the README says.

An admin grants the Engineer role the Transactions screen by hand (the role API, as the
Roles screen does): the engineer then sees the entry *and* its Finance menu, which FAB hid
without a grant of its own on the category. `flask mssp init` keeps the hand-made grant
and says so (it used to print "already up to date"); `--reset-roles` takes it back, as the
README says.
"""

from __future__ import annotations

import re

from app.services.accounts.roles import ENGINEER
from tests.conftest import ROLE_USERS
from tests.web.auth_helpers import api_token, bearer

GRANTS = (("can_read", "FinancialTransaction"), ("menu_access", "Transactions"))


def engineer_permission_ids(app) -> tuple[int, list[int], list[int]]:
    from app.extensions import db

    with app.app_context():
        try:
            sm = app.appbuilder.sm
            role = sm.find_role(ENGINEER)
            held = [pv.id for pv in role.permissions]
            extra = [sm.find_permission_view_menu(p, r).id for p, r in GRANTS]
            return role.id, held, extra
        finally:
            db.session.remove()


def menu_names(page: str) -> list[str]:
    """The sidebar's menu labels, in order (categories and entries)."""
    start = page.index('id="mssp-sidebar"')
    sidebar = page[start : page.index("</nav>", start)]
    labels = re.findall(r'class="mssp-side-label">\s*([^<]+?)\s*<', sidebar)
    return [re.sub(r"\s+", " ", text.replace("&nbsp;", " ")).strip() for text in labels]


def grant_by_hand(app) -> None:
    role_id, held, extra = engineer_permission_ids(app)
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Admin"]))
    response = browser.post(
        f"/api/v1/security/roles/{role_id}/permissions",
        json={"permission_view_menu_ids": held + extra},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()


def test_a_menu_entry_granted_by_hand_shows_with_its_parent_menu(app, db_connection, login_as):
    before = menu_names(login_as("Engineer").get("/dashboards/").get_data(as_text=True))
    assert "Finance" not in before and "Transactions" not in before
    grant_by_hand(app)
    engineer = login_as("Engineer")
    after = menu_names(engineer.get("/dashboards/").get_data(as_text=True))
    assert "Finance" in after and "Transactions" in after, after
    assert engineer.get("/transactionview/list/").status_code == 200


def test_init_keeps_a_grant_made_by_hand_says_so_and_reset_roles_takes_it_back(app, db_connection):
    grant_by_hand(app)
    runner = app.test_cli_runner()
    kept = runner.invoke(args=["mssp", "init"])
    assert kept.exit_code == 0, kept.output
    assert "already up to date" not in kept.output
    assert (
        "role Engineer: kept 1 permission(s) granted by hand beyond app/services/accounts/roles.py: "
        "can_read on FinancialTransaction"
    ) in kept.output
    assert "`flask mssp init --reset-roles` takes them back" in kept.output
    _, held, extra = engineer_permission_ids(app)
    assert set(extra) <= set(held)

    reset = runner.invoke(args=["mssp", "init", "--reset-roles"])
    assert reset.exit_code == 0, reset.output
    assert "role Engineer: 0 permission(s) granted, 3 revoked" in reset.output
    _, held, extra = engineer_permission_ids(app)
    assert not set(extra) & set(held)
    again = runner.invoke(args=["mssp", "init"])
    assert "roles and permissions already up to date" in again.output
