"""Roles and permissions are cached per process, yet a change counts from the next request.

The cache (app.security.permission_cache) is keyed by a version token that database
triggers replace on any change to roles, permissions or memberships, so the changes below
are made the ways other workers and tools make them: through FAB's security manager (the
role screens) and with plain SQL.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event, text

from tests.conftest import ROLE_USERS
from tests.web.auth_helpers import api_token, bearer


def set_grant(app: Flask, role_name: str, permission: str, resource: str, granted: bool) -> None:
    """Grant or revoke as the role screen does (FAB's security manager commits)."""
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role(role_name) or sm.add_role(role_name)
        permission_view = sm.find_permission_view_menu(permission, resource)
        if granted:
            sm.add_permission_role(role, permission_view)
        else:
            sm.del_permission_role(role, permission_view)


def test_a_revoked_permission_is_refused_at_the_next_request(app, manager_client):
    assert manager_client.get("/clientview/list/").status_code == 200  # cached now
    set_grant(app, "Manager", "can_read", "Client", granted=False)
    assert manager_client.get("/clientview/list/").status_code == 403
    set_grant(app, "Manager", "can_read", "Client", granted=True)
    assert manager_client.get("/clientview/list/").status_code == 200


def test_a_change_made_in_sql_elsewhere_counts_at_the_next_api_request(app, client):
    headers = bearer(api_token(client, ROLE_USERS["Manager"]))
    assert client.get("/api/v1/financial_transaction/", headers=headers).status_code == 200
    from app.extensions import db

    with app.app_context():
        # Another worker, host or a DBA: nothing in this process is told.
        db.session.execute(
            text(
                "DELETE FROM ab_permission_view_role WHERE role_id = (SELECT id FROM ab_role WHERE name = "
                "'Manager') AND permission_view_id = (SELECT pv.id FROM ab_permission_view pv JOIN "
                "ab_permission p ON p.id = pv.permission_id JOIN ab_view_menu v ON v.id = pv.view_menu_id "
                "WHERE p.name = 'can_read' AND v.name = 'FinancialTransaction')"
            )
        )
        db.session.commit()
    assert client.get("/api/v1/financial_transaction/", headers=headers).status_code == 403


def test_a_new_role_membership_counts_at_the_next_request(app, engineer_client):
    assert engineer_client.get("/transactionview/list/").status_code == 403
    from app.extensions import db

    with app.app_context():
        sm = app.appbuilder.sm
        engineer = sm.find_user(email=ROLE_USERS["Engineer"])
        engineer.roles.append(sm.find_role("Manager"))
        db.session.commit()
    assert engineer_client.get("/transactionview/list/").status_code == 200
    with app.app_context():
        engineer = sm.find_user(email=ROLE_USERS["Engineer"])
        engineer.roles = [role for role in engineer.roles if role.name != "Manager"]
        db.session.commit()
    assert engineer_client.get("/transactionview/list/").status_code == 403


def test_a_public_grant_opens_the_api_to_anonymous_callers_at_once(app, client):
    assert client.get("/api/v1/service/").status_code == 401
    set_grant(app, app.config.get("AUTH_ROLE_PUBLIC", "Public"), "can_read", "Service", granted=True)
    assert client.get("/api/v1/service/").status_code == 200
    set_grant(app, app.config.get("AUTH_ROLE_PUBLIC", "Public"), "can_read", "Service", granted=False)
    assert client.get("/api/v1/service/").status_code == 401


def test_a_warm_request_reads_no_role_or_permission_rows(app, manager_client, client):
    from app.extensions import db

    headers = bearer(api_token(client, ROLE_USERS["Manager"]))
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    manager_client.get("/clientview/list/")
    client.get("/api/v1/client/", headers=headers)
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert manager_client.get("/clientview/list/").status_code == 200
        assert client.get("/api/v1/client/", headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    security_reads = [s for s in statements if "ab_role" in s or "ab_permission" in s or "ab_group" in s]
    assert security_reads == []
    assert sum("security_version" in s for s in statements) == 2  # one token read per request
