"""GET /health."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.smoke


def test_health_reports_ok_when_the_database_is_migrated(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_is_503_with_the_reason_when_the_database_is_down():
    from app import create_app

    down = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg2://postgres@127.0.0.1:1/nowhere"})
    response = down.test_client().get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert "cannot connect to database 'nowhere'" in body["database"]


def test_a_page_that_needs_the_database_answers_503_not_500_when_it_is_down():
    """A request that must read the database: a signed-in person's page (loads the person)."""
    from app import create_app

    down = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg2://postgres@127.0.0.1:1/nowhere"})
    browser = down.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = "1"  # signed in: the page loads the person from the database
    assert browser.get("/clientview/list/").status_code == 503
