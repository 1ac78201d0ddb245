"""The audit trail of changes: one row per change, in the change's own transaction.

Service calls, plain ORM changes and bulk statements; secrets masked; lifecycle actions
named; explicit events carrying their subject's changes; cascades; rollbacks.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from app.models.audit import AuditEvent, AuditOperation, AuditSource
from app.models.clients import Client, ClientStatus
from app.models.contracts import ContractStatus
from app.models.hardware import AssetStatus
from app.models.integrations import AuthType, ExternalDataSource, SourceType
from app.services.audit.context import audit_action, audit_source
from app.services.audit.diff import MASK
from tests.factories import make_asset, make_client, make_contract, make_pool, make_user, unique


def history(session, entity_type: str, entity_id) -> list[AuditEvent]:
    """The audit rows of one record, oldest first."""
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.occurred_at)
        )
    )


def only(session, entity_type: str, entity_id, operation: AuditOperation) -> AuditEvent:
    rows = [e for e in history(session, entity_type, entity_id) if e.operation is operation]
    assert len(rows) == 1, [(e.action, e.changes) for e in rows]
    return rows[0]


def test_create_update_delete_leave_one_row_each_with_the_field_diff(db_session):
    client = Client(company_name=unique("Audited"), lead_score=10, estimated_deal_value=Decimal("1500.50"))
    db_session.add(client)
    db_session.commit()
    created = only(db_session, "client", client.id, AuditOperation.CREATE)
    assert created.action == "create"
    assert created.changes["company_name"] == {"old": None, "new": client.company_name}
    assert created.changes["estimated_deal_value"] == {"old": None, "new": "1500.50"}
    assert "created_at" not in created.changes and "version" not in created.changes

    client.lead_score = 55
    client.notes = "called back"
    db_session.commit()
    updated = only(db_session, "client", client.id, AuditOperation.UPDATE)
    assert updated.action == "update"
    assert updated.changes == {
        "lead_score": {"old": 10, "new": 55},
        "notes": {"old": None, "new": "called back"},
    }

    client_id = client.id
    db_session.delete(client)
    db_session.commit()
    deleted = only(db_session, "client", client_id, AuditOperation.DELETE)
    assert deleted.action == "delete"
    assert deleted.changes["lead_score"] == {"old": 55, "new": None}
    assert len(history(db_session, "client", client_id)) == 3


def test_saving_without_a_real_change_records_nothing(db_session):
    client = make_client(db_session, lead_score=5)
    client.lead_score = 5
    db_session.commit()
    assert [e.operation for e in history(db_session, "client", client.id)] == [AuditOperation.CREATE]


def test_a_rolled_back_change_leaves_no_audit_row(db_session):
    client = make_client(db_session)
    client.notes = "never kept"
    db_session.flush()
    assert len(history(db_session, "client", client.id)) == 2  # flushed: the row is there...
    db_session.rollback()
    assert len(history(db_session, "client", client.id)) == 1  # ...and gone with the change


def test_a_refused_change_leaves_no_audit_row(db_session):
    from app.errors import ValidationFailed

    contract = make_contract(db_session)
    contract.end_date = date(2020, 1, 1)  # before its start: a business rule refuses
    with pytest.raises(ValidationFailed):
        db_session.commit()
    db_session.rollback()
    assert [e.operation for e in history(db_session, "contract", contract.id)] == [AuditOperation.CREATE]


def test_an_old_value_that_was_not_loaded_is_read_before_the_update(db_session):
    client = make_client(db_session, lead_score=7)
    db_session.expire(client)  # as after a commit elsewhere: the old value is not in memory
    client.lead_score = 8
    db_session.commit()
    updated = only(db_session, "client", client.id, AuditOperation.UPDATE)
    assert updated.changes == {"lead_score": {"old": 7, "new": 8}}


def test_json_objects_are_compared_key_by_key(db_session):
    client = make_client(db_session, custom_client_specific_json_data={"tier": "gold", "region": "emea"})
    client.custom_client_specific_json_data = {"tier": "platinum", "region": "emea"}
    db_session.commit()
    updated = only(db_session, "client", client.id, AuditOperation.UPDATE)
    assert updated.changes == {"custom_client_specific_json_data.tier": {"old": "gold", "new": "platinum"}}


def test_secrets_are_recorded_as_changed_never_with_their_value(app, db_session):
    from app.services.sync.data_sources import set_credentials

    source = ExternalDataSource(
        name=unique("Jira"),
        source_type=SourceType.JIRA,
        base_url="https://jira.example",
        auth_type=AuthType.BEARER,
    )
    set_credentials(source, {"token": "s3cr3t-token-value"})
    db_session.add(source)
    db_session.commit()
    set_credentials(source, {"token": "another-s3cr3t"})
    db_session.commit()
    rows = history(db_session, "external_data_source", source.id)
    assert [e.operation for e in rows] == [AuditOperation.CREATE, AuditOperation.UPDATE]
    assert rows[0].changes["encrypted_credentials"] == {"old": None, "new": MASK, "masked": True}
    assert rows[1].changes == {"encrypted_credentials": {"old": MASK, "new": MASK, "masked": True}}
    dumped = str([e.changes for e in rows])
    assert "s3cr3t" not in dumped and source.encrypted_credentials not in dumped


def test_a_users_password_is_masked_and_their_roles_listed(app, db_session):
    from app.services.accounts.users import create_user

    user = create_user(
        app.appbuilder,
        f"{unique('u').replace(' ', '')}@audit.example",
        "correct horse battery staple 7",
        "Audit",
        "Person",
        "Engineer",
    )
    created = only(db_session, "user", user.id, AuditOperation.CREATE)
    assert created.changes["password"] == {"old": None, "new": MASK, "masked": True}
    assert created.changes["roles"] == {"added": ["Engineer"], "removed": []}
    assert "correct horse" not in str(created.changes)
    assert user.password not in str(created.changes)

    manager = app.appbuilder.sm.find_role("Manager")
    user.roles.append(manager)
    db_session.commit()
    updated = only(db_session, "user", user.id, AuditOperation.UPDATE)
    assert updated.changes == {"roles": {"added": ["Manager"], "removed": []}}


def test_lifecycle_actions_are_named_from_what_changed(db_session):
    from app.services.lifecycle import archive_clients, terminate_contracts

    contract = make_contract(db_session)
    terminate_contracts([contract])
    assert only(db_session, "contract", contract.id, AuditOperation.UPDATE).action == "terminate"

    client = contract.client
    archive_clients([client])
    archived = only(db_session, "client", client.id, AuditOperation.UPDATE)
    assert archived.action == "archive"
    assert archived.changes["status"] == {"old": ClientStatus.PROSPECT.value, "new": "archived"}


def test_assigning_and_returning_hardware_names_both_rows_of_the_flush(db_session):
    from app.services.hardware import assign_hardware, return_hardware

    asset = make_asset(db_session)
    client = make_client(db_session)
    assignment = assign_hardware(asset, client)
    assigned = only(db_session, "client_hardware_assignment", assignment.id, AuditOperation.CREATE)
    assert assigned.action == "assign"
    asset_rows = history(db_session, "hardware_asset", asset.id)
    assert [(e.operation, e.action) for e in asset_rows][-1] == (AuditOperation.UPDATE, "assign")

    return_hardware(assignment)
    returned = only(db_session, "client_hardware_assignment", assignment.id, AuditOperation.UPDATE)
    assert returned.action == "return"
    assert returned.changes["status"] == {"old": "active", "new": "returned"}
    last = history(db_session, "hardware_asset", asset.id)[-1]
    assert last.action == "return"
    assert last.changes["status"] == {"old": AssetStatus.IN_USE.value, "new": AssetStatus.IN_STOCK.value}


def test_seat_assignment_is_an_assign(db_session):
    from app.services.licensing import allocate_seats

    pool = make_pool(db_session, total=10)
    client = make_client(db_session)
    license_ = allocate_seats(pool, client, 3)
    assert only(db_session, "client_license", license_.id, AuditOperation.CREATE).action == "assign"


def test_a_service_can_name_its_action(db_session):
    client = make_client(db_session)
    with audit_action("merge"):
        client.notes = "merged with a duplicate"
        db_session.commit()
    assert only(db_session, "client", client.id, AuditOperation.UPDATE).action == "merge"


def test_a_bulk_update_statement_is_audited_row_by_row(db_session):
    from app.services.contracts import expire_overdue_contracts

    overdue = make_contract(db_session, start_date=date(2024, 1, 1), end_date=date(2024, 12, 31))
    current = make_contract(db_session, start_date=date(2024, 1, 1), end_date=date(2030, 12, 31))
    assert expire_overdue_contracts(date(2026, 1, 1)) >= 1
    expired = only(db_session, "contract", overdue.id, AuditOperation.UPDATE)
    assert expired.action == "expire"
    assert expired.changes == {"status": {"old": "active", "new": "expired"}}
    assert [e.operation for e in history(db_session, "contract", current.id)] == [AuditOperation.CREATE]


def test_core_update_and_delete_statements_on_audited_tables_are_audited(db_session):
    client = make_client(db_session, lead_score=1)
    table = Client.__table__
    db_session.execute(update(table).where(table.c.id == client.id).values(lead_score=2))
    db_session.execute(delete(Client).where(Client.id == client.id))
    db_session.commit()
    rows = history(db_session, "client", client.id)
    assert [(e.operation, e.changes.get("lead_score")) for e in rows] == [
        (AuditOperation.CREATE, {"old": None, "new": 1}),
        (AuditOperation.UPDATE, {"old": 1, "new": 2}),
        (AuditOperation.DELETE, {"old": 2, "new": None}),
    ]


def test_key_rotation_is_recorded_masked(app, db_session):
    from app.services.sync.data_sources import rotate_credentials, set_credentials

    source = ExternalDataSource(
        name=unique("Grafana"),
        source_type=SourceType.GRAFANA,
        base_url="https://grafana.example",
        auth_type=AuthType.BEARER,
    )
    set_credentials(source, {"token": "rotate-me-secret"})
    db_session.add(source)
    db_session.commit()
    rotate_credentials()
    rotated = only(db_session, "external_data_source", source.id, AuditOperation.UPDATE)
    assert rotated.changes == {"encrypted_credentials": {"old": MASK, "new": MASK, "masked": True}}


def test_rows_the_database_deletes_by_cascade_are_recorded(app, db_session):
    from app.models.team import AssignmentRole, ClientTeamAssignment

    client = make_client(db_session)
    user = make_user(db_session)
    assignment = ClientTeamAssignment(client=client, user=user, assignment_role=AssignmentRole.ENGINEER)
    db_session.add(assignment)
    db_session.commit()
    assert only(db_session, "client_team_assignment", assignment.id, AuditOperation.CREATE).action == "assign"
    assignment_id = assignment.id
    db_session.expunge(assignment)  # the ORM does not know it: ON DELETE CASCADE removes it
    db_session.delete(user)
    db_session.commit()
    gone = only(db_session, "client_team_assignment", assignment_id, AuditOperation.DELETE)
    assert gone.action == "unassign"
    assert gone.changes["client_id"]["old"] == str(client.id)


def test_an_unlock_is_one_record_carrying_the_fields_it_changed(app, db_session):
    from app.services.accounts.login_security import unlock_accounts

    user = make_user(db_session)
    user.is_locked = True
    db_session.commit()
    unlock_accounts([user], actor=None)
    rows = [e for e in history(db_session, "user", user.id) if e.action == "account_unlocked"]
    assert len(rows) == 1
    assert rows[0].changes["is_locked"] == {"old": True, "new": False}
    assert rows[0].operation is AuditOperation.UPDATE
    assert [e.action for e in history(db_session, "user", user.id)][-1] == "account_unlocked"


def test_a_job_names_itself(db_session):
    client = make_client(db_session)
    with audit_source("job", label="nightly_cleanup") as run:
        client.notes = "tidied"
        db_session.commit()
    row = only(db_session, "client", client.id, AuditOperation.UPDATE)
    assert row.source is AuditSource.JOB
    assert row.actor_email == "job:nightly_cleanup"
    assert row.request_id == run.request_id and row.ip is None


def test_the_contract_status_history_survives_a_renewal(db_session):
    from app.services.contract_counting import roll_over_contracts
    from app.services.contracts import renew_contract

    contract = make_contract(db_session)
    early = contract.end_date - timedelta(days=90)
    successor = renew_contract(contract, status=ContractStatus.SIGNED, today=early)
    assert [e for e in history(db_session, "contract", contract.id) if e.action == "renew"] == []
    roll_over_contracts(contract.end_date + timedelta(days=1))  # the renewal takes over
    renewed = [e for e in history(db_session, "contract", contract.id) if e.action == "renew"]
    assert len(renewed) == 1 and renewed[0].changes["status"]["new"] == ContractStatus.RENEWED.value
    started = [e for e in history(db_session, "contract", successor.id) if e.action == "activate"]
    assert len(started) == 1 and started[0].changes["status"]["old"] == ContractStatus.SIGNED.value
    assert only(db_session, "contract", successor.id, AuditOperation.CREATE).entity_id == str(successor.id)


def test_a_bulk_delete_records_what_the_database_cascades(db_session):
    from app.models.team import AssignmentRole, ClientTeamAssignment

    client = make_client(db_session)
    assignment = ClientTeamAssignment(
        client=client, user=make_user(db_session), assignment_role=AssignmentRole.ENGINEER
    )
    db_session.add(assignment)
    db_session.commit()
    assignment_id, client_id = assignment.id, client.id
    db_session.expunge_all()
    db_session.execute(delete(Client).where(Client.id == client_id))
    db_session.commit()
    assert only(db_session, "client", client_id, AuditOperation.DELETE).action == "delete"
    assert (
        only(db_session, "client_team_assignment", assignment_id, AuditOperation.DELETE).action == "unassign"
    )


def test_a_statement_with_a_textual_condition_is_audited_too(db_session):
    from sqlalchemy import text

    client = make_client(db_session, custom_client_specific_json_data={"old_key": "x"})
    table = Client.__table__
    db_session.execute(
        update(table)
        .where(text("jsonb_exists(custom_client_specific_json_data, :old)"), table.c.id == client.id)
        .values(
            custom_client_specific_json_data=text("custom_client_specific_json_data - CAST(:old AS text)")
        ),
        {"old": "old_key"},
    )
    db_session.commit()
    updated = only(db_session, "client", client.id, AuditOperation.UPDATE)
    assert updated.changes == {"custom_client_specific_json_data.old_key": {"old": "x", "new": None}}


def test_a_lifecycle_action_names_only_the_rows_it_points_at(db_session):
    from app.models.licensing import ClientLicense

    pool, client, bystander = make_pool(db_session, total=5), make_client(db_session), make_client(db_session)
    db_session.add(
        ClientLicense(license_pool=pool, client=client, assigned_seats=1, assignment_date=date(2026, 1, 1))
    )
    bystander.notes = "unrelated edit in the same flush"
    db_session.commit()
    assert only(db_session, "client", bystander.id, AuditOperation.UPDATE).action == "update"
    created = [
        e for e in history(db_session, "license_pool", pool.id) if e.operation is AuditOperation.CREATE
    ]
    assert [e.action for e in created] == ["create"]
