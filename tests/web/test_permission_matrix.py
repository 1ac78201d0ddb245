"""Every role x every screen and API resource x list/show/add/edit/delete -> allowed or 403
(anonymous: the login page for screens, 401 for the API), and the menus each role sees.

The expectations are the role table of issue 4, written out here independently of
app.services.accounts.roles, so that a wrong declaration there fails this test.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROLE_USERS, csrf_token
from tests.web.auth_helpers import api_token, bearer
from tests.web.entities import ENTITIES

ADMIN, MANAGER, ACCOUNT_MANAGER, ENGINEER = "Admin", "Manager", "Account Manager", "Engineer"
ROLES = (ADMIN, MANAGER, ACCOUNT_MANAGER, ENGINEER)
OPS = ("list", "show", "add", "edit", "delete")
ALL, READ, NONE = frozenset(OPS), frozenset({"list", "show"}), frozenset()
READ_WRITE = frozenset({"list", "show", "add", "edit"})

#: Issue 4's role table, group by group.
TABLE: dict[str, dict[str, frozenset[str]]] = {
    "clients": {ADMIN: ALL, MANAGER: READ, ACCOUNT_MANAGER: READ_WRITE, ENGINEER: READ},
    "catalog": {ADMIN: ALL, MANAGER: READ, ACCOUNT_MANAGER: READ, ENGINEER: READ},
    "assets": {ADMIN: ALL, MANAGER: READ, ACCOUNT_MANAGER: READ, ENGINEER: READ_WRITE},
    "finance": {ADMIN: ALL, MANAGER: READ, ACCOUNT_MANAGER: READ, ENGINEER: NONE},
    "team": {ADMIN: ALL, MANAGER: READ | {"edit"}, ACCOUNT_MANAGER: READ, ENGINEER: READ},
    "operations": {ADMIN: ALL, MANAGER: READ, ACCOUNT_MANAGER: READ, ENGINEER: READ},
    "admin": {ADMIN: ALL, MANAGER: NONE, ACCOUNT_MANAGER: NONE, ENGINEER: NONE},
}

#: screen route base -> (group, key of its record in the world), from the entity table
SCREENS = {entity.screen: (entity.group, entity.key) for entity in ENTITIES}
#: API resource -> (group, key of its record in the world)
RESOURCES = {entity.resource: (entity.group, entity.key) for entity in ENTITIES if entity.resource}


def expected(group: str, role: str, op: str) -> bool:
    return op in TABLE[group][role]


def screen_request(browser, base: str, op: str, key: str, token: str | None):
    if op == "list":
        return browser.get(f"/{base}/list/")
    if op == "show":
        return browser.get(f"/{base}/show/{key}")
    if op == "add":
        return browser.get(f"/{base}/add")
    if op == "edit":
        return browser.get(f"/{base}/edit/{key}")
    return browser.post(f"/{base}/delete/{key}", data={"csrf_token": token or ""})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("base", list(SCREENS))
def test_screen_permissions(login_as, world, role, base):
    group, record = SCREENS[base]
    browser = login_as(role)
    token = _token(browser)
    for op in OPS:
        response = screen_request(browser, base, op, world[record], token)
        if expected(group, role, op):
            wanted = 302 if op == "delete" else 200
            assert response.status_code == wanted, (role, base, op, response.status_code)
        else:
            assert response.status_code == 403, (role, base, op, response.status_code)


def _token(browser) -> str:
    """A CSRF token of this browser's session (every role may open its own password form)."""
    return csrf_token(browser.get("/resetmypassword/form").get_data(as_text=True))


@pytest.mark.parametrize("base", list(SCREENS))
def test_anonymous_screens_redirect_to_login(client, world, base):
    _group, record = SCREENS[base]
    for op in OPS:
        response = screen_request(client, base, op, world[record], None)
        if op == "delete":
            # No session, no CSRF token: refused before anything else.
            assert response.status_code in (302, 400), (base, op, response.status_code)
            continue
        assert response.status_code == 302, (base, op, response.status_code)
        assert "/login" in response.headers["Location"], (base, op)


def api_request(browser, resource: str, op: str, key: str, headers: dict[str, str]):
    url = f"/api/v1/{resource}/"
    if op == "list":
        return browser.get(url, headers=headers)
    if op == "show":
        return browser.get(f"{url}{key}", headers=headers)
    if op == "add":
        return browser.post(url, json={}, headers=headers)
    if op == "edit":
        return browser.put(f"{url}{key}", json={}, headers=headers)
    return browser.delete(f"{url}{key}", headers=headers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", list(RESOURCES))
def test_api_permissions(app, world, role, resource):
    group, record = RESOURCES[resource]
    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS[role]))
    for op in OPS:
        response = api_request(browser, resource, op, world[record], headers)
        if expected(group, role, op):
            assert response.status_code not in (401, 403, 405, 500), (role, resource, op, response.get_json())
        else:
            assert response.status_code == 403, (role, resource, op, response.status_code)


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_anonymous_api_is_401(client, world, resource):
    _group, record = RESOURCES[resource]
    for op in OPS:
        response = api_request(client, resource, op, world[record], {})
        assert response.status_code == 401, (resource, op, response.status_code)


#: menu label -> the screen it opens (None: a category)
MENU_LINKS = {
    "Clients": "/clientview/list/",
    "Proposals": "/proposalview/list/",
    "Contracts": "/contractview/list/",
    "Service Scopes": "/servicescopeview/list/",
    "Service Catalog": "/serviceview/list/",
    "License Pools": "/licensepoolview/list/",
    "Client Licenses": "/clientlicenseview/list/",
    "Hardware": "/hardwareassetview/list/",
    "Hardware Assignments": "/hardwareassignmentview/list/",
    "Transactions": "/transactionview/list/",
    "Team Assignments": "/teamassignmentview/list/",
    "SLA Metrics": "/slametricview/list/",
    "Tickets": "/ticketview/list/",
    "Service Metrics": "/servicemetricview/list/",
    "Snapshots": "/snapshotview/list/",
    "Custom Fields": "/customfieldview/list/",
    "Users": "/users/list/",
    "Roles": "/role-permissions/",
}
EVERYONE = set(MENU_LINKS) - {"Transactions", "Custom Fields", "Users", "Roles"}
MENUS = {
    ADMIN: set(MENU_LINKS),
    MANAGER: EVERYONE | {"Transactions"},
    ACCOUNT_MANAGER: EVERYONE | {"Transactions"},
    ENGINEER: EVERYONE,
}
CATEGORIES = {
    ADMIN: {"Sales", "Contracts & Services", "Licenses & Assets", "Finance", "Team", "Operations", "Admin"},
    MANAGER: {"Sales", "Contracts & Services", "Licenses & Assets", "Finance", "Team", "Operations"},
    ACCOUNT_MANAGER: {"Sales", "Contracts & Services", "Licenses & Assets", "Finance", "Team", "Operations"},
    ENGINEER: {"Sales", "Contracts & Services", "Licenses & Assets", "Team", "Operations"},
}


def navbar(html: str) -> str:
    """The menu: the left sidebar (app/templates/appbuilder/sidebar.html)."""
    start = html.index('id="mssp-sidebar"')
    return html[start : html.index("</nav>", start)]


@pytest.mark.parametrize("role", ROLES)
def test_menus_show_only_what_the_role_can_open(login_as, role):
    browser = login_as(role)
    menu = navbar(browser.get("/").get_data(as_text=True))
    shown = {label for label, href in MENU_LINKS.items() if f'href="{href}"' in menu}
    assert shown == MENUS[role]
    known = CATEGORIES[ADMIN] | {"Integrations"}
    heading = r'class="mssp-side-heading"[^>]*>\s*<i[^>]*></i>\s*<span class="mssp-side-label">'
    categories = {c for c in known if re.search(rf"{heading}{re.escape(c)}</span>", menu)}
    categories.discard("Integrations" if role == ADMIN else "")
    assert categories == CATEGORIES[role]
    for label in shown:
        assert browser.get(MENU_LINKS[label]).status_code == 200, (role, label)
