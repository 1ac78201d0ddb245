"""The app's face: its name and icon on every page, and friendly 404/500 pages (JSON under /api/)."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

SECRET_DETAIL = "the-detail-only-the-log-may-hold"


@pytest.fixture
def failing_app(db_connection) -> Flask:
    """The app with two routes that fail unexpectedly, answering as production does (no propagation)."""
    from app import create_app

    failing = create_app({"PROPAGATE_EXCEPTIONS": False})

    def broken():
        raise RuntimeError(f"unexpected failure: {SECRET_DETAIL}")

    failing.add_url_rule("/reports/broken", "broken_page", broken)
    failing.add_url_rule("/api/v1/broken/", "broken_api", broken)
    return failing


# --- name and icon -------------------------------------------------------------------------


def test_pages_carry_the_app_name_the_page_title_and_the_favicon(account_manager_client):
    html = account_manager_client.get("/clientview/list/").get_data(as_text=True)
    assert "<title>Clients · MSSP Client Management</title>" in html
    assert 'rel="icon" href="/static/img/favicon.svg"' in html
    assert 'class="navbar-brand"' in html and "MSSP Client Management" in html


def test_the_login_page_has_the_favicon_too(client):
    html = client.get("/login/").get_data(as_text=True)
    assert 'rel="icon" href="/static/img/favicon.svg"' in html
    assert "MSSP Client Management</title>" in html


def test_favicon_ico_answers_an_icon_that_browsers_may_cache(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.data[:4] == b"\x00\x00\x01\x00", "an ICO file"
    assert "no-store" not in response.headers.get("Cache-Control", "")
    svg = client.get("/static/img/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"


# --- 404 -----------------------------------------------------------------------------------


def test_an_unknown_address_gets_a_friendly_page_with_a_way_home(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert 'href="/"' in html and "Home" in html
    assert "MSSP Client Management" in html and 'rel="icon"' in html, "in the app's layout"
    assert response.headers["Content-Security-Policy"], "the security headers are there too"


def test_an_unknown_record_is_the_same_page_inside_the_signed_in_layout(admin_client):
    response = admin_client.get(f"/clientview/show/{uuid.uuid4()}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert "/clientview/list/" in html, "the person's menu is there"


def test_api_paths_keep_json_for_404(admin_client):
    unknown_route = admin_client.get("/api/v1/no_such_resource/")
    assert unknown_route.status_code == 404
    assert unknown_route.get_json() == {"message": "Not found"}
    unknown_record = admin_client.get(f"/api/v1/client/{uuid.uuid4()}")
    assert unknown_record.status_code == 404
    assert unknown_record.get_json() == {"message": "Not found"}


# --- 403 -----------------------------------------------------------------------------------


def test_a_refused_action_gets_the_not_allowed_page(app, world, manager_client):
    from tests.conftest import csrf_token

    contract = world["contract"]
    token = csrf_token(manager_client.get("/resetmypassword/form").get_data(as_text=True))
    response = manager_client.post(f"/contractview/action/terminate/{contract}", data={"csrf_token": token})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Not allowed" in html and 'href="/"' in html and "MSSP Client Management" in html


# --- 500 -----------------------------------------------------------------------------------


def test_an_unexpected_error_gets_a_friendly_page_without_the_traceback(failing_app):
    response = failing_app.test_client().get("/reports/broken")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html
    assert 'href="/"' in html and "MSSP Client Management" in html
    for leak in (SECRET_DETAIL, "Traceback", "RuntimeError", "File \""):
        assert leak not in html
    # The reference shown is the request id the log line and the response header carry.
    assert response.headers["X-Request-ID"] in html


def test_an_unexpected_api_error_is_json_without_the_traceback(failing_app):
    response = failing_app.test_client().get("/api/v1/broken/", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.get_json() == {"message": "Internal server error", "request_id": "req-42"}
    assert SECRET_DETAIL not in response.get_data(as_text=True)
