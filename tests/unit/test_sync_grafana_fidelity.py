"""Pure parts of Grafana fidelity (issue 20): series labels, aligned windows, empty frames, long text."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from app.integrations.base import FetchRequest
from app.integrations.errors import MappingFailed
from app.integrations.grafana import GrafanaSource, is_empty_frame
from app.integrations.mapping import TypingNotes, compile_mappings, labels_text, typed_rows
from app.models.integrations import QueryTarget

SPM = QueryTarget.SERVICE_PERFORMANCE_METRIC
FRAMES = "$.results.A.frames[*]"
LABELLED = {
    "client": "$.schema.fields[1].labels.client",
    "metric_name": "$.schema.fields[1].name",
    "labels": "$.schema.fields[1].labels",
    "timestamp": "$.data.values[0][*]",
    "value": "$.data.values[1][*]",
    "service": "EDR",
}


def frame(name: str, labels: dict, times: list[int], values: list[float]) -> dict:
    return {
        "schema": {"fields": [{"name": "Time"}, {"name": name, "labels": labels}]},
        "data": {"values": [times, values]},
    }


def page(*frames: dict) -> dict:
    return {"results": {"A": {"frames": list(frames)}}}


def test_labels_are_canonical_text_whatever_their_order():
    assert labels_text({"sensor": "s1", "client": "acme"}) == labels_text({"client": "acme", "sensor": "s1"})
    assert labels_text({"client": "acme", "sensor": "s1"}) == '{"client":"acme","sensor":"s1"}'
    assert labels_text(None) == "{}" and labels_text({"port": 443}) == '{"port":"443"}'
    with pytest.raises(ValueError, match="not an object of label names"):
        labels_text(["a"])
    with pytest.raises(ValueError, match="label 'x' has"):
        labels_text({"x": {"nested": 1}})


def test_frames_of_one_metric_keep_their_labels_row_by_row():
    compiled = compile_mappings(LABELLED, SPM, FRAMES, False)
    rows = list(
        typed_rows(
            [
                page(
                    frame("detections", {"client": "acme", "severity": "high"}, [1767225600000], [3]),
                    frame("detections", {"client": "acme", "severity": "low"}, [1767225600000], [30]),
                )
            ],
            compiled,
            {},
        )
    )
    assert [(r["metric_name"], r["labels"], r["value"]) for r in rows] == [
        ("detections", '{"client":"acme","severity":"high"}', 3.0),
        ("detections", '{"client":"acme","severity":"low"}', 30.0),
    ]


def test_a_name_longer_than_its_column_is_never_cut():
    compiled = compile_mappings(LABELLED, SPM, FRAMES, False)
    long_name = "n" * 102
    payload = page(
        frame(long_name, {"client": "acme"}, [1767225600000, 1767225660000], [1, 2]),
        frame("ok", {"client": "acme"}, [1767225600000], [5]),
    )
    with pytest.raises(MappingFailed, match="row 1: 'metric_name' is 102 characters, longer than the 100"):
        list(typed_rows([payload], compiled, {}))

    notes = TypingNotes()
    rows = list(typed_rows([payload], compiled, {}, notes))
    assert [r["metric_name"] for r in rows] == ["ok"]
    assert (notes.refused_rows, notes.refused) == (2, {"metric_name": 2})
    assert notes.summary()[0].startswith(
        "2 row(s) skipped: 'metric_name' longer than the 100 characters its column holds (e.g. 102 characters"
    )


def test_a_ticket_summary_longer_than_its_column_is_shortened_visibly_and_counted():
    mappings = {"external_key": "$.key", "summary": "$.summary", "opened_at": "$.created", "client": "$.c"}
    compiled = compile_mappings(mappings, QueryTarget.TICKET_SUMMARY, "$[*]", False)
    issues = [{"key": "SOC-1", "summary": "s" * 600, "created": "2026-01-01T00:00:00Z", "c": "acme"}]
    notes = TypingNotes()
    [row] = typed_rows([issues], compiled, {}, notes)
    assert len(row["summary"]) == 500 and row["summary"].endswith("\u2026")
    assert notes.shortened == {"summary": 1} and notes.refused_rows == 0
    assert notes.summary() == ["1 'summary' value(s) shortened to 500 characters (ending in \u2026)"]


def request(since: datetime, until: datetime) -> FetchRequest:
    return FetchRequest("/api/ds/query", "up", since, until, 100, 100, time.monotonic() + 60, {})


def test_windows_start_on_a_step_boundary_and_share_no_instant():
    since = datetime(2026, 12, 5, 7, 0, 59, tzinfo=UTC)  # a run's clock: 59 s into the minute
    until = since + timedelta(minutes=25)
    windows = list(GrafanaSource.windows(request(since, until), 60, 10))
    assert windows[0][0] == datetime(2026, 12, 5, 7, 0, tzinfo=UTC)
    assert [(s.minute, e.minute) for s, e in windows] == [(0, 9), (10, 19), (20, 25)]
    assert all(s.second == 0 for s, _ in windows) and windows[-1][1] == until
    # A run 20 s later evaluates on the same grid of instants: it finds the points stored.
    later = list(GrafanaSource.windows(request(since + timedelta(seconds=20), until), 60, 10))
    assert [(s.minute, s.second) for s, _ in later] == [(1, 0), (11, 0), (21, 0)]


def test_an_empty_frame_is_one_with_no_fields_or_no_values_and_only_a_frame_is_empty():
    assert is_empty_frame({"schema": {"fields": []}, "data": {"values": []}})
    assert is_empty_frame(
        {"schema": {"fields": [{"name": "Time"}, {"name": "Value"}]}, "data": {"values": [[], []]}}
    )
    assert is_empty_frame({"schema": {"refId": "A"}})
    assert not is_empty_frame({"schema": {"fields": [{"name": "Time"}]}, "data": {"values": [[1], [2]]}})
    assert not is_empty_frame({"unexpected": True}) and not is_empty_frame([])
