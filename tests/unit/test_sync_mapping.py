"""Pure parts of the sync (no database, no network): templates, JSONPath mapping, typing, retries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from app.integrations.errors import InvalidConfiguration, MappingFailed
from app.integrations.http import is_transient, retry_after_seconds
from app.integrations.jira import JiraSource
from app.integrations.mapping import compile_mappings, to_datetime, to_enum, typed_rows
from app.integrations.templates import render, template_errors
from app.models.integrations import QueryTarget
from app.models.metrics import TicketPriority, TicketStatus
from app.services.secrets import MASK, merge_submitted_secrets

FRAMES = "$.results.A.frames[*]"
SPM = QueryTarget.SERVICE_PERFORMANCE_METRIC


def test_only_known_bare_placeholders_are_filled_and_promql_braces_are_left_alone():
    template = 'sum(rate(x{client="{client_key}", env="prod"}[5m])) and since {since}'
    assert template_errors(template) == []
    assert render(template, {"client_key": 'a"b', "since": "1"}, lambda v: v.replace('"', '\\"')) == (
        'sum(rate(x{client="a\\"b", env="prod"}[5m])) and since 1'
    )
    assert template_errors("project = {client}") == [
        "unknown placeholder {client}; use {client_key}, {since}, {until}"
    ]


def test_jira_since_is_relative_minutes():
    since, until = datetime(2026, 1, 1, 10, 0, tzinfo=UTC), datetime(2026, 1, 1, 11, 30, tzinfo=UTC)
    assert JiraSource().render_query("updated >= {since}", since, until, None) == "updated >= -90m"


def test_mappings_are_checked_as_a_whole():
    with pytest.raises(InvalidConfiguration) as refused:
        compile_mappings(
            {"summry": "$.x", "summary": "$.[[", "opened_at": "$.c"},
            QueryTarget.TICKET_SUMMARY,
            "$[*]",
            False,
        )
    message = refused.value.message
    assert "'summry' is not a field of ticket_summary" in message
    assert "'external_key' is required for ticket_summary" in message
    assert "'client' is required for ticket_summary (or use {client_key} in the template)" in message
    assert "'summary': '$.[[' is not a valid JSONPath" in message


def frame(values: list, times: list) -> dict:
    return {"schema": {"fields": [{}, {"labels": {"client": "acme"}}]}, "data": {"values": [times, values]}}


MAPPING = {
    "client": "$.schema.fields[1].labels.client",
    "timestamp": "$.data.values[0][*]",
    "value": "$.data.values[1][*]",
    "metric_name": "m",
    "service": "EDR",
}


def test_a_frame_expands_into_one_row_per_point_with_constants_repeated():
    compiled = compile_mappings(MAPPING, SPM, FRAMES, False)
    page = {"results": {"A": {"frames": [frame([1, 2.5], [1767225600000, 1767225660000])]}}}
    rows = list(typed_rows([page], compiled, {}))
    assert rows == [
        {
            "client": "acme",
            "timestamp": datetime(2026, 1, 1, tzinfo=UTC),
            "value": 1.0,
            "metric_name": "m",
            "service": "EDR",
        },
        {
            "client": "acme",
            "timestamp": datetime(2026, 1, 1, 0, 1, tzinfo=UTC),
            "value": 2.5,
            "metric_name": "m",
            "service": "EDR",
        },
    ]


def test_an_empty_frame_or_result_is_no_data_but_a_wrong_path_is_an_error():
    compiled = compile_mappings(MAPPING, SPM, FRAMES, False)
    assert list(typed_rows([{"results": {"A": {"frames": []}}}], compiled, {})) == []
    assert list(typed_rows([{"results": {"A": {"frames": [frame([], [])]}}}], compiled, {})) == []
    with pytest.raises(
        MappingFailed, match=r"JSONPath \$\.results\.A\.frames\[\*\] \('rows'\) matched nothing"
    ):
        list(typed_rows([{"results": {"B": {}}}], compiled, {}))


def test_series_of_different_lengths_are_refused():
    compiled = compile_mappings(MAPPING, SPM, FRAMES, False)
    page = {"results": {"A": {"frames": [frame([1, 2], [1, 2, 3])]}}}
    with pytest.raises(MappingFailed, match=r"series of different lengths \(timestamp: 3, value: 2\)"):
        list(typed_rows([page], compiled, {}))


def test_a_bad_value_names_the_row_and_field():
    compiled = compile_mappings(MAPPING, SPM, FRAMES, False)
    page = {"results": {"A": {"frames": [frame([1, "n/a"], [1767225600000, 1767225660000])]}}}
    with pytest.raises(MappingFailed, match=r"row 2: 'value' 'n/a' is not a number"):
        list(typed_rows([page], compiled, {}))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-02T10:11:12.123+0000", datetime(2024, 1, 2, 10, 11, 12, 123000, tzinfo=UTC)),
        ("2024-01-02T11:11:12+01:00", datetime(2024, 1, 2, 10, 11, 12, tzinfo=UTC)),
        ("2024-01-02T10:11:12Z", datetime(2024, 1, 2, 10, 11, 12, tzinfo=UTC)),
        (1704190272, datetime(2024, 1, 2, 10, 11, 12, tzinfo=UTC)),
        (1704190272000, datetime(2024, 1, 2, 10, 11, 12, tzinfo=UTC)),
        ("2024-01-02 10:11:12", datetime(2024, 1, 2, 10, 11, 12, tzinfo=UTC)),
    ],
)
def test_dates_from_jira_grafana_and_prometheus(raw, expected):
    assert to_datetime(raw) == expected


def test_ticket_names_map_to_our_enums_with_source_overrides():
    assert to_enum("To Do", TicketStatus) is TicketStatus.OPEN
    assert to_enum({"name": "Waiting for customer"}, TicketStatus) is TicketStatus.WAITING_ON_CLIENT
    assert to_enum("Highest", TicketPriority) is TicketPriority.CRITICAL
    assert to_enum("Triage", TicketStatus, {"triage": "in_progress"}) is TicketStatus.IN_PROGRESS
    with pytest.raises(ValueError, match="'Triage' is not one of open, in_progress"):
        to_enum("Triage", TicketStatus)


def test_retry_after_as_seconds_or_http_date():
    response = requests.Response()
    response.headers["Retry-After"] = "7"
    assert retry_after_seconds(response) == 7.0
    response.headers["Retry-After"] = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert retry_after_seconds(response) == 0.0  # in the past: no wait
    assert is_transient(requests.ReadTimeout()) and not is_transient(requests.exceptions.SSLError())


def test_merging_submitted_secrets():
    stored = {"password": "old-password"}
    assert merge_submitted_secrets(stored, {"password": MASK}, ["password"]) == stored
    assert merge_submitted_secrets(stored, {"password": ""}, ["password"]) == {}
    assert merge_submitted_secrets(stored, {"password": "new-one-123"}, ["password"]) == {
        "password": "new-one-123"
    }
    assert merge_submitted_secrets(stored, {"token": "ignored"}, ["password"]) == stored
