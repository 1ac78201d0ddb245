"""How changes are written down: JSON-safe values, masked secrets, lifecycle names (no database)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

import pytest

from app.services.audit.diff import MASK, field_changes, json_value, values_changes
from app.services.audit.policy import ANY_VALUE, AuditPolicy


class Colour(enum.Enum):
    RED = "red"


PLAIN = AuditPolicy("thing", secret=frozenset({"hidden"}), ignored=frozenset({"noise"}))


def test_values_read_back_the_same():
    key = uuid.uuid4()
    assert json_value(Decimal("1200.50")) == "1200.50"
    assert json_value(key) == str(key)
    assert json_value(dt.date(2026, 3, 1)) == "2026-03-01"
    assert json_value(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)) == "2026-03-01T12:00:00+00:00"
    assert json_value(Colour.RED) == "red"
    assert json_value({"a": [Decimal("1.0"), None]}) == {"a": ["1.0", None]}
    assert json_value(float("nan")) == "nan"
    assert json_value(b"\x00\x01") == "<2 bytes>"
    assert json_value("x" * 20_000).endswith("…")


@pytest.mark.parametrize(
    "column", ["hidden", "password", "api_token", "encrypted_credentials", "client_secret"]
)
def test_secrets_are_masked(column):
    assert field_changes(PLAIN, column, "old-value", "new-value") == {
        column: {"old": MASK, "new": MASK, "masked": True}
    }
    assert field_changes(PLAIN, column, None, "set")[column]["old"] is None
    assert field_changes(PLAIN, column, "same", "same") == {}


def test_a_timestamp_named_after_a_password_is_not_a_secret():
    assert not PLAIN.is_secret("last_password_change_at")


def test_unchanged_empty_and_ignored_columns_are_not_recorded():
    assert field_changes(PLAIN, "name", "a", "a") == {}
    assert field_changes(PLAIN, "name", None, "") == {}
    assert values_changes(
        PLAIN, {"noise": 1, "version": 1, "name": "a"}, {"noise": 2, "version": 2, "name": "b"}
    ) == {"name": {"old": "a", "new": "b"}}


def test_json_objects_are_compared_key_by_key():
    assert field_changes(PLAIN, "custom_field_data", {"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {
        "custom_field_data.b": {"old": 2, "new": 3},
        "custom_field_data.c": {"old": None, "new": 4},
    }


def test_snapshots_of_rows_record_only_what_differs():
    old = {"name": "a", "amount": Decimal("1.50"), "custom_field_data": {"n": 1, "m": "x"}}
    new = {"name": "a", "amount": Decimal("1.50"), "custom_field_data": {"n": 2, "m": "x"}}
    assert values_changes(PLAIN, old, new) == {"custom_field_data.n": {"old": 1, "new": 2}}
    assert values_changes(PLAIN, {"amount": Decimal("1.5")}, {"amount": Decimal("1.50")}) == {
        "amount": {"old": "1.5", "new": "1.50"}
    }


def test_lifecycle_actions_are_inferred_from_the_recorded_changes():
    policy = AuditPolicy(
        "contract", transitions={"status": {"terminated": "terminate"}, "return_date": {ANY_VALUE: "return"}}
    )
    assert policy.update_action({"status": {"old": "active", "new": "terminated"}}) == "terminate"
    assert policy.update_action({"status": {"old": "draft", "new": "active"}}) is None
    assert policy.update_action({"return_date": {"old": None, "new": "2026-01-02"}}) == "return"
    assert policy.update_action({"return_date": {"old": "2026-01-01", "new": "2026-01-02"}}) is None
    assert policy.update_action({"is_active": {"old": True, "new": False}}) == "deactivate"
