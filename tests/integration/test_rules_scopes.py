"""Service templates and scope details on save; the SAF workflow of a stored scope."""

from __future__ import annotations

from datetime import date

import pytest

from app.errors import ValidationFailed
from app.models.catalog import Service
from app.models.contracts import SafStatus, ServiceScope
from app.services.contracts import renew_contract
from app.services.saf import move_saf
from app.services.scopes import ScopeDetailsInvalid, TemplateInvalid
from tests.factories import RETENTION_TEMPLATE, count, make_contract, make_scope, make_service

S = SafStatus


def test_a_malformed_template_is_refused_when_the_service_is_saved(db_session):
    with pytest.raises(TemplateInvalid, match="min is above max") as refused:
        make_service(
            db_session,
            name="Bad template",
            template={"parameters": [{"name": "x", "type": "integer", "min": 5, "max": 1}]},
        )
    assert refused.value.field == "scope_definition_template"
    db_session.rollback()
    assert count(db_session, Service, Service.name == "Bad template") == 0


def test_editing_a_template_is_checked_too(db_session):
    service = make_service(db_session, template=RETENTION_TEMPLATE)
    service.scope_definition_template = {"parameters": [{"name": "tier", "type": "select"}]}
    with pytest.raises(TemplateInvalid, match="needs a non-empty list of options"):
        db_session.commit()
    db_session.rollback()
    assert db_session.get(Service, service.id).scope_definition_template == RETENTION_TEMPLATE


def test_scope_details_are_cleaned_and_defaults_filled_on_save(db_session):
    service = make_service(db_session, template=RETENTION_TEMPLATE)
    scope = make_scope(db_session, service=service, scope_details={"coverage": "24x7"})
    assert scope.scope_details == {"coverage": "24x7", "retention_days": 365}
    scope.scope_details = {"coverage": "8x5", "retention_days": "90"}
    db_session.commit()
    db_session.expire_all()
    assert scope.scope_details == {"coverage": "8x5", "retention_days": 90}


def test_wrong_scope_details_are_refused_with_one_message_per_parameter(db_session):
    service = make_service(db_session, template=RETENTION_TEMPLATE)
    contract = make_contract(db_session)
    db_session.add(
        ServiceScope(
            contract=contract, service=service, scope_details={"retention_days": 10, "colour": "red"}
        )
    )
    with pytest.raises(ScopeDetailsInvalid) as refused:
        db_session.commit()
    assert refused.value.field == "scope_details"
    assert refused.value.errors == {
        "colour": "'colour' is not a parameter of this service.",
        "coverage": "Coverage is required.",
        "retention_days": "Retention must be at least 30.",
    }
    db_session.rollback()
    assert count(db_session, ServiceScope, ServiceScope.contract_id == contract.id) == 0


def test_moving_a_scope_to_another_service_checks_the_new_template(db_session):
    scope = make_scope(db_session, service=make_service(db_session))
    scope.service = make_service(db_session, template=RETENTION_TEMPLATE)
    with pytest.raises(ScopeDetailsInvalid, match="Coverage is required"):
        db_session.commit()
    db_session.rollback()


def _scope_whose_template_lost_coverage(db_session) -> ServiceScope:
    service = make_service(db_session, template=RETENTION_TEMPLATE)
    scope = make_scope(db_session, service=service, scope_details={"coverage": "24x7", "retention_days": 90})
    # A template change does not re-check stored scopes: "coverage" stays stored.
    service.scope_definition_template = {"parameters": RETENTION_TEMPLATE["parameters"][:1]}
    db_session.commit()
    return scope


def test_a_stored_value_no_longer_in_the_template_is_kept_on_edit(db_session):
    scope = _scope_whose_template_lost_coverage(db_session)
    scope.scope_details = {"retention_days": 120}  # left out, as the form does
    db_session.commit()
    db_session.expire_all()
    assert scope.scope_details == {"retention_days": 120, "coverage": "24x7"}
    scope.scope_details = {"retention_days": 150, "coverage": "24x7"}  # sent back unchanged
    db_session.commit()
    db_session.expire_all()
    assert scope.scope_details == {"retention_days": 150, "coverage": "24x7"}


def test_a_value_no_longer_in_the_template_cannot_be_changed_only_removed(db_session):
    scope = _scope_whose_template_lost_coverage(db_session)
    scope.scope_details = {"retention_days": 90, "coverage": "8x5", "colour": "red"}
    with pytest.raises(ScopeDetailsInvalid) as refused:
        db_session.commit()
    assert "'coverage' is no longer in the service template" in refused.value.errors["coverage"]
    assert refused.value.errors["colour"] == "'colour' is not a parameter of this service."
    db_session.rollback()
    scope.scope_details = {"retention_days": 90, "coverage": None}  # an explicit removal
    db_session.commit()
    db_session.expire_all()
    assert scope.scope_details == {"retention_days": 90}


def test_a_renewal_carries_over_a_value_no_longer_in_the_template(db_session):
    scope = _scope_whose_template_lost_coverage(db_session)
    successor = renew_contract(scope.contract, session=db_session)
    assert [s.scope_details for s in successor.scopes] == [{"retention_days": 90, "coverage": "24x7"}]


# --- SAF -------------------------------------------------------------------------------------


def test_the_saf_walks_the_workflow_to_active(db_session):
    scope = make_scope(db_session)
    for status in (S.SENT_TO_CLIENT, S.SIGNED, S.IN_PROVISIONING):
        move_saf(scope, status, session=db_session)
    move_saf(scope, S.ACTIVE, start_date=date(2026, 2, 1), session=db_session)
    move_saf(scope, S.SUSPENDED, session=db_session)
    move_saf(scope, S.ACTIVE, session=db_session)
    move_saf(scope, S.DEACTIVATED, end_date=date(2026, 11, 30), session=db_session)
    assert db_session.get(ServiceScope, scope.id).saf_status is S.DEACTIVATED


def test_a_skipped_step_is_refused_and_nothing_changes(db_session):
    scope = make_scope(db_session)
    with pytest.raises(ValidationFailed, match="cannot move from not started to active") as refused:
        move_saf(scope, S.ACTIVE, start_date=date(2026, 2, 1), session=db_session)
    assert refused.value.field == "saf_status"
    db_session.expire_all()
    assert (scope.saf_status, scope.saf_service_start_date) == (S.NOT_STARTED, None)


def test_a_plain_edit_of_the_status_follows_the_workflow_too(db_session):
    scope = make_scope(db_session, saf_status=S.SENT_TO_CLIENT)
    scope.saf_status = S.NOT_STARTED  # sent back for changes: allowed
    db_session.commit()
    scope.saf_status = S.IN_PROVISIONING
    with pytest.raises(ValidationFailed, match="cannot move from not started to in provisioning"):
        db_session.commit()
    db_session.rollback()


def test_active_requires_the_service_start_date(db_session):
    scope = make_scope(db_session, saf_status=S.IN_PROVISIONING)
    with pytest.raises(ValidationFailed, match="needs its service start date") as refused:
        move_saf(scope, S.ACTIVE, session=db_session)
    assert refused.value.field == "saf_service_start_date"
    assert db_session.get(ServiceScope, scope.id).saf_status is S.IN_PROVISIONING


@pytest.mark.parametrize(
    ("start", "ok"),
    [
        (date(2026, 1, 1), True),
        (date(2026, 12, 31), True),
        (date(2025, 12, 31), False),
        (date(2027, 1, 1), False),
    ],
)
def test_the_service_start_lies_within_the_contract(db_session, start, ok):
    scope = make_scope(db_session, contract=make_contract(db_session), saf_status=S.IN_PROVISIONING)
    if ok:
        move_saf(scope, S.ACTIVE, start_date=start, session=db_session)
    else:
        with pytest.raises(ValidationFailed, match="from 2026-01-01 to 2026-12-31"):
            move_saf(scope, S.ACTIVE, start_date=start, session=db_session)


def test_a_new_scope_may_start_in_any_status_if_its_dates_fit(db_session):
    make_scope(db_session, saf_status=S.ACTIVE, saf_service_start_date=date(2026, 1, 15))
    with pytest.raises(ValidationFailed, match="needs its service start date"):
        make_scope(db_session, saf_status=S.ACTIVE)
    db_session.rollback()
