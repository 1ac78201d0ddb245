"""Issue 19.5: the hardware list shows who holds each asset, with a one-click Return."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models.hardware import AssetStatus, ClientHardwareAssignment, HardwareAsset, HardwareAssignmentStatus
from app.services.hardware import assign_hardware
from tests.conftest import csrf_token
from tests.factories import make_asset, make_client


def seed_assets(app) -> dict:
    """One asset out with a client, one in stock (own app context: see test_client_ownership)."""
    from app.extensions import db

    with app.app_context():
        client = make_client(db.session, company_name="Holder Works Ltd")
        out = make_asset(db.session)
        idle = make_asset(db.session)
        db.session.commit()
        assign_hardware(out, client, session=db.session)
        ids = {"out": out.id, "out_tag": out.asset_tag, "idle_tag": idle.asset_tag, "client": client.id}
        db.session.remove()
    return ids


def row_of(page: str, tag: str) -> str:
    match = re.search(r"<tr[^>]*>(?:(?!</tr>).)*?" + re.escape(tag) + r".*?</tr>", page, re.S)
    assert match, f"no row for {tag}"
    return match.group(0)


def state(app, asset_id):
    from app.extensions import db

    with app.app_context():
        asset = db.session.get(HardwareAsset, asset_id)
        assignment = db.session.scalars(
            select(ClientHardwareAssignment).where(ClientHardwareAssignment.hardware_asset_id == asset_id)
        ).one()
        found = (asset.status, assignment.status, assignment.return_date is not None)
        db.session.remove()
    return found


def test_the_list_shows_the_holder_and_returns_in_one_click(app, db_connection, login_as):
    ids = seed_assets(app)
    engineer = login_as("Engineer")
    url = f"/hardwareassetview/list/?q={ids['out_tag']}"
    page = engineer.get("/hardwareassetview/list/").get_data(as_text=True)
    assert "Held by" in page
    out_row = row_of(page, ids["out_tag"])
    assert "Holder Works Ltd" in out_row and "Return" in out_row
    idle_row = row_of(page, ids["idle_tag"])
    assert "Holder Works Ltd" not in idle_row and "Return</button>" not in idle_row

    token = csrf_token(engineer.get(url).get_data(as_text=True))
    response = engineer.post(
        f"/hardwareassetview/return/{ids['out']}", data={"csrf_token": token, "next": url}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert state(app, ids["out"]) == (AssetStatus.IN_STOCK, HardwareAssignmentStatus.RETURNED, True)
    page = engineer.get(url).get_data(as_text=True)
    assert "returned by Holder Works Ltd" in page
    assert "Holder Works Ltd" not in row_of(page, ids["out_tag"])

    # Again: nothing to return, said plainly, nothing changes.
    engineer.post(f"/hardwareassetview/return/{ids['out']}", data={"csrf_token": token})
    assert "is not with a client" in engineer.get(url).get_data(as_text=True)


def test_readers_see_the_holder_without_return_and_cannot_post_it(app, db_connection, login_as):
    ids = seed_assets(app)
    manager = login_as("Manager")
    out_row = row_of(manager.get("/hardwareassetview/list/").get_data(as_text=True), ids["out_tag"])
    assert "Holder Works Ltd" in out_row and "Return</button>" not in out_row
    token = csrf_token(manager.get("/clientview/list/").get_data(as_text=True))
    refused = manager.post(f"/hardwareassetview/return/{ids['out']}", data={"csrf_token": token})
    assert refused.status_code in (302, 403)
    assert state(app, ids["out"])[2] is False


def test_the_csv_names_the_holder(app, db_connection, login_as):
    ids = seed_assets(app)
    text = login_as("Engineer").get(f"/hardwareassetview/export/?q={ids['out_tag']}").get_data(as_text=True)
    header, row = text.splitlines()[:2]
    assert "Held by" in header and "Holder Works Ltd" in row


def test_quick_search_works_on_lists_that_join_tables_with_the_same_columns(app, db_connection, login_as):
    """The search document names its table's columns: assignments join assets and clients,
    which also have `custom_field_data` (was: 500, "column reference is ambiguous")."""
    ids = seed_assets(app)
    engineer = login_as("Engineer")
    for url in (
        f"/hardwareassetview/list/?q={ids['out_tag']}",
        "/hardwareassignmentview/list/?q=holder",
    ):
        response = engineer.get(url)
        assert response.status_code == 200, url
        assert ids["out_tag"] in response.get_data(as_text=True)
