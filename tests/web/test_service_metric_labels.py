"""A metric point's series labels (issue 20.2) over HTTP: written and read through the API, shown on
the Service Metrics list, and bad labels refused where they enter."""

from __future__ import annotations

from tests.web.html import list_rows

POINT = {"metric_name": "detections_total", "timestamp": "2026-02-01T08:00:00+00:00"}


def point(world, labels=None, value=3.0) -> dict:
    body = {**POINT, "client_id": world["client"], "service_id": world["service"], "value": value}
    return body if labels is None else {**body, "labels": labels}


def test_two_series_of_one_metric_differ_by_labels_and_the_list_shows_them(api, world, login_as):
    high = api("post", "/api/v1/service_metric/", point(world, {"severity": "high", "client": "acme"}))
    low = api("post", "/api/v1/service_metric/", point(world, {"severity": "low", "client": "acme"}, 30.0))
    assert (high.status_code, low.status_code) == (201, 201), (high.get_json(), low.get_json())
    assert high.get_json()["result"]["labels"] == {"severity": "high", "client": "acme"}

    again = api("post", "/api/v1/service_metric/", point(world, {"client": "acme", "severity": "high"}))
    assert again.status_code == 422, again.get_json()  # the same series and time: already stored

    page = login_as("Manager").get("/servicemetricview/list/?_flt_0_metric_name=detections_total")
    assert page.status_code == 200
    rows = list_rows(page.get_data(as_text=True))
    labels_at = rows[0].index("Labels")
    assert sorted(row[labels_at] for row in rows[1:]) == [
        'client="acme", severity="high"',
        'client="acme", severity="low"',
    ]


def test_a_point_without_labels_is_a_series_without_labels(api, world):
    created = api("post", "/api/v1/service_metric/", point(world))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["result"]["labels"] == {}


def test_labels_that_are_not_an_object_are_refused_naming_the_field(api, world):
    for bad in ("severity=high", ["high"], 5, {"severity": {"level": 1}}, {"severity": None}, {"port": 443}):
        response = api("post", "/api/v1/service_metric/", point(world, bad))
        assert response.status_code == 422, (bad, response.get_json())
        assert response.get_json()["field"] == "labels"
    nul = api("post", "/api/v1/service_metric/", point(world, {"severity": "hi\u0000gh"}))
    assert nul.status_code == 400 and nul.get_json()["field"] == "labels.severity"
