"""A fake Grafana: `/api/health` (no auth), `/api/ds/query` frames, the Prometheus proxy matrix.

Series are per value of the `client` label: a list of (epoch seconds, value).
`/api/ds/query` answers `results.A.frames[]` with `schema.fields` and
`data.values` (epoch ms, floats) for the points between `from` and `to`; the
proxy's `query_range` answers a matrix with `[unix_s, "string"]` values. Auth is
`Bearer <service account token>`; a 401 body is JSON with `message`.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply

SA_TOKEN = "glsa_fakeServiceAccountToken_0123"
DATASOURCE_UID = "prom-soc"
PROXY_PATH = f"/api/datasources/proxy/uid/{DATASOURCE_UID}/api/v1/query_range"


class FakeGrafana(FakeServer):
    def __init__(self, series: dict[str, list[tuple[int, float]]] | None = None, **kw: Any) -> None:
        self.series = series or {}
        super().__init__(**kw)

    def route(self, request: Recorded) -> Reply:
        if request.path == "/api/health":
            return Reply(200, {"commit": "abc123", "database": "ok", "version": "11.3.0"})
        if request.headers.get("Authorization") != f"Bearer {SA_TOKEN}":
            return Reply(401, {"message": "invalid API key", "traceID": ""})
        if request.path == f"/api/datasources/uid/{DATASOURCE_UID}":
            return Reply(200, {"uid": DATASOURCE_UID, "name": "Prometheus SOC", "type": "prometheus"})
        if request.path == "/api/org":
            return Reply(200, {"id": 1, "name": "Main Org."})
        if request.path == "/api/ds/query" and request.method == "POST":
            return self.ds_query(request.body or {})
        if request.path == PROXY_PATH:
            return self.query_range(request.query)
        return Reply(404, {"message": "Not found"})

    def points(self, start_s: float, end_s: float, expr: str = "") -> dict[str, list[tuple[int, float]]]:
        """The series in [start, end]; a `client="x"` matcher in the PromQL keeps that client only."""
        wanted = re.search(r'client="([^"]*)"', expr)
        return {
            client: [(t, v) for t, v in points if start_s <= t <= end_s]
            for client, points in self.series.items()
            if wanted is None or wanted.group(1) == client
        }

    def ds_query(self, body: dict) -> Reply:
        query = body["queries"][0]
        start, end = int(body["from"]) / 1000, int(body["to"]) / 1000
        frames = []
        for client, points in self.points(start, end, query.get("expr", "")).items():
            frames.append(
                {
                    "schema": {
                        "refId": query["refId"],
                        "meta": {"type": "timeseries-multi", "typeVersion": [0, 1]},
                        "fields": [
                            {"name": "Time", "type": "time", "typeInfo": {"frame": "time.Time"}},
                            {
                                "name": "Value",
                                "type": "number",
                                "typeInfo": {"frame": "float64"},
                                "labels": {"client": client, "env": "prod"},
                            },
                        ],
                    },
                    "data": {"values": [[t * 1000 for t, _ in points], [v for _, v in points]]},
                }
            )
        return Reply(200, {"results": {query["refId"]: {"status": 200, "frames": frames}}})

    def query_range(self, params: dict[str, str]) -> Reply:
        result = [
            {
                "metric": {"__name__": "edr_online", "client": client},
                "values": [[t, str(v)] for t, v in points],
            }
            for client, points in self.points(
                float(params["start"]), float(params["end"]), params["query"]
            ).items()
        ]
        return Reply(200, {"status": "success", "data": {"resultType": "matrix", "result": result}})
