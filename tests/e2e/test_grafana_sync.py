"""An admin connects the demo's Grafana and runs its Prometheus proxy query, in a real browser (issue 20).

The demo source "SOC Grafana" is pointed at the fake Grafana (tests/fakes/grafana.py), which
serves two series per client that differ only by a `severity` label. The run's message, the
stored series (each with its labels on the Service Metrics list) and a re-run that adds
nothing are what the admin sees.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import form_errors, screenshot, sign_in
from tests.fakes.grafana import SA_TOKEN, FakeGrafana, Series

pytestmark = pytest.mark.e2e

QUERY = "SOC detections by severity (Prometheus through Grafana)"


@pytest.fixture
def fake_grafana() -> Iterator[FakeGrafana]:
    server = FakeGrafana()
    server.datasource_uid = "prometheus-soc"  # the demo source's data source
    yield server
    server.close()


def table_rows(page) -> list[list[str]]:
    """The list table's rows (the header first), each as the text of its cells (not the filters')."""
    return page.evaluate(
        """() => [...document.querySelectorAll('table.table-hover:not(.filters) tr')].map(
            tr => [...tr.querySelectorAll('th, td')].map(c => c.innerText.trim()))"""
    )


def show_url(page, list_url: str, row_text: str) -> str:
    page.goto(list_url)
    link = page.locator("table tr", has_text=row_text).first.locator("a[href*='/show/']").first
    return link.get_attribute("href")


def run_now(page, query_show: str) -> str:
    page.goto(query_show)
    page.locator("a.btn", has_text="Run now").first.click()
    # FAB asks in its modal ("Run the selected queries now?"); OK posts the action form.
    ok = page.locator("#modal-confirm-ok:visible")  # the page holds the modal twice (related tabs)
    ok.wait_for()
    with page.expect_navigation(url=lambda url: "#" not in url):
        ok.click()
    page.locator(".alert").first.wait_for()
    return " ".join(page.locator(".alert").all_inner_texts())


def test_admin_runs_the_demo_prometheus_query_and_sees_each_series(page, fake_grafana):
    sign_in(page, "Admin")

    # Two clients the demo maps in SOC Grafana, by their `client` label value.
    page.goto("/clientsourcemappingview/list/?psize_ClientSourceMappingView=100")
    rows = table_rows(page)
    key_at = rows[0].index("Key in the source")
    keys = [row[key_at] for row in rows[1:] if any("SOC Grafana" in cell for cell in row)][:2]
    assert len(keys) == 2, rows[:5]
    moment = int(time.time()) // 60 * 60 - 30 * 60
    fake_grafana.series = [
        Series(None, {"client": key, "severity": severity}, [(moment, value)])
        for key in keys
        for severity, value in (("high", 2.0), ("low", 9.0))
    ]

    # Point the source at the fake Grafana and switch it on.
    source = show_url(page, "/datasourceview/list/", "SOC Grafana")
    page.goto(source.replace("/show/", "/edit/"))
    page.fill("#base_url", fake_grafana.url)
    page.fill("#token", SA_TOKEN)
    page.check("#is_active")
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()
    assert page.locator(".alert-success").count(), form_errors(page)

    query = show_url(page, "/datasourcequeryview/list/", QUERY)
    message = run_now(page, query)
    assert f"{QUERY}: success, 4 inserted, 0 updated, 0 skipped" in message, message
    screenshot(page, "admin-grafana-proxy-query-run")

    page.goto("/servicemetricview/list/?_flt_0_metric_name=detections_per_minute")
    rows = table_rows(page)
    labels_at = rows[0].index("Labels")
    shown = sorted(row[labels_at] for row in rows[1:] if len(row) > labels_at)
    assert shown == sorted(f'client="{key}", severity="{sev}"' for key in keys for sev in ("high", "low"))
    screenshot(page, "service-metrics-series-labels")

    again = run_now(page, query)
    assert re.search(rf"{re.escape(QUERY)}: success, 0 inserted, 0 updated, 0 skipped", again), again
