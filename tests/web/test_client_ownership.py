"""Issue 19.5/19.6: a client is owned, and a record page offers what one can do to it.

An account manager who creates a client (screen or REST) becomes its account manager; an
unowned client can be claimed by an account manager, never one that has an owner; a
manager reassigns; the others are refused. Every record page has Edit (and Delete) on top
for the roles that may use them.
"""

from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

from sqlalchemy import select

from app.models.clients import Client
from app.models.team import AssignmentRole, ClientTeamAssignment
from app.models.users import MsspUser
from app.services.accounts.roles import ACCOUNT_MANAGER
from tests.conftest import ROLE_USERS, csrf_token
from tests.factories import make_client, make_user, owned_client


def holder_of(app, client_id) -> str | None:
    """The e-mail of the client's account manager, read from the database."""
    from app.extensions import db

    with app.app_context():
        email = db.session.scalars(
            select(MsspUser.email)
            .join(ClientTeamAssignment, ClientTeamAssignment.user_id == MsspUser.id)
            .where(
                ClientTeamAssignment.client_id == client_id,
                ClientTeamAssignment.assignment_role == AssignmentRole.ACCOUNT_MANAGER,
            )
        ).first()
        db.session.remove()
    return email


def client_id_named(app, name: str):
    from app.extensions import db

    with app.app_context():
        found = db.session.scalars(select(Client.id).where(Client.company_name == name)).one()
        db.session.remove()
    return found


def add_client_on_screen(browser, name: str):
    page = browser.get("/clientview/add").get_data(as_text=True)
    return browser.post(
        "/clientview/add",
        data={"csrf_token": csrf_token(page), "company_name": name, "status": "prospect", "currency": "EUR"},
    )


def post_with_token(browser, page_url: str, url: str, data: dict | None = None):
    token = csrf_token(browser.get(page_url).get_data(as_text=True))
    return browser.post(url, data={"csrf_token": token, **(data or {})})


def seed(app, build):
    """Run `build(session)` in an app context of its own and commit: the requests that
    follow must not share this context (Flask would reuse it, and its `g`, for them)."""
    from app.extensions import db

    with app.app_context():
        made = build(db.session)
        db.session.commit()
        ids = {name: (obj.id, getattr(obj, "email", None)) for name, obj in made.items()}
        db.session.remove()
    return ids


def account_bar(page: str) -> str:
    match = re.search(r'<div class="well well-sm mssp-account".*?</div>', page, re.S)
    assert match, "no account manager bar on the client page"
    return match.group(0)


def test_an_account_manager_who_creates_a_client_on_the_screen_owns_it(app, login_as):
    browser = login_as("Account Manager")
    name = f"Owned Here {uuid.uuid4().hex[:6]}"
    response = add_client_on_screen(browser, name)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    client_id = client_id_named(app, name)
    assert holder_of(app, client_id) == ROLE_USERS["Account Manager"]
    page = browser.get(f"/clientview/show/{client_id}").get_data(as_text=True)
    assert "Claim this client" not in account_bar(page)


def test_an_account_manager_who_creates_a_client_through_rest_owns_it(app, login_as):
    browser = login_as("Account Manager")
    token = csrf_token(browser.get("/clientview/add").get_data(as_text=True))
    name = f"Owned By Api {uuid.uuid4().hex[:6]}"
    response = browser.post(
        "/api/v1/client/", json={"company_name": name, "currency": "EUR"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201, response.get_json()
    assert holder_of(app, client_id_named(app, name)) == ROLE_USERS["Account Manager"]


def test_a_manager_or_admin_who_creates_a_client_does_not_become_its_account_manager(app, login_as):
    name = f"Nobody's Yet {uuid.uuid4().hex[:6]}"
    assert add_client_on_screen(login_as("Admin"), name).status_code == 302
    assert holder_of(app, client_id_named(app, name)) is None


def test_an_account_manager_claims_an_unowned_client_once(app, db_connection, login_as):
    def build(session):
        rival = make_user(session, ACCOUNT_MANAGER)
        return {"client": make_client(session), "rival": rival, "other": owned_client(session, owner=rival)}

    made = seed(app, build)
    client_id, (other_id, _) = made["client"][0], made["other"]
    rival_email = made["rival"][1]
    show = f"/clientview/show/{client_id}"
    browser = login_as("Account Manager")
    assert "Claim this client" in account_bar(browser.get(show).get_data(as_text=True))

    claimed = post_with_token(browser, show, f"/clientview/claim/{client_id}")
    assert claimed.status_code == 302
    assert holder_of(app, client_id) == ROLE_USERS["Account Manager"]
    page = browser.get(show).get_data(as_text=True)
    assert "You are now the account manager" in page
    assert "Claim this client" not in account_bar(page)

    # Someone else's client cannot be claimed: refused with the reason, nothing changes.
    other_show = f"/clientview/show/{other_id}"
    assert "Claim this client" not in account_bar(browser.get(other_show).get_data(as_text=True))
    refused = post_with_token(browser, other_show, f"/clientview/claim/{other_id}")
    assert refused.status_code == 302
    assert holder_of(app, other_id) == rival_email
    assert "is already the account manager" in browser.get(other_show).get_data(as_text=True)


def test_a_manager_reassigns_and_others_may_not(app, db_connection, login_as):
    def build(session):
        first = make_user(session, ACCOUNT_MANAGER)
        return {
            "first": first,
            "second": make_user(session, ACCOUNT_MANAGER),
            "engineer": make_user(session, "Engineer"),
            "client": owned_client(session, owner=first),
        }

    made = seed(app, build)
    first, second, engineer = (
        SimpleNamespace(id=i, email=e) for i, e in (made["first"], made["second"], made["engineer"])
    )
    client = SimpleNamespace(id=made["client"][0])
    show = f"/clientview/show/{client.id}"
    url = f"/clientview/reassign/{client.id}"

    manager = login_as("Manager")
    bar = account_bar(manager.get(show).get_data(as_text=True))
    assert "Reassign" in bar and f'value="{second.id}"' in bar
    assert f'value="{engineer.id}"' not in bar  # only account managers are offered
    assert post_with_token(manager, show, url, {"user_id": str(second.id)}).status_code == 302
    assert holder_of(app, client.id) == second.email

    # Not an account manager: refused with the reason, the holder stays.
    post_with_token(manager, show, url, {"user_id": str(engineer.id)})
    assert holder_of(app, client.id) == second.email
    assert "is not an account manager" in manager.get(show).get_data(as_text=True)

    account_manager = login_as("Account Manager")
    assert "Reassign" not in account_bar(account_manager.get(show).get_data(as_text=True))
    denied = post_with_token(account_manager, show, url, {"user_id": str(first.id)})
    assert denied.status_code in (302, 403) and holder_of(app, client.id) == second.email
    engineer_browser = login_as("Engineer")
    assert post_with_token(engineer_browser, show, f"/clientview/claim/{client.id}").status_code in (302, 403)
    assert holder_of(app, client.id) == second.email


def test_record_pages_offer_edit_and_delete_on_top_to_those_who_may(app, db_connection, login_as):
    client = SimpleNamespace(id=seed(app, lambda session: {"client": make_client(session)})["client"][0])
    show = f"/clientview/show/{client.id}"

    def toolbar(role: str) -> str:
        page = login_as(role).get(show).get_data(as_text=True)
        match = re.search(r'<div class="well well-sm mssp-record-toolbar">.*?</div>', page, re.S)
        assert match, f"no record toolbar for {role}"
        return match.group(0)

    admin = toolbar("Admin")
    assert (
        f'href="/clientview/edit/{client.id}"' in admin
        and f'action="/clientview/delete/{client.id}"' in admin
    )
    assert "Archive" in admin  # the record's own action
    account_manager = toolbar("Account Manager")
    assert f"/clientview/edit/{client.id}" in account_manager
    engineer = toolbar("Engineer")
    assert "/clientview/edit/" not in engineer and "/clientview/delete/" not in engineer


def test_a_client_page_adds_a_contract_scope_or_proposal_for_that_client(app, db_connection, login_as):
    """Contract: the client is fixed; scope and proposal: the picker lists that client's
    contracts / scopes only (the client travels as ?client=<id>)."""
    from tests.factories import make_contract

    def build(session):
        mine, other = make_client(session), make_client(session)
        return {
            "client": mine,
            "contract": make_contract(session, client=mine),
            "other_contract": make_contract(session, client=other),
        }

    made = seed(app, build)
    client_id = made["client"][0]
    browser = login_as("Account Manager")
    bar = account_bar(browser.get(f"/clientview/show/{client_id}").get_data(as_text=True))
    links = dict(re.findall(r'href="([^"]+)"><i class="fa fa-plus"></i> (\w+)', bar))
    by_name = {name: href.replace("&amp;", "&") for href, name in links.items()}
    assert set(by_name) == {"Contract", "Scope", "Proposal"}
    assert by_name["Contract"] == f"/contractview/add?_flt_0_client={client_id}"

    scope_form = browser.get(by_name["Scope"]).get_data(as_text=True)
    assert f'id="client" class="mssp-url-context" value="{client_id}"' in scope_form
    assert re.search(r'name="contract"[^>]*data-context="[^"]*\bclient\b', scope_form)
    options = browser.get(f"/servicescopeview/related/contract/?q=&client={client_id}").get_json()
    assert [o["id"] for o in options["results"]] == [str(made["contract"][0])]
    everyone = browser.get("/servicescopeview/related/contract/?q=").get_json()
    assert str(made["other_contract"][0]) in [o["id"] for o in everyone["results"]]
    bad = browser.get("/servicescopeview/related/contract/?q=&client=nope")
    assert bad.status_code == 400 and bad.get_json()["field"] == "client"
    # The proposal's scope picker is narrowed the same way.
    assert re.search(
        r'name="service_scope"[^>]*data-context="[^"]*\bclient\b',
        browser.get(by_name["Proposal"]).get_data(as_text=True),
    )
