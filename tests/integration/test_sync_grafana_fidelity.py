"""Grafana sync keeps exactly what the source holds (issue 20.1-20.3, 20.8), against the fake Grafana.

For each case: the rows stored equal the rows expected (count, keys, sums per series), a
re-run adds nothing, and the run's status and message say what a person needs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models.integrations import QueryTarget
from app.models.metrics import ServicePerformanceMetric, SLAMetric
from app.models.sync import SyncRunStatus
from app.services.sync import runs
from app.services.sync.runs import run_query
from tests.factories import make_client, make_service
from tests.fakes.grafana import EMPTY_FRAME, FRAMES_LEFT_OUT, NO_FRAMES, PROXY_PATH, Series
from tests.fakes.records import grafana_source, make_query, map_client

pytestmark = pytest.mark.usefixtures("encryption_key")
pytest_plugins = ("tests.fakes.fixtures",)

#: Label-based mapping of Grafana frames: the metric is the value field's name, the series its labels.
LABELLED_FRAMES = {
    "client": "$.schema.fields[1].labels.client",
    "metric_name": "$.schema.fields[1].name",
    "labels": "$.schema.fields[1].labels",
    "timestamp": "$.data.values[0][*]",
    "value": "$.data.values[1][*]",
    "service": "Managed EDR",
}
#: The same through the Prometheus proxy: `metric` holds the name and the labels.
LABELLED_MATRIX = {
    "client": "$.metric.client",
    "metric_name": "$.metric.__name__",
    "labels": "$.metric",
    "timestamp": "$.values[*][0]",
    "value": "$.values[*][1]",
    "service": "Managed EDR",
}


def minute(minutes_ago: int) -> int:
    return int(time.time()) // 60 * 60 - minutes_ago * 60


def samples(first: int, values: list[float]) -> list[tuple[int, float]]:
    return [(first + 60 * i, v) for i, v in enumerate(values)]


@pytest.fixture
def world(db_session):
    return {
        "acme": make_client(db_session, "Acme Corp"),
        "globex": make_client(db_session, "Globex"),
        "edr": make_service(db_session, "Managed EDR"),
    }


def grafana_query(db_session, fake_grafana, world, mappings, endpoint="/api/ds/query", config=None):
    source = grafana_source(db_session, fake_grafana.url, config=config or {})
    map_client(db_session, source, world["acme"], "acme")
    map_client(db_session, source, world["globex"], "globex")
    return make_query(
        db_session,
        source,
        endpoint=endpoint,
        query_template='{__name__=~"detections_total|sensor_throughput"}',
        jsonpath_mappings=mappings,
        target=QueryTarget.SERVICE_PERFORMANCE_METRIC,
    )


def stored(db_session) -> list[ServicePerformanceMetric]:
    db_session.expire_all()
    return list(db_session.scalars(select(ServicePerformanceMetric)))


def by_series(points) -> dict[tuple, tuple[int, float]]:
    """(client, metric, labels) -> (point count, sum of values)."""
    tally: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
    for client_id, metric, labels, value in points:
        key = (client_id, metric, tuple(sorted(labels.items())))
        tally[key][0] += 1
        tally[key][1] += value
    return {k: (n, round(total, 6)) for k, (n, total) in tally.items()}


def shared_name_series(first: int) -> list[Series]:
    """Two metrics, each with series that differ only by labels, for two clients."""
    return [
        Series("detections_total", {"client": "acme", "severity": "high"}, samples(first, [3, 4, 5, 6])),
        Series("detections_total", {"client": "acme", "severity": "low"}, samples(first, [30, 40, 50, 60])),
        Series("sensor_throughput", {"client": "acme", "sensor": "s1"}, samples(first, [1.5, 2.5, 3.5, 4.5])),
        Series(
            "sensor_throughput", {"client": "acme", "sensor": "s2"}, samples(first, [7.0, 8.0, 9.0, 10.0])
        ),
        Series(
            "detections_total", {"client": "globex", "severity": "high"}, samples(first, [11, 12, 13, 14])
        ),
    ]


def expected_from(series: list[Series], world) -> dict[tuple, tuple[int, float]]:
    return by_series((world[s.labels["client"]].id, s.name, s.labels, v) for s in series for _, v in s.points)


# --- 20.1: an empty answer is 0 rows and a success ---------------------------------------


@pytest.mark.parametrize("no_data", [EMPTY_FRAME, NO_FRAMES, FRAMES_LEFT_OUT])
def test_a_query_that_matches_nothing_is_zero_rows_and_a_success(db_session, fake_grafana, world, no_data):
    fake_grafana.series, fake_grafana.no_data = [], no_data
    query = grafana_query(db_session, fake_grafana, world, LABELLED_FRAMES)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert (run.pages, run.records_fetched, run.rows_inserted, run.rows_skipped) == (2, 0, 0, 0)
    assert run.error_message is None and stored(db_session) == []


def test_an_empty_prometheus_matrix_is_zero_rows_and_a_success(db_session, fake_grafana, world):
    fake_grafana.series = []
    query = grafana_query(db_session, fake_grafana, world, LABELLED_MATRIX, endpoint=PROXY_PATH)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert (run.records_fetched, run.rows_inserted) == (0, 0)


def test_a_first_window_without_samples_does_not_block_the_later_windows(db_session, fake_grafana, world):
    # 500 one-minute steps a window: the 24 h look-back is 3 windows; only the last has samples.
    series = shared_name_series(minute(20))
    fake_grafana.series = series
    query = grafana_query(db_session, fake_grafana, world, LABELLED_FRAMES, config={"max_data_points": 500})

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert run.pages == len(fake_grafana.requests_to("/api/ds/query")) == 3  # one request a window
    assert run.rows_inserted == 20
    assert by_series((p.client_id, p.metric_name, p.labels, p.value) for p in stored(db_session)) == (
        expected_from(series, world)
    )


# --- 20.2: a series is its name and its labels ---------------------------------------------


def test_series_sharing_a_name_are_kept_apart_by_their_labels(
    app, db_session, fake_grafana, world, monkeypatch
):
    monkeypatch.setitem(app.config, "MSSP_SYNC_OVERLAP_MINUTES", 60)  # the re-run reads them all again
    series = shared_name_series(minute(10))
    fake_grafana.series = series
    query = grafana_query(db_session, fake_grafana, world, LABELLED_FRAMES)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert (run.records_fetched, run.rows_inserted, run.rows_skipped) == (20, 20, 0)
    points = stored(db_session)
    assert len(points) == 20
    assert by_series((p.client_id, p.metric_name, p.labels, p.value) for p in points) == expected_from(
        series, world
    )
    assert {(p.metric_name, p.labels.get("severity"), int(p.timestamp.timestamp())) for p in points} >= {
        ("detections_total", "high", t) for t, _ in series[0].points
    } | {("detections_total", "low", t) for t, _ in series[1].points}

    again = run_query(query.id)

    assert again.status is SyncRunStatus.SUCCESS, again.error_message
    assert (again.records_fetched, again.rows_inserted, again.rows_updated) == (20, 0, 0)
    assert len(stored(db_session)) == 20


def test_points_the_mapping_cannot_tell_apart_are_counted_and_shown_never_a_silent_success(
    db_session, fake_grafana, world
):
    series = shared_name_series(minute(10))
    fake_grafana.series = series
    without_labels = {k: v for k, v in LABELLED_FRAMES.items() if k != "labels"}
    query = grafana_query(db_session, fake_grafana, world, without_labels)

    run = run_query(query.id)

    # 20 points read; per client and metric only one point a minute can be stored without labels:
    # acme detections 4 + acme throughput 4 + globex detections 4 = 12 stored, 8 skipped.
    assert run.status is SyncRunStatus.PARTIAL
    assert (run.records_fetched, run.rows_inserted, run.rows_skipped) == (20, 12, 8)
    assert run.rows_inserted + run.rows_skipped == run.records_fetched
    assert run.error_message.startswith(
        "8 point(s) skipped: same client, service, metric, labels and time as another point of this run"
    )
    assert "map 'labels' (e.g. $.schema.fields[1].labels or $.metric) to keep such series apart" in (
        run.error_message
    )
    assert len(stored(db_session)) == 12


def test_the_documented_ds_query_example_stores_each_severity(db_session, fake_grafana, world):
    """docs/integrations.md, example 1: an aggregate by client and severity, a constant metric name."""
    first = minute(10)
    series = [
        Series(None, {"client": "acme", "severity": "high"}, samples(first, [3, 4])),
        Series(None, {"client": "acme", "severity": "low"}, samples(first, [30, 40])),
    ]
    fake_grafana.series = series
    mappings = {
        "client": "$.schema.fields[1].labels.client",
        "labels": "$.schema.fields[1].labels",
        "timestamp": "$.data.values[0][*]",
        "value": "$.data.values[1][*]",
        "metric_name": "detections_per_minute",
        "service": "Managed EDR",
        "unit": "count",
    }
    query = grafana_query(db_session, fake_grafana, world, mappings)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert by_series((p.client_id, p.metric_name, p.labels, p.value) for p in stored(db_session)) == {
        (world["acme"].id, "detections_per_minute", (("client", "acme"), ("severity", "high"))): (2, 7.0),
        (world["acme"].id, "detections_per_minute", (("client", "acme"), ("severity", "low"))): (2, 70.0),
    }


# --- 20.3: Prometheus through the Grafana proxy ------------------------------------------


def test_proxy_points_carry_the_samples_time_and_a_rerun_20_s_later_adds_nothing(
    db_session, fake_grafana, world, monkeypatch
):
    base = minute(30)
    series = shared_name_series(base)
    fake_grafana.series = series
    query = grafana_query(db_session, fake_grafana, world, LABELLED_MATRIX, endpoint=PROXY_PATH)
    # The runs start 59 s into a minute, then 20 s later: an unaligned range would stamp each
    # point with those seconds instead of the sample's minute.
    first_start = datetime.fromtimestamp(base + 5 * 60 + 59, UTC)
    clock = iter([first_start, first_start + timedelta(seconds=20)])
    monkeypatch.setattr(runs, "utcnow", lambda: next(clock, first_start + timedelta(seconds=40)))

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    sent = fake_grafana.requests_to(PROXY_PATH)[0].query
    assert int(sent["start"]) % 60 == 0 and sent["step"] == "60"
    points = stored(db_session)
    assert run.rows_inserted == len(points) == 20
    assert sorted({int(p.timestamp.timestamp()) for p in points}) == [t for t, _ in series[0].points]
    assert by_series((p.client_id, p.metric_name, p.labels, p.value) for p in points) == by_series(
        (world[s.labels["client"]].id, s.name, {**s.labels, "__name__": s.name}, v)
        for s in series
        for _, v in s.points
    )

    again = run_query(query.id)

    assert again.status is SyncRunStatus.SUCCESS, again.error_message
    assert (again.rows_inserted, again.rows_updated) == (0, 0) and again.records_fetched == 20
    assert len(stored(db_session)) == 20


# --- 20.8: a name longer than its column is refused visibly ------------------------------


def test_a_metric_name_longer_than_its_column_is_skipped_and_counted_never_cut(
    db_session, fake_grafana, world
):
    long_name = "soc_" + "x" * 98  # 102 characters; the column holds 100
    fake_grafana.series = [
        Series(long_name, {"client": "acme"}, samples(minute(10), [1.0, 2.0])),
        Series("detections_total", {"client": "acme"}, samples(minute(10), [5.0])),
    ]
    query = grafana_query(db_session, fake_grafana, world, LABELLED_FRAMES)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.PARTIAL
    assert (run.records_fetched, run.rows_inserted, run.rows_skipped) == (3, 1, 2)
    assert run.error_message.startswith(
        "2 row(s) skipped: 'metric_name' longer than the 100 characters its column holds "
        "(e.g. 102 characters: 'soc_xxxxxxxx"
    )
    assert [p.metric_name for p in stored(db_session)] == ["detections_total"]


# --- SLA figures: one per client, metric and period -----------------------------------------


def test_sla_figures_of_one_period_read_twice_are_counted_and_shown(db_session, fake_grafana, world):
    # Daily availability mapped from a per-minute series: every minute of a day is the same period.
    fake_grafana.series = [Series(None, {"client": "acme"}, samples(minute(10), [99.1, 99.2, 99.3]))]
    sla = {
        "client": "$.schema.fields[1].labels.client",
        "period_start": "$.data.values[0][*]",
        "period_end": "$.data.values[0][*]",
        "actual_value": "$.data.values[1][*]",
        "metric_name": "Availability",
        "target_value": "99.0",
        "unit": "percent",
    }
    source = grafana_source(db_session, fake_grafana.url)
    map_client(db_session, source, world["acme"], "acme")
    query = make_query(
        db_session,
        source,
        endpoint="/api/ds/query",
        query_template="avg_over_time(up[1d])",
        jsonpath_mappings=sla,
        target=QueryTarget.SLA_METRIC,
    )

    run = run_query(query.id)

    days = {datetime.fromtimestamp(t, UTC).date() for t, _ in fake_grafana.series[0].points}
    assert run.status is SyncRunStatus.PARTIAL
    assert (run.records_fetched, run.rows_inserted, run.rows_skipped) == (3, len(days), 3 - len(days))
    assert run.error_message.startswith(
        f"{3 - len(days)} SLA figure(s) skipped: same client, metric and period as another record of this run"
    )
    stored_sla = db_session.scalars(select(SLAMetric).where(SLAMetric.client_id == world["acme"].id)).all()
    assert [float(m.actual_value) for m in sorted(stored_sla, key=lambda m: m.period_start)][-1] == 99.3
