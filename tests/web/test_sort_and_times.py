"""Lists sort text ignoring case; times show in the person's own time zone, without
microseconds; REST answers UTC with an offset; a time form saves what it shows (issue 17.7)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from prison import dumps

from app.models.metrics import TicketSummary
from app.models.users import MsspUser
from tests.conftest import ROLE_USERS
from tests.factories import fetch, make_asset, make_client
from tests.web.html import cells, form_values, text_of

OPENED = dt.datetime(2026, 1, 5, 9, 30, 12, 345678, tzinfo=dt.UTC)


def names_in(page: str, names: list[str]) -> list[str]:
    """`names` in the order they appear in `page`."""
    return sorted(names, key=page.index)


def add_rows(app, make, values: list[dict]) -> None:
    from app.extensions import db

    with app.app_context():
        for row in values:
            make(db.session, **row)
        db.session.commit()
        db.session.remove()


def test_client_list_and_rest_sort_names_ignoring_case(app, admin_client, api, world):
    tag = uuid.uuid4().hex[:6]
    names = [f"{tag} zeta", f"{tag} Alpha", f"{tag} beta", f"{tag} Gamma"]
    add_rows(app, make_client, [{"company_name": name} for name in names])
    # Alpha, beta, Gamma, zeta (in byte order: Alpha, Gamma, beta, zeta)
    expected = sorted(names, key=str.lower)
    page = admin_client.get(f"/clientview/list/?_flt_2_company_name={tag}").get_data(as_text=True)
    assert names_in(page, names) == expected
    page = admin_client.get(
        f"/clientview/list/?_flt_2_company_name={tag}&_oc_ClientView=company_name&_od_ClientView=desc"
    ).get_data(as_text=True)
    assert names_in(page, names) == expected[::-1]
    query = dumps({
        "filters": [{"col": "company_name", "opr": "ct", "value": tag}],
        "order_column": "company_name", "order_direction": "asc",
    })
    listed = api("get", f"/api/v1/client/?q={query}").get_json()["result"]
    assert [row["company_name"] for row in listed] == expected
    csv = admin_client.get(f"/clientview/export/?_flt_2_company_name={tag}").get_data(as_text=True)
    assert names_in(csv, names) == expected


def tagged_asset(session, asset_tag: str):
    asset = make_asset(session)
    asset.asset_tag = asset_tag
    return asset


def test_asset_list_sorts_tags_ignoring_case(app, admin_client, world):
    tag = uuid.uuid4().hex[:6].upper()
    tags = [f"{tag}-b2", f"{tag}-A1", f"{tag}-a3"]
    add_rows(app, tagged_asset, [{"asset_tag": asset_tag} for asset_tag in tags])
    page = admin_client.get(f"/hardwareassetview/list/?_flt_2_asset_tag={tag}").get_data(as_text=True)
    assert names_in(page, tags) == [f"{tag}-A1", f"{tag}-a3", f"{tag}-b2"]


def set_time_zone(browser, zone: str):
    """Profile > Edit user: the time zone, as the person would."""
    form = browser.get("/userinfoeditview/form").get_data(as_text=True)
    values = form_values(form)
    values["time_zone"] = zone
    return browser.post("/userinfoeditview/form", data=values)


def store_ticket_time(app, world, when: dt.datetime = OPENED) -> None:
    from app.extensions import db

    with app.app_context():
        db.session.get(TicketSummary, uuid.UUID(world["ticket"])).opened_at = when
        db.session.commit()
        db.session.remove()


def time_zone_of(app, email: str) -> str:
    with app.app_context():
        key = app.appbuilder.sm.find_user(email=email).id
    return fetch(app, MsspUser, key, "time_zone")[0]


def test_times_show_in_the_persons_zone_to_the_minute(app, admin_client, world):
    store_ticket_time(app, world)
    assert "2026-01-05 09:30 UTC" in cells(admin_client.get("/ticketview/list/").get_data(as_text=True))
    assert time_zone_of(app, ROLE_USERS["Admin"]) == "UTC"
    saved = set_time_zone(admin_client, "Europe/Berlin")
    assert saved.status_code == 302
    assert time_zone_of(app, ROLE_USERS["Admin"]) == "Europe/Berlin"
    listed = cells(admin_client.get("/ticketview/list/").get_data(as_text=True))
    assert "2026-01-05 10:30 CET" in listed and "09:30" not in listed
    shown = text_of(admin_client.get(f"/ticketview/show/{world['ticket']}").get_data(as_text=True))
    assert "2026-01-05 10:30 CET" in shown and "345678" not in shown
    # A summer time shows the summer abbreviation.
    store_ticket_time(app, world, dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC))
    assert "2026-07-01 14:00 CEST" in cells(admin_client.get("/ticketview/list/").get_data(as_text=True))


def test_a_time_form_saves_what_it_shows_in_the_persons_zone(app, admin_client, world):
    store_ticket_time(app, world)
    set_time_zone(admin_client, "America/New_York")
    page = admin_client.get(f"/ticketview/edit/{world['ticket']}").get_data(as_text=True)
    values = form_values(page)
    assert values["opened_at"] == "2026-01-05 04:30:12"  # New York is UTC-5 in January
    assert "America/New_York" in page
    assert admin_client.post(f"/ticketview/edit/{world['ticket']}", data=values).status_code == 302
    (opened,) = fetch(app, TicketSummary, world["ticket"], "opened_at")
    assert opened == OPENED.replace(microsecond=0)  # the same time, to the second
    values = form_values(admin_client.get(f"/ticketview/edit/{world['ticket']}").get_data(as_text=True))
    values["opened_at"] = "2026-07-01 08:00"
    assert admin_client.post(f"/ticketview/edit/{world['ticket']}", data=values).status_code == 302
    (opened,) = fetch(app, TicketSummary, world["ticket"], "opened_at")
    assert opened == dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)  # EDT is UTC-4


def test_a_time_form_refuses_what_is_not_a_time_and_keeps_it(app, admin_client, world):
    values = form_values(admin_client.get(f"/ticketview/edit/{world['ticket']}").get_data(as_text=True))
    values["opened_at"] = "05/01/2026 9:30"
    refused = admin_client.post(f"/ticketview/edit/{world['ticket']}", data=values)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Not a valid datetime: use YYYY-MM-DD HH:MM" in page
    assert 'value="05/01/2026 9:30"' in page
    (opened,) = fetch(app, TicketSummary, world["ticket"], "opened_at")
    assert opened == dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)


def test_the_profile_refuses_an_unknown_time_zone(app, admin_client, world):
    refused = set_time_zone(admin_client, "Mars/Olympus_Mons")
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    assert "UTC" in cells(admin_client.get("/ticketview/list/").get_data(as_text=True))


def test_rest_times_are_utc_with_an_offset_and_whole_seconds(app, api, admin_client, world):
    store_ticket_time(app, world)
    set_time_zone(admin_client, "Asia/Kolkata")  # the person's zone changes screens, not the API
    shown = api("get", f"/api/v1/ticket_summary/{world['ticket']}").get_json()["result"]
    assert shown["opened_at"] == "2026-01-05T09:30:12+00:00"
    listed = api("get", "/api/v1/ticket_summary/").get_json()["result"]
    times = [row["opened_at"] for row in listed]
    assert "2026-01-05T09:30:12+00:00" in times
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", t) for t in times if t)
    # Any ISO 8601 time with an offset is read: 11:00+01:00 is 10:00 UTC.
    record = api("get", f"/api/v1/ticket_summary/{world['ticket']}").get_json()["result"]
    body = {"version": record["version"]} if "version" in record else {}
    url = f"/api/v1/ticket_summary/{world['ticket']}"
    saved = api("put", url, {**body, "opened_at": "2026-01-05T11:00:00+01:00"})
    assert saved.status_code == 200, saved.get_json()
    assert api("get", f"/api/v1/ticket_summary/{world['ticket']}").get_json()["result"]["opened_at"] == (
        "2026-01-05T10:00:00+00:00"
    )
