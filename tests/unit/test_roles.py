"""The declared role table."""

from __future__ import annotations

from app.services.accounts.roles import ACCOUNT_MANAGER, ADMIN, ENGINEER, MANAGER, ROW_FILTERED, granted


def test_admin_gets_everything_including_unknown_resources():
    assert granted(ADMIN, "can_delete", "Client")
    assert granted(ADMIN, "can_list", "MsspUserView")
    assert granted(ADMIN, "can_anything", "SomethingNew")


def test_unknown_resources_are_admin_only():
    for role in (MANAGER, ACCOUNT_MANAGER, ENGINEER):
        assert not granted(role, "can_read", "SomethingNew")
        assert not granted(role, "can_list", "MsspUserView")
        assert not granted(role, "can_read", "Role")


def test_manager_reads_but_does_not_write_except_team_edits():
    assert granted(MANAGER, "can_read", "Contract")
    assert not granted(MANAGER, "can_edit", "Contract")
    assert not granted(MANAGER, "can_delete", "Client")
    assert granted(MANAGER, "can_edit", "ClientTeamAssignment")
    assert not granted(MANAGER, "can_create", "ClientTeamAssignment")


def test_account_manager_owns_clients_and_contracts_but_not_hardware():
    assert granted(ACCOUNT_MANAGER, "can_create", "Client")
    assert granted(ACCOUNT_MANAGER, "can_edit", "Contract")
    assert not granted(ACCOUNT_MANAGER, "can_delete", "Client")
    assert not granted(ACCOUNT_MANAGER, "can_edit", "HardwareAsset")
    assert granted(ACCOUNT_MANAGER, "can_read", "HardwareAsset")


def test_engineer_manages_licenses_and_hardware_but_not_contracts():
    assert granted(ENGINEER, "can_create", "ClientLicense")
    assert granted(ENGINEER, "can_edit", "HardwareAsset")
    assert not granted(ENGINEER, "can_edit", "Contract")


def test_everyone_may_see_and_edit_their_own_account():
    for role in (MANAGER, ACCOUNT_MANAGER, ENGINEER):
        assert granted(role, "can_userinfo", "MsspUserView")
        assert granted(role, "can_this_form_post", "ResetMyPasswordView")


def test_account_managers_read_only_their_clients_transactions_and_engineers_none():
    assert granted(ACCOUNT_MANAGER, "can_read", "FinancialTransaction")
    assert not granted(ACCOUNT_MANAGER, "can_edit", "FinancialTransaction")
    assert "FinancialTransaction" in ROW_FILTERED[ACCOUNT_MANAGER]
    assert not granted(ENGINEER, "can_read", "FinancialTransaction")


def test_data_sources_and_custom_fields_are_admin_only():
    for role in (MANAGER, ACCOUNT_MANAGER, ENGINEER):
        assert not granted(role, "can_read", "CustomFieldDefinition")
        assert not granted(role, "can_read", "ExternalDataSource")
