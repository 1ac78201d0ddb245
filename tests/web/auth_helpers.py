"""Helpers for the login-security tests: the real API login, users, audit events."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import ROLE_USERS, TEST_PASSWORD, csrf_token

API_LOGIN = "/api/v1/security/login"
INVALID_LOGIN = "Invalid email or password."


def api_login(client: FlaskClient, email: str, password: str = TEST_PASSWORD, **extra):
    """POST /api/v1/security/login with JSON, as an API client would."""
    return client.post(API_LOGIN, json={"username": email, "password": password, "provider": "db", **extra})


def api_token(client: FlaskClient, email: str, password: str = TEST_PASSWORD) -> str:
    response = api_login(client, email, password)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_by_email(app: Flask, email: str):
    """A fresh copy of the user, read in its own app context."""
    from app.extensions import db

    with app.app_context():
        user = app.appbuilder.sm.find_user(email=email)
        if user is not None:
            db.session.expunge(user)
        return user


def user_id(app: Flask, role: str = "Engineer") -> int:
    return user_by_email(app, ROLE_USERS[role]).id


def update_user(app: Flask, email: str, **values) -> None:
    from app.extensions import db

    with app.app_context():
        user = app.appbuilder.sm.find_user(email=email)
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


def audit_events(app: Flask, action: str | None = None, **filters) -> list:
    from app.extensions import db
    from app.models.audit import AuditEvent

    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.occurred_at)
        if action:
            query = query.where(AuditEvent.action == action)
        for name, value in filters.items():
            query = query.where(getattr(AuditEvent, name) == value)
        events = list(db.session.execute(query).scalars())
        for event in events:
            db.session.expunge(event)
        return events


def page_token(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.headers.get("Location"))
    return csrf_token(response.get_data(as_text=True))


def fail_logins(client: FlaskClient, email: str, times: int) -> None:
    for _ in range(times):
        response = api_login(client, email, "certainly not the password")
        assert response.status_code in (401, 429)
