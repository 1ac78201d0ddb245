"""The hardware assignment screens carry the expected return date the overdue alerts read."""

from __future__ import annotations

import datetime as dt

import pytest

from app.models.hardware import AssetType, ClientHardwareAssignment, HardwareAsset
from tests.conftest import csrf_token
from tests.factories import count, fetch
from tests.web.html import field_error, form_values


@pytest.fixture
def world(app, world) -> dict[str, str]:
    from app.extensions import db

    ids = dict(world)
    with app.app_context():
        spare = HardwareAsset(
            asset_tag="SPARE-7", serial_number="SPARE-SN-7", device_name="Spare switch",
            asset_type=AssetType.SWITCH,
        )
        db.session.add(spare)
        db.session.commit()
        ids["spare"] = str(spare.id)
        db.session.remove()
    return ids


def assign(browser, world, **values):
    page = browser.get("/hardwareassignmentview/add").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(page),
        "hardware_asset": world["spare"],
        "client": world["client"],
        "status": "active",
        "assignment_date": "2026-03-02",
        **values,
    }
    return browser.post("/hardwareassignmentview/add", data=data)


def test_an_engineer_sets_the_expected_return_date_and_sees_it_on_the_page_and_in_the_list(
    app, world, engineer_client
):
    form = engineer_client.get("/hardwareassignmentview/add").get_data(as_text=True)
    assert 'name="expected_return_date"' in form and "Due back" in form

    response = assign(engineer_client, world, expected_return_date="2026-04-15")
    assert response.status_code == 302, response.get_data(as_text=True)
    assignment_id = response.headers["Location"].rsplit("/show/", 1)[1]
    due = fetch(app, ClientHardwareAssignment, assignment_id, "expected_return_date")
    assert due == (dt.date(2026, 4, 15),)

    page = engineer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Due back" in page and "2026-04-15" in page
    listing = engineer_client.get("/hardwareassignmentview/list/").get_data(as_text=True)
    assert "Due back" in listing and "2026-04-15" in listing


def test_the_expected_return_date_is_edited_like_the_other_fields(app, world, engineer_client):
    url = f"/hardwareassignmentview/edit/{world['assignment']}"
    data = form_values(engineer_client.get(url).get_data(as_text=True))
    assert data["expected_return_date"] == ""
    data["expected_return_date"] = "2030-01-31"
    assert engineer_client.post(url, data=data).status_code == 302
    assert fetch(app, ClientHardwareAssignment, world["assignment"], "expected_return_date") == (
        dt.date(2030, 1, 31),
    )


def test_an_expected_return_before_the_assignment_is_refused_on_its_field(app, world, engineer_client):
    response = assign(engineer_client, world, expected_return_date="2026-03-01")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    message = "The expected return date is before the assignment date."
    assert field_error(html, "expected_return_date") == message
    spare = ClientHardwareAssignment.hardware_asset_id == world["spare"]
    assert count(app, ClientHardwareAssignment, spare) == 0


def test_the_api_lists_the_expected_return_date(world, engineer_client):
    response = engineer_client.get("/api/v1/hardware_assignment/")
    assert response.status_code == 200
    [row] = [r for r in response.get_json()["result"] if r["id"] == world["assignment"]]
    assert "expected_return_date" in row

