"""Who gets an alert (account manager, Managers as fallback, Admins), mutes, and Admins' lead times."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.errors import ValidationFailed
from app.models.alerts import AlertKind
from app.models.audit import AuditEvent
from app.models.team import AssignmentRole
from app.services.alerts.evaluation import run_alerts
from app.services.alerts.settings import (
    kind_settings,
    muted_kinds,
    parse_levels,
    reset_kind_setting,
    save_kind_setting,
    set_muted_kinds,
)
from app.services.team import assign_team_member
from tests.factories import make_contract, make_failing_query, make_user, owned_client
from tests.integration.alerts_support import TODAY, alerts_of, levels_of, recipients_of, role_members


def run(session, day: date = TODAY):
    return run_alerts(day, send_email=False, session=session)


def ending_contract(session, client, days: int = 30):
    return make_contract(session, client, start_date=date(2029, 6, 1), end_date=TODAY + timedelta(days=days))


def test_the_clients_account_manager_gets_it_and_nobody_else(db_session):
    owner = make_user(db_session, "Account Manager")
    make_user(db_session, "Account Manager")  # someone else's clients
    contract = ending_contract(db_session, owned_client(db_session, owner))
    run(db_session)
    (alert,) = alerts_of(db_session, contract.id)
    assert recipients_of(db_session, alert) == {owner.id}


def test_without_an_account_manager_the_managers_get_it(db_session):
    second_manager = make_user(db_session, "Manager")
    make_user(db_session, "Manager", active=False)
    contract = ending_contract(db_session, owned_client(db_session))
    run(db_session)
    (alert,) = alerts_of(db_session, contract.id)
    assert recipients_of(db_session, alert) == role_members(db_session, "Manager")
    got = recipients_of(db_session, alert)
    assert second_manager.id in got and len(got) == 2


def test_an_account_manager_who_cannot_sign_in_falls_back_to_the_managers(db_session):
    gone = make_user(db_session, "Account Manager", active=False)
    locked = make_user(db_session, "Account Manager")
    locked.is_locked = True
    db_session.commit()
    first = ending_contract(db_session, owned_client(db_session, gone))
    second = ending_contract(db_session, owned_client(db_session, locked))
    run(db_session)
    managers = role_members(db_session, "Manager")
    assert recipients_of(db_session, alerts_of(db_session, first.id)[0]) == managers
    assert recipients_of(db_session, alerts_of(db_session, second.id)[0]) == managers


def test_a_new_account_manager_gets_the_next_alerts(db_session):
    first, second = make_user(db_session, "Account Manager"), make_user(db_session, "Account Manager")
    client = owned_client(db_session, first)
    contract = ending_contract(db_session, client, days=60)
    run(db_session)
    assign_team_member(client, second, AssignmentRole.ACCOUNT_MANAGER, session=db_session)
    run(db_session, TODAY + timedelta(days=30))
    early, late = alerts_of(db_session, contract.id)
    assert recipients_of(db_session, early) == {first.id} and recipients_of(db_session, late) == {second.id}


def test_data_source_alerts_go_to_the_admins(db_session):
    other_admin = make_user(db_session, "Admin")
    query = make_failing_query(db_session, failures=5)
    run(db_session)
    (alert,) = alerts_of(db_session, query.id)
    assert recipients_of(db_session, alert) == role_members(db_session, "Admin")
    assert other_admin.id in recipients_of(db_session, alert)


def test_a_muted_kind_is_not_delivered_to_that_person_only(db_session):
    owner = make_user(db_session, "Account Manager")
    client = owned_client(db_session, owner)
    set_muted_kinds(owner.id, [AlertKind.CONTRACT_END], session=db_session)
    assert muted_kinds(owner.id, db_session) == {AlertKind.CONTRACT_END}
    contract = make_contract(
        db_session, client, start_date=date(2029, 6, 1), end_date=TODAY + timedelta(30),
        renewal_date=TODAY + timedelta(7),
    )
    run(db_session)
    by_kind = {a.kind: recipients_of(db_session, a) for a in alerts_of(db_session, contract.id)}
    assert by_kind == {AlertKind.CONTRACT_END: set(), AlertKind.CONTRACT_RENEWAL: {owner.id}}
    set_muted_kinds(owner.id, [], session=db_session)
    assert muted_kinds(owner.id, db_session) == frozenset()


def test_muting_managers_only_silences_the_one_who_muted(db_session):
    other = make_user(db_session, "Manager")
    set_muted_kinds(other.id, [AlertKind.CONTRACT_END, AlertKind.SLA_METRIC_BREACH], session=db_session)
    contract = ending_contract(db_session, owned_client(db_session))
    run(db_session)
    assert recipients_of(db_session, alerts_of(db_session, contract.id)[0]) == (
        role_members(db_session, "Manager") - {other.id}
    )


def test_admins_change_lead_times_and_the_new_ones_fire(db_session):
    contract = ending_contract(db_session, owned_client(db_session), days=45)
    setting = save_kind_setting(AlertKind.CONTRACT_END, "45, 14", True, session=db_session)
    assert (setting.levels, setting.is_default) == ((45, 14), False)
    run(db_session)
    run(db_session, TODAY + timedelta(days=31))
    assert levels_of(db_session, contract.id, AlertKind.CONTRACT_END) == [45, 14]
    event = db_session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "alert_settings_changed", AuditEvent.entity_id == "contract_end"
        )
    ).one()
    assert event.changes["levels"] == {"old": [90, 60, 30, 7], "new": [45, 14]}
    assert reset_kind_setting(AlertKind.CONTRACT_END, session=db_session).levels == (90, 60, 30, 7)


def test_a_disabled_kind_fires_nothing(db_session):
    contract = ending_contract(db_session, owned_client(db_session))
    save_kind_setting(AlertKind.CONTRACT_END, None, False, session=db_session)
    run(db_session)
    assert alerts_of(db_session, contract.id) == []
    assert kind_settings(db_session)[AlertKind.CONTRACT_END].enabled is False


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (AlertKind.CONTRACT_END, "90, sixty", "whole numbers"),
        (AlertKind.CONTRACT_END, "", "at least one level"),
        (AlertKind.CONTRACT_END, "900", "between 0 and 730"),
        (AlertKind.LICENSE_POOL_UTILISATION, "0", "between 1 and 100"),
        (AlertKind.CONTRACT_END, ",".join(str(n) for n in range(1, 12)), "At most 10"),
    ],
)
def test_levels_that_make_no_sense_are_refused(kind, text, message):
    with pytest.raises(ValidationFailed, match=message):
        parse_levels(kind, text)


def test_levels_are_parsed_deduplicated_and_sorted():
    assert parse_levels(AlertKind.CONTRACT_RENEWAL, " 7,30 ; 90 60 30") == (90, 60, 30, 7)
