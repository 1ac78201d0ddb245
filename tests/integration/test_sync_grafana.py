"""Grafana sync against the fake Grafana: data frames, the Prometheus proxy, per-client queries."""

from __future__ import annotations

import math
import time

import pytest
from sqlalchemy import func, select

from app.models.integrations import QueryTarget
from app.models.metrics import ServicePerformanceMetric
from app.models.sync import SyncRunStatus
from app.services.sync.runs import run_query
from tests.factories import make_client, make_service
from tests.fakes.grafana import PROXY_PATH
from tests.fakes.records import FRAME_MAPPINGS, MATRIX_MAPPINGS, grafana_source, make_query, map_client

pytestmark = pytest.mark.usefixtures("encryption_key")
pytest_plugins = ("tests.fakes.fixtures",)

def minute_start(minutes_ago: int = 30) -> int:
    """The start of the minute `minutes_ago` before now, in epoch seconds (read when called, never
    at import: the re-run test needs its points within the sync overlap of this moment)."""
    return int(time.time()) // 60 * 60 - minutes_ago * 60


def series(values: list[float], start: int | None = None) -> list[tuple[int, float]]:
    """Points a minute apart from `start` (default: 30 minutes before the current minute)."""
    first = minute_start() if start is None else start
    return [(first + 60 * i, v) for i, v in enumerate(values)]


@pytest.fixture
def world(db_session):
    world = {"acme": make_client(db_session, "Acme Corp"), "globex": make_client(db_session, "Globex")}
    world["edr"] = make_service(db_session, "Managed EDR")  # the name the frame mappings give
    return world


def points(db_session) -> list[ServicePerformanceMetric]:
    return list(
        db_session.scalars(
            select(ServicePerformanceMetric).order_by(
                ServicePerformanceMetric.client_id, ServicePerformanceMetric.timestamp
            )
        )
    )


def ds_query(db_session, fake_grafana, world, **kw):
    source = grafana_source(db_session, fake_grafana.url)
    map_client(db_session, source, world["acme"], "acme")
    map_client(db_session, source, world["globex"], "globex")
    defaults = {
        "endpoint": "/api/ds/query",
        "query_template": 'avg by (client) (edr_endpoints_online_ratio{env="prod"}) * 100',
        "jsonpath_mappings": FRAME_MAPPINGS,
        "target": QueryTarget.SERVICE_PERFORMANCE_METRIC,
    }
    return make_query(db_session, source, **{**defaults, **kw})


def test_ds_query_frames_become_points_for_each_client(db_session, fake_grafana, world):
    fake_grafana.series = {"acme": series([99.5, 98.0, 97.25]), "globex": series([88.0, 89.5])}
    query = ds_query(db_session, fake_grafana, world)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert (run.pages, run.records_fetched, run.rows_inserted) == (2, 5, 5)  # 24 h in 1000-step windows
    body = fake_grafana.requests_to("/api/ds/query")[0].body
    sent = body["queries"][0]
    assert sent["intervalMs"] == 60_000 and sent["maxDataPoints"] == 1000  # else Grafana picks a coarse step
    assert sent["datasource"] == {"uid": "prom-soc", "type": "prometheus"} and sent["refId"] == "A"
    assert sent["expr"] == 'avg by (client) (edr_endpoints_online_ratio{env="prod"}) * 100'
    assert int(body["to"]) - int(body["from"]) <= 1000 * 60_000
    stored = points(db_session)
    acme = [p for p in stored if p.client_id == world["acme"].id]
    assert [p.value for p in acme] == [99.5, 98.0, 97.25]
    assert [int(p.timestamp.timestamp()) for p in acme] == [t for t, _ in fake_grafana.series["acme"]]
    assert {p.metric_name for p in stored} == {"endpoints_online_pct"} and {p.unit for p in stored} == {
        "percent"
    }
    assert {p.service_id for p in stored} == {world["edr"].id}


def test_rerunning_a_metric_query_updates_changed_points_only(
    app, db_session, fake_grafana, world, monkeypatch
):
    # The second run re-reads what lies within the overlap: an hour here, not the default 5 minutes,
    # so a slow first run on a loaded machine cannot leave the points behind. The clock is read
    # once: both runs serve the same timestamps even when the minute turns in between.
    monkeypatch.setitem(app.config, "MSSP_SYNC_OVERLAP_MINUTES", 60)
    start = minute_start(3)
    fake_grafana.series = {"acme": series([1.0, 2.0, 3.0], start)}
    query = ds_query(db_session, fake_grafana, world)
    run_query(query.id)

    fake_grafana.series = {"acme": series([1.0, 2.5, 3.0, 4.0], start)}
    again = run_query(query.id)

    assert (again.rows_inserted, again.rows_updated) == (1, 1)
    assert db_session.scalar(select(func.count()).select_from(ServicePerformanceMetric)) == 4
    assert [p.value for p in points(db_session)] == [1.0, 2.5, 3.0, 4.0]


def test_prometheus_proxy_matrix_values_are_strings_and_seconds(db_session, fake_grafana, world):
    fake_grafana.series = {"acme": series([0.5, 0.75]), "globex": series([1.0])}
    query = ds_query(db_session, fake_grafana, world, endpoint=PROXY_PATH, jsonpath_mappings=MATRIX_MAPPINGS)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert run.rows_inserted == 3
    params = fake_grafana.requests_to(PROXY_PATH)[0].query
    assert params["step"] == "60" and int(params["end"]) > int(params["start"])
    assert sorted(p.value for p in points(db_session)) == [0.5, 0.75, 1.0]


def test_a_per_client_promql_template_runs_once_per_mapped_label(db_session, fake_grafana, world):
    fake_grafana.series = {"acme": series([1.0])}
    mappings = {k: v for k, v in MATRIX_MAPPINGS.items() if k != "client"}
    query = ds_query(
        db_session,
        fake_grafana,
        world,
        endpoint=PROXY_PATH,
        jsonpath_mappings=mappings,
        query_template='edr_online{client="{client_key}"}',
    )

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    sent = sorted({r.query["query"] for r in fake_grafana.requests_to(PROXY_PATH)})
    assert sent == ['edr_online{client="acme"}', 'edr_online{client="globex"}']
    assert [p.client_id for p in points(db_session)] == [world["acme"].id]


def test_a_bad_service_account_token_reports_grafanas_message(db_session, fake_grafana, world):
    source = grafana_source(db_session, fake_grafana.url, secrets={"token": "glsa_wrong_token"})
    query = make_query(
        db_session,
        source,
        endpoint="/api/ds/query",
        query_template="up",
        jsonpath_mappings=FRAME_MAPPINGS,
        target=QueryTarget.SERVICE_PERFORMANCE_METRIC,
    )

    run = run_query(query.id)

    assert run.status is SyncRunStatus.FAILED and run.error_kind == "auth"
    assert run.error_message == "authentication refused by 127.0.0.1 (HTTP 401): invalid API key"


def test_nan_points_are_skipped_and_counted(db_session, fake_grafana, world):
    fake_grafana.series = {"acme": series([1.0, math.nan, 2.0])}
    query = ds_query(db_session, fake_grafana, world, endpoint=PROXY_PATH, jsonpath_mappings=MATRIX_MAPPINGS)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.PARTIAL
    assert (run.rows_inserted, run.rows_skipped) == (2, 1)
    assert run.error_message == "1 point(s) skipped: value is NaN or infinite"


def test_an_unknown_service_name_fails_the_run(db_session, fake_grafana, world):
    fake_grafana.series = {"acme": series([1.0])}
    query = ds_query(
        db_session, fake_grafana, world, jsonpath_mappings={**FRAME_MAPPINGS, "service": "Managed XDR"}
    )
    run = run_query(query.id)
    assert run.status is SyncRunStatus.FAILED and run.error_kind == "mapping"
    assert run.error_message == "service 'Managed XDR' is not in the service catalog (use its exact name)"
    assert points(db_session) == []
