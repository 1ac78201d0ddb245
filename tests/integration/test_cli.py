"""`flask mssp init` and `flask mssp seed-demo`."""

from __future__ import annotations

import pytest

from app.services.accounts import passwords
from app.services.accounts.roles import ACCOUNT_MANAGER, ADMIN, ENGINEER, MANAGER

pytestmark = pytest.mark.smoke


def run(app, *args, **env):
    return app.test_cli_runner().invoke(args=["mssp", *args], env=env or None)


def role_permissions(app) -> dict[str, set[str]]:
    with app.app_context():
        sm = app.appbuilder.sm
        return {
            name: {str(pv) for pv in sm.find_role(name).permissions}
            for name in (ADMIN, MANAGER, ACCOUNT_MANAGER, ENGINEER)
        }


BOSS = ("--admin-email", "boss@mssp.example", "--admin-password", "a long enough passphrase")


def tamper_with_manager(app) -> None:
    """An admin, in the Roles screen, gives Managers the Users screen and takes Contracts away."""
    with app.app_context():
        from app.extensions import db

        sm = app.appbuilder.sm
        manager = sm.find_role(MANAGER)
        manager.permissions.append(sm.find_permission_view_menu("can_list", "MsspUserView"))
        manager.permissions.remove(sm.find_permission_view_menu("can_read", "Contract"))
        db.session.commit()


def test_init_is_idempotent_and_never_undoes_an_admins_change(app, db_connection):
    first = run(app, "init", *BOSS)
    assert first.exit_code == 0, first.output
    assert "created admin boss@mssp.example" in first.output
    before = role_permissions(app)

    second = run(app, "init", *BOSS)
    assert second.exit_code == 0, second.output
    assert "roles and permissions already up to date" in second.output
    assert "admin boss@mssp.example already exists" in second.output
    assert role_permissions(app) == before

    tamper_with_manager(app)
    third = run(app, "init")
    assert third.exit_code == 0, third.output
    assert "role Manager: kept 1 permission(s) granted by hand" in third.output
    assert "can_list on MsspUserView" in third.output
    manager = role_permissions(app)[MANAGER]
    assert "can list on MsspUserView" in manager
    assert "can read on Contract" not in manager


def test_init_adds_the_permissions_of_a_new_screen(app, db_connection):
    """A permission that did not exist before (a screen added since) is granted as declared."""
    with app.app_context():
        from app.extensions import db

        sm = app.appbuilder.sm
        pv = sm.find_permission_view_menu("can_read", "Contract")
        for role in sm.get_all_roles():
            if pv in role.permissions:
                role.permissions.remove(pv)
        db.session.delete(pv)
        db.session.commit()
    result = run(app, "init")
    assert result.exit_code == 0, result.output
    permissions = role_permissions(app)
    for role in (ADMIN, MANAGER, ACCOUNT_MANAGER, ENGINEER):
        assert "can read on Contract" in permissions[role], role


def test_reset_roles_restores_the_declared_defaults(app, db_connection):
    defaults = role_permissions(app)
    tamper_with_manager(app)
    result = run(app, "init", "--reset-roles")
    assert result.exit_code == 0, result.output
    assert "role Manager: 1 permission(s) granted, 1 revoked" in result.output
    assert role_permissions(app) == defaults


def test_init_creates_the_admin_from_environment_variables(app, db_connection):
    env = {"MSSP_ADMIN_EMAIL": "Root@MSSP.example", "MSSP_ADMIN_PASSWORD": "another fine passphrase"}
    result = run(app, "init", **env)
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = app.appbuilder.sm.find_user(email="root@mssp.example")
        assert user.username == "root@mssp.example"
        assert [r.name for r in user.roles] == [ADMIN]
        assert passwords.hash_method(user.password) == app.config["FAB_PASSWORD_HASH_METHOD"]
        assert user.last_password_change_at is not None


def test_init_refuses_a_weak_admin_password_with_one_line(app, db_connection):
    result = run(app, "init", "--admin-email", "weak@mssp.example", "--admin-password", "short")
    assert result.exit_code == 1
    assert "Password must be at least 12 characters long." in result.output
    with app.app_context():
        assert app.appbuilder.sm.find_user(email="weak@mssp.example") is None


def test_manager_role_gets_read_only_self_service_not_user_admin(app, db_connection):
    permissions = role_permissions(app)
    assert "can userinfo on MsspUserView" in permissions[MANAGER]
    assert "can list on MsspUserView" not in permissions[MANAGER]
    assert "can list on MsspUserView" in permissions[ADMIN]


def test_seed_demo_is_idempotent(app, db_connection):
    first = run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    second = run(app, "seed-demo")
    assert second.exit_code == 0, second.output
    assert all(line.endswith(": 0 created") for line in second.output.strip().splitlines()), second.output
    with app.app_context():
        assert app.appbuilder.sm.find_user(email="manager@mssp.example") is not None


def test_fab_create_user_keeps_username_equal_to_email(app, db_connection):
    from flask_appbuilder.cli import fab

    result = app.test_cli_runner().invoke(
        fab,
        args=[
            "create-user", "--role", ENGINEER, "--username", "someone-else",
            "--firstname", "Fab", "--lastname", "User", "--email", "Fab.User@MSSP.example",
            "--password", "a long enough passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = app.appbuilder.sm.find_user(email="fab.user@mssp.example")
        assert user.username == "fab.user@mssp.example"
