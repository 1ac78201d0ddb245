"""Grafana: `POST /api/ds/query` (data frames) and the Prometheus proxy `query_range` (matrix).

`intervalMs` and `maxDataPoints` are always sent: without them Grafana picks a
coarse step (30 days -> 6 h). A long window is fetched in chunks of at most
`max_data_points` steps, one page each, so the page cap bounds it too.
Auth: `Authorization: Bearer <service account token>`; `/api/health` needs none.

Prometheus evaluates a range query at `start`, `start + step`, ...: the range starts on a
multiple of the step (as Grafana aligns its own queries), so every run asks for the same
instants and a re-run finds the points it stored; consecutive windows share no instant
(both ends are inclusive). No data is not an error: Grafana answers a query that matched
nothing with no frames, or with one frame that has no fields or no values; such frames
are dropped before mapping, so the run stores 0 rows and succeeds. An answer without
`results.A`, or frames that are not a list, is still a failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from app.integrations.base import DataSourceType, FetchRequest, object_schema
from app.integrations.errors import UnexpectedResponse
from app.integrations.http import SourceClient, check_status, parse_json
from app.models.integrations import SourceType

DS_QUERY = "/api/ds/query"
PROXY_RE = re.compile(r"^/api/datasources/proxy/(uid/[^/]+|\d+)/api/v1/query_range/?$")
REF_ID = "A"
DEFAULT_STEP_SECONDS = 60
DEFAULT_MAX_POINTS = 1000


def _path(endpoint: str) -> str:
    return "/" + endpoint.strip().lstrip("/")


class GrafanaSource(DataSourceType):
    source_type: ClassVar[SourceType] = SourceType.GRAFANA
    label: ClassVar[str] = "Grafana (data source query or Prometheus proxy)"
    config_schema: ClassVar[dict[str, Any]] = object_schema(
        {
            "org_id": {"type": "integer", "minimum": 1},
            "datasource_uid": {"type": "string", "minLength": 1},
            "datasource_type": {"type": "string", "minLength": 1, "description": "default prometheus"},
            "step_seconds": {"type": "integer", "minimum": 1, "maximum": 86400},
            "max_data_points": {"type": "integer", "minimum": 1, "maximum": 11000},
        }
    )

    def rows_path(self, endpoint: str) -> str:
        return "$.data.result[*]" if PROXY_RE.match(_path(endpoint)) else f"$.results.{REF_ID}.frames[*]"

    def query_errors(self, endpoint: str, template: str | None, config: Mapping[str, Any]) -> list[str]:
        path = _path(endpoint)
        problems = []
        if path == DS_QUERY:
            if not config.get("datasource_uid"):
                problems.append("a /api/ds/query query needs 'datasource_uid' in the source's settings")
        elif not PROXY_RE.match(path):
            problems.append(
                f"a Grafana query uses {DS_QUERY} or /api/datasources/proxy/uid/<uid>/api/v1/query_range"
            )
        if not (template or "").strip():
            problems.append("the query template is the PromQL expression")
        return problems

    def format_since(self, since: datetime, until: datetime) -> str:
        return str(int(since.timestamp()))

    def format_until(self, until: datetime) -> str:
        return str(int(until.timestamp()))

    def extra_headers(self, config: Mapping[str, Any]) -> dict[str, str]:
        return {"X-Grafana-Org-Id": str(config["org_id"])} if config.get("org_id") else {}

    def test_connection(self, client: SourceClient, config: Mapping[str, Any]) -> str:
        health = client.json("GET", "/api/health")
        if not isinstance(health, dict) or health.get("database") not in (None, "ok"):
            raise UnexpectedResponse(f"unexpected response: /api/health says {health!r}"[:200])
        version = health.get("version", "?")
        uid = config.get("datasource_uid")
        if uid:
            found = client.json("GET", f"/api/datasources/uid/{uid}")
            name = found.get("name", uid) if isinstance(found, dict) else uid
            return f"connected to Grafana {version}; data source {name} found"
        client.json("GET", "/api/org")  # needs a valid token, unlike /api/health
        return f"connected to Grafana {version}"

    @staticmethod
    def windows(request: FetchRequest, step: int, max_points: int) -> Iterator[tuple[datetime, datetime]]:
        """[since, until] from the step boundary at or before `since`, in windows of at most
        `max_points` instants that share none: [s, s + (n-1) step], [s + n step, ...]."""
        start = datetime.fromtimestamp(int(request.since.timestamp()) // step * step, UTC)
        last = timedelta(seconds=step * (max_points - 1))
        while start <= request.until:
            end = min(start + last, request.until)
            yield start, end
            start += timedelta(seconds=step * max_points)

    def fetch(self, client: SourceClient, config: Mapping[str, Any], request: FetchRequest) -> Iterator[Any]:
        step = int(config.get("step_seconds") or DEFAULT_STEP_SECONDS)
        max_points = int(config.get("max_data_points") or DEFAULT_MAX_POINTS)
        proxy = PROXY_RE.match(_path(request.endpoint)) is not None
        for pages, (start, end) in enumerate(self.windows(request, step, max_points)):
            request.before_page(pages)
            if proxy:
                yield self._query_range(client, request, start, end, step)
            else:
                yield self._ds_query(client, config, request, start, end, step, max_points)

    def _ds_query(
        self,
        client: SourceClient,
        config: Mapping[str, Any],
        request: FetchRequest,
        start: datetime,
        end: datetime,
        step: int,
        max_points: int,
    ) -> Any:
        body = {
            "queries": [
                {
                    "refId": REF_ID,
                    "datasource": {
                        "uid": config.get("datasource_uid"),
                        "type": config.get("datasource_type") or "prometheus",
                    },
                    "expr": request.query,
                    "intervalMs": step * 1000,
                    "maxDataPoints": max_points,
                }
            ],
            "from": str(int(start.timestamp() * 1000)),
            "to": str(int(end.timestamp() * 1000)),
        }
        response = client.request("POST", request.endpoint, budget=request.remaining(), json=body)
        check_status(response, client.host, request.endpoint)
        page = parse_json(response, request.endpoint)
        result = page.get("results", {}).get(REF_ID) if isinstance(page, dict) else None
        if not isinstance(result, dict):
            raise UnexpectedResponse(f"unexpected response: {request.endpoint} has no results.{REF_ID}")
        if result.get("error"):
            raise UnexpectedResponse(f"Grafana query error: {result['error']}"[:500])
        frames = result.get("frames", [])  # left out when the query matched nothing
        if not isinstance(frames, list):
            raise UnexpectedResponse(f"unexpected response: results.{REF_ID}.frames is not a list")
        result["frames"] = [frame for frame in frames if not is_empty_frame(frame)]
        return page

    def _query_range(
        self, client: SourceClient, request: FetchRequest, start: datetime, end: datetime, step: int
    ) -> Any:
        params = {
            "query": request.query,
            "start": int(start.timestamp()),
            "end": int(end.timestamp()),
            "step": step,
        }
        response = client.request("GET", request.endpoint, budget=request.remaining(), params=params)
        check_status(response, client.host, request.endpoint)
        page = parse_json(response, request.endpoint)
        if not isinstance(page, dict) or page.get("status") != "success":
            detail = page.get("error", page) if isinstance(page, dict) else page
            raise UnexpectedResponse(f"Prometheus query error: {detail}"[:500])
        data = page.get("data")
        if not isinstance(data, dict) or data.get("resultType") != "matrix":
            raise UnexpectedResponse("unexpected response: query_range did not return a matrix")
        if not isinstance(data.get("result"), list):
            raise UnexpectedResponse("unexpected response: query_range's data.result is not a list")
        data["result"] = [series for series in data["result"] if not _is_empty_series(series)]
        return page


def is_empty_frame(frame: Any) -> bool:
    """A data frame that carries no value: no fields, or no (or only empty) value columns.

    Only a frame (an object with a `schema`) can be empty: anything else goes on to the
    mapping, which fails on it naming the path.
    """
    if not isinstance(frame, dict) or not isinstance(frame.get("schema"), dict):
        return False
    if frame["schema"].get("fields") == []:
        return True
    data = frame.get("data")
    if data is None:
        return True
    values = data.get("values") if isinstance(data, dict) else None
    return isinstance(values, list) and all(column == [] for column in values)


def _is_empty_series(series: Any) -> bool:
    return isinstance(series, dict) and series.get("values") == []
