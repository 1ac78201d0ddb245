"""Saved list filters through the screens, as real roles: save the list as it is (filters,
quick search, sort) for yourself or for everyone, find it above the list, open it, delete
your own and only your own."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import func, select

from app.models.saved_filters import SavedFilter
from tests.conftest import csrf_token
from tests.web.html import text_of

LIST_ARGS = "_flt_0_status=active&q=acme&_oc_ClientView=company_name&_od_ClientView=desc&page_ClientView=2"


def save(browser, name: str, *, shared: bool = False, view: str = "ClientView", args: str = LIST_ARGS):
    page = browser.get(f"/{view.lower()}/list/?{args}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "view_name": view, "name": name, "query_string": args}
    if shared:
        data["shared"] = "y"
    return browser.post("/savedfilter/save/", data=data)


def bar(browser, view: str = "clientview") -> str:
    page = browser.get(f"/{view}/list/").get_data(as_text=True)
    start = page.find('class="mssp-saved-filters"')
    return page[start : page.index("</details>", start)] if start >= 0 else ""


def saved_count(app, **where) -> int:
    from app.extensions import db

    with app.app_context():
        query = select(func.count()).select_from(SavedFilter)
        for key, value in where.items():
            query = query.where(getattr(SavedFilter, key) == value)
        found = db.session.scalar(query)
        db.session.remove()
    return found


def test_a_saved_filter_keeps_the_filters_search_and_sort_but_not_the_page(app, login_as):
    manager = login_as("Account Manager")
    response = save(manager, "Active Acme, Z first")
    assert response.status_code == 302
    kept = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
    assert kept == {"_flt_0_status": "active", "q": "acme", "_oc_ClientView": "company_name",
                    "_od_ClientView": "desc"}
    shown = bar(manager)
    assert "Active Acme, Z first" in text_of(shown)
    link = re.search(r'href="([^"]+)"[^>]*>\s*Active Acme', shown).group(1).replace("&amp;", "&")
    assert dict(parse_qsl(urlsplit(link).query)) == kept
    opened = manager.get(link)
    assert opened.status_code == 200
    assert 'value="acme"' in opened.get_data(as_text=True)  # the quick search is back


def test_private_filters_stay_private_and_shared_ones_show_to_everyone(app, login_as):
    owner = login_as("Account Manager")
    assert save(owner, "Mine only").status_code == 302
    assert save(owner, "For the team", shared=True).status_code == 302
    other = login_as("Engineer")
    shown = text_of(bar(other))
    assert "For the team" in shown and "Mine only" not in shown
    # Someone else's shared filter has no delete button for them.
    assert "Delete saved filter For the team" not in bar(other)


def test_refused_names_answer_422_with_the_message_and_save_nothing(app, login_as):
    manager = login_as("Account Manager")
    assert save(manager, "Renewals").status_code == 302
    again = save(manager, "Renewals")
    assert again.status_code == 422
    assert "You already have a saved filter named “Renewals” on this list" in again.get_data(as_text=True)
    blank = save(manager, "   ")
    assert blank.status_code == 422 and "Give the filter a name." in blank.get_data(as_text=True)
    assert saved_count(app, name="Renewals") == 1
    assert saved_count(app, name="") == 0


def test_you_delete_your_own_filter_and_not_anyone_elses(app, login_as):
    owner = login_as("Account Manager")
    save(owner, "Shared by me", shared=True)
    other = login_as("Manager")
    from app.extensions import db

    with app.app_context():
        key = db.session.scalar(select(SavedFilter.id).where(SavedFilter.name == "Shared by me"))
        db.session.remove()
    page = other.get("/clientview/list/").get_data(as_text=True)
    assert other.post(f"/savedfilter/delete/{key}", data={"csrf_token": csrf_token(page)}).status_code == 404
    assert saved_count(app, name="Shared by me") == 1
    page = owner.get("/clientview/list/").get_data(as_text=True)
    response = owner.post(f"/savedfilter/delete/{key}", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/clientview/list/")
    assert saved_count(app, name="Shared by me") == 0
    assert "Shared by me" not in text_of(bar(owner))


def test_a_list_you_may_not_read_cannot_hold_your_filter(app, login_as):
    engineer = login_as("Engineer")
    page = engineer.get("/clientview/list/").get_data(as_text=True)
    response = engineer.post(
        "/savedfilter/save/",
        data={"csrf_token": csrf_token(page), "view_name": "TransactionView", "name": "Money"},
    )
    assert response.status_code == 404
    assert engineer.post(
        "/savedfilter/save/",
        data={"csrf_token": csrf_token(page), "view_name": "NoSuchView", "name": "X"},
    ).status_code == 404
    assert saved_count(app, name="Money") == 0


def test_signed_out_nobody_saves(client):
    response = client.post("/savedfilter/save/", data={"view_name": "ClientView", "name": "x"})
    assert response.status_code in (302, 400, 401, 403)
