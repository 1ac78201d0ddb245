"""A fake Grafana: `/api/health` (no auth), `/api/ds/query` frames, the Prometheus proxy matrix.

Series are stored samples, (epoch seconds, value), each with a metric name and labels:
either `{client: [(t, v), ...]}` (an aggregate by `client`: no name, labels `client` and
`env`) or a list of `Series` (names and labels of one's own, e.g. one metric by severity).

Both endpoints evaluate like Prometheus: at `start`, `start + step`, ... up to `end`
(inclusive), each instant taking the newest sample within one step before it (Prometheus
looks back 5 minutes; one step keeps one point per sample), stamped with the instant, not
the sample. So an unaligned `start` stamps every point with the caller's clock seconds.
`/api/ds/query` aligns `from`/`to` to its step first, as Grafana does, and answers
`results.A.frames[]`: per series `schema.fields` [Time, value field named after the metric
(`Value` without one) with the labels] and `data.values` (epoch ms, floats). A query that
matches nothing gets what Grafana sends (`no_data`): one frame with no fields (default),
an empty frame list, or no `frames` key at all. The proxy's `query_range` answers a matrix
with `[unix_s, "string"]` values and `metric` = `__name__` + labels. A `client="x"`
matcher in the PromQL keeps the series whose `client` label is x. Auth is
`Bearer <service account token>`; a 401 body is JSON with `message`.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply

SA_TOKEN = "glsa_fakeServiceAccountToken_0123"
DATASOURCE_UID = "prom-soc"
PROXY_PATH = f"/api/datasources/proxy/uid/{DATASOURCE_UID}/api/v1/query_range"
#: What /api/ds/query answers when no series matches: Grafana's own shapes.
EMPTY_FRAME, NO_FRAMES, FRAMES_LEFT_OUT = "empty_frame", "no_frames", "frames_left_out"


@dataclass
class Series:
    name: str | None  # the metric name (`__name__`); None for an aggregate
    labels: dict[str, str]
    points: list[tuple[int, float]] = field(default_factory=list)

    def evaluate(self, start: float, end: float, step: float) -> list[tuple[float, float]]:
        """The value at each instant start + k*step <= end: the newest sample in (t - step, t]."""
        samples = sorted(self.points)
        times = [t for t, _ in samples]
        out = []
        k = 0
        while start + k * step <= end:
            instant = start + k * step
            newest = bisect.bisect_right(times, instant) - 1
            if newest >= 0 and times[newest] > instant - step:
                out.append((instant, samples[newest][1]))
            k += 1
        return out


def _number(instant: float) -> int | float:
    return int(instant) if float(instant).is_integer() else instant


class FakeGrafana(FakeServer):
    def __init__(
        self, series: dict[str, list[tuple[int, float]]] | list[Series] | None = None, **kw: Any
    ) -> None:
        self.series = series or {}
        self.no_data = EMPTY_FRAME
        self.datasource_uid = DATASOURCE_UID
        super().__init__(**kw)

    @property
    def proxy_path(self) -> str:
        return f"/api/datasources/proxy/uid/{self.datasource_uid}/api/v1/query_range"

    def route(self, request: Recorded) -> Reply:
        if request.path == "/api/health":
            return Reply(200, {"commit": "abc123", "database": "ok", "version": "11.3.0"})
        if request.headers.get("Authorization") != f"Bearer {SA_TOKEN}":
            return Reply(401, {"message": "invalid API key", "traceID": ""})
        if request.path == f"/api/datasources/uid/{self.datasource_uid}":
            return Reply(200, {"uid": self.datasource_uid, "name": "Prometheus SOC", "type": "prometheus"})
        if request.path == "/api/org":
            return Reply(200, {"id": 1, "name": "Main Org."})
        if request.path == "/api/ds/query" and request.method == "POST":
            return self.ds_query(request.body or {})
        if request.path == self.proxy_path:
            return self.query_range(request.query)
        return Reply(404, {"message": "Not found"})

    def all_series(self) -> list[Series]:
        if isinstance(self.series, dict):
            return [
                Series(None, {"client": client, "env": "prod"}, list(points))
                for client, points in self.series.items()
            ]
        return list(self.series)

    def evaluated(self, start: float, end: float, step: float, expr: str) -> list[tuple[Series, list]]:
        """Each matching series with its points at the instants of [start, end] (none: left out)."""
        wanted = re.search(r'client="([^"]*)"', expr)
        answer = []
        for series in self.all_series():
            if wanted is not None and series.labels.get("client") != wanted.group(1):
                continue
            points = series.evaluate(start, end, step)
            if points:
                answer.append((series, points))
        return answer

    def ds_query(self, body: dict) -> Reply:
        query = body["queries"][0]
        start, end = int(body["from"]) / 1000, int(body["to"]) / 1000
        points_cap = query.get("maxDataPoints", 1000)
        step = max(query.get("intervalMs", 15_000) / 1000, math.ceil((end - start) / points_cap))
        aligned_start, aligned_end = start // step * step, end // step * step  # as Grafana does
        frames = []
        for series, points in self.evaluated(aligned_start, aligned_end, step, query.get("expr", "")):
            frames.append(
                {
                    "schema": {
                        "refId": query["refId"],
                        "meta": {"type": "timeseries-multi", "typeVersion": [0, 1]},
                        "fields": [
                            {"name": "Time", "type": "time", "typeInfo": {"frame": "time.Time"}},
                            {
                                "name": series.name or "Value",
                                "type": "number",
                                "typeInfo": {"frame": "float64"},
                                "labels": dict(series.labels),
                            },
                        ],
                    },
                    "data": {"values": [[int(t * 1000) for t, _ in points], [v for _, v in points]]},
                }
            )
        result: dict[str, Any] = {"status": 200, "frames": frames}
        if not frames and self.no_data == EMPTY_FRAME:
            result["frames"] = [
                {
                    "schema": {
                        "refId": query["refId"],
                        "meta": {
                            "type": "timeseries-multi",
                            "typeVersion": [0, 1],
                            "executedQueryString": f"Expr: {query.get('expr', '')}\nStep: {int(step)}s",
                        },
                        "fields": [],
                    },
                    "data": {"values": []},
                }
            ]
        elif not frames and self.no_data == FRAMES_LEFT_OUT:
            del result["frames"]
        return Reply(200, {"results": {query["refId"]: result}})

    def query_range(self, params: dict[str, str]) -> Reply:
        result = []
        for series, points in self.evaluated(
            float(params["start"]), float(params["end"]), float(params["step"]), params["query"]
        ):
            metric = dict(series.labels)
            if series.name:
                metric["__name__"] = series.name
            elif isinstance(self.series, dict):  # the legacy per-client shape names its metric
                metric = {"__name__": "edr_online", "client": series.labels["client"]}
            result.append({"metric": metric, "values": [[_number(t), str(v)] for t, v in points]})
        return Reply(200, {"status": "success", "data": {"resultType": "matrix", "result": result}})
