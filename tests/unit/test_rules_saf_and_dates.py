"""SAF workflow, SAF dates and contract dates as pure functions."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from app.errors import ValidationFailed
from app.models.contracts import SafStatus
from app.services.contracts import check_contract_dates, renewal_dates
from app.services.saf import SAF_TRANSITIONS, check_saf_dates, check_saf_transition

S = SafStatus
ALLOWED = [(old, new) for old, targets in SAF_TRANSITIONS.items() for new in targets]
REFUSED = [
    (old, new) for old in SafStatus for new in SafStatus if new is not old and new not in SAF_TRANSITIONS[old]
]


def test_the_workflow_covers_every_status():
    assert set(SAF_TRANSITIONS) == set(SafStatus)
    assert (S.NOT_STARTED, S.SENT_TO_CLIENT) in ALLOWED
    assert (S.SENT_TO_CLIENT, S.NOT_STARTED) in ALLOWED  # sent back for changes
    assert (S.IN_PROVISIONING, S.ACTIVE) in ALLOWED
    assert (S.NOT_STARTED, S.ACTIVE) in REFUSED
    assert not SAF_TRANSITIONS[S.DEACTIVATED] and not SAF_TRANSITIONS[S.CANCELLED]


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_allowed_moves_pass(old, new):
    check_saf_transition(old, new)


@pytest.mark.parametrize(("old", "new"), REFUSED)
def test_other_moves_are_refused_with_the_allowed_ones(old, new):
    with pytest.raises(ValidationFailed, match=f"cannot move from {old.value.replace('_', ' ')}") as refused:
        check_saf_transition(old, new)
    assert refused.value.field == "saf_status"


def test_a_final_status_says_so():
    with pytest.raises(ValidationFailed, match="cancelled is final"):
        check_saf_transition(S.CANCELLED, S.NOT_STARTED)


# Stand-ins: the rules read only the dates (no mapper configuration needed here).
CONTRACT = SimpleNamespace(start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))


@pytest.mark.parametrize("status", [S.ACTIVE, S.SUSPENDED, S.DEACTIVATED])
def test_a_started_service_needs_its_start_date(status):
    with pytest.raises(ValidationFailed, match="needs its service start date") as refused:
        check_saf_dates(status, None, date(2026, 6, 1), CONTRACT)
    assert refused.value.field == "saf_service_start_date"


def test_a_deactivated_service_needs_its_end_date():
    with pytest.raises(ValidationFailed, match="needs its service end date"):
        check_saf_dates(S.DEACTIVATED, date(2026, 2, 1), None, CONTRACT)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2025, 12, 31), None, "saf_service_start_date"),
        (date(2027, 1, 1), None, "saf_service_start_date"),
        (date(2026, 2, 1), date(2027, 1, 1), "saf_service_end_date"),
    ],
)
def test_service_dates_lie_within_the_contract(start, end, field):
    with pytest.raises(ValidationFailed, match="within the contract") as refused:
        check_saf_dates(S.ACTIVE, start, end, CONTRACT)
    assert refused.value.field == field


def test_the_contract_boundaries_are_inside():
    check_saf_dates(S.DEACTIVATED, date(2026, 1, 1), date(2026, 12, 31), CONTRACT)
    check_saf_dates(S.NOT_STARTED, None, None, CONTRACT)


def test_the_service_end_is_not_before_its_start():
    with pytest.raises(ValidationFailed, match="before its start"):
        check_saf_dates(S.ACTIVE, date(2026, 5, 2), date(2026, 5, 1), CONTRACT)


def test_a_contract_ends_after_it_starts():
    check_contract_dates(date(2026, 1, 1), date(2026, 1, 2))
    for end in (date(2026, 1, 1), date(2025, 12, 31)):
        with pytest.raises(ValidationFailed, match="end date must be after the start date") as refused:
            check_contract_dates(date(2026, 1, 1), end)
        assert refused.value.field == "end_date"


@pytest.mark.parametrize(
    ("start", "end", "renewed"),
    [
        # A calendar year, a leap year, a mid-month year, a quarter: whole months carry over.
        (date(2025, 1, 1), date(2025, 12, 31), (date(2026, 1, 1), date(2026, 12, 31))),
        (date(2024, 1, 1), date(2024, 12, 31), (date(2025, 1, 1), date(2025, 12, 31))),
        (date(2025, 3, 15), date(2026, 3, 14), (date(2026, 3, 15), date(2027, 3, 14))),
        (date(2026, 1, 1), date(2026, 3, 31), (date(2026, 4, 1), date(2026, 6, 30))),
        # Any other term: the same number of days.
        (date(2026, 1, 1), date(2026, 1, 10), (date(2026, 1, 11), date(2026, 1, 20))),
    ],
)
def test_a_renewal_continues_from_the_old_end_date_for_the_same_term(start, end, renewed):
    assert renewal_dates(SimpleNamespace(start_date=start, end_date=end)) == renewed
