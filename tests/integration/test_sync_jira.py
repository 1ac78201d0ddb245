"""Jira sync through the real requests client against the fake Jira: pages, failures, idempotence."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.models.integrations import QueryRunStatus, QueryTarget
from app.models.metrics import TicketPriority, TicketSource, TicketStatus, TicketSummary
from app.models.sync import SyncRunStatus
from app.services.sync.data_sources import query_problems
from app.services.sync.runs import run_query
from tests.factories import make_client
from tests.fakes.jira import make_issue
from tests.fakes.records import (
    TICKET_MAPPINGS,
    jira_cloud_source,
    jira_dc_source,
    make_query,
    map_client,
    runs_of,
)
from tests.fakes.server import Recorded, Reply

pytestmark = pytest.mark.usefixtures("encryption_key")
pytest_plugins = ("tests.fakes.fixtures",)

SEARCH = "/rest/api/3/search/jql"


def issues(count: int = 5, project: str = "ACME") -> list[dict]:
    return [
        make_issue(
            f"{project}-{n}",
            f"Alert {n}",
            status="In Progress" if n % 2 else "Done",
            priority="Highest" if n == 1 else "Low",
            created=f"2024-01-0{n}T10:11:12.123+0000",
            resolutiondate=None if n % 2 else f"2024-01-0{n}T12:00:00.000+0000",
        )
        for n in range(1, count + 1)
    ]


@pytest.fixture
def world(db_session):
    acme, globex = make_client(db_session, "Acme Corp"), make_client(db_session, "Globex")
    return {"acme": acme, "globex": globex}


def tickets(db_session) -> list[TicketSummary]:
    return list(db_session.scalars(select(TicketSummary).order_by(TicketSummary.external_key)))


def cloud_query(db_session, fake_jira, world, page_size: int = 2, **kw):
    source = jira_cloud_source(db_session, fake_jira.url, config={"page_size": page_size})
    map_client(db_session, source, world["acme"], "ACME")
    map_client(db_session, source, world["globex"], "GLOBEX")
    return make_query(db_session, source, **kw)


def test_cloud_token_pages_to_the_end_and_writes_every_ticket(db_session, fake_jira, world):
    fake_jira.issues = issues(5) + issues(2, "GLOBEX")
    query = cloud_query(db_session, fake_jira, world)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert (run.pages, run.records_fetched, run.rows_inserted, run.rows_updated) == (4, 7, 7, 0)
    calls = fake_jira.requests_to(SEARCH)
    assert [c.method for c in calls] == ["POST"] * 4
    assert "nextPageToken" not in calls[0].body and all("nextPageToken" in c.body for c in calls[1:])
    # `fields` derived from the JSONPaths, or Jira would send ids only.
    assert set(calls[0].body["fields"]) == {
        "summary",
        "status",
        "priority",
        "created",
        "resolutiondate",
        "project",
    }
    assert calls[0].body["maxResults"] == 2
    assert "updated >= -" in calls[0].body["jql"]  # {since} as relative minutes
    rows = tickets(db_session)
    assert [t.external_key for t in rows] == [
        "ACME-1",
        "ACME-2",
        "ACME-3",
        "ACME-4",
        "ACME-5",
        "GLOBEX-1",
        "GLOBEX-2",
    ]
    first = rows[0]
    assert first.client_id == world["acme"].id and rows[-1].client_id == world["globex"].id
    assert first.source is TicketSource.JIRA and first.summary == "Alert 1"
    assert (first.status, first.priority) == (TicketStatus.IN_PROGRESS, TicketPriority.CRITICAL)
    assert rows[1].status is TicketStatus.CLOSED and rows[1].resolved_at.hour == 12
    assert first.opened_at.isoformat() == "2024-01-01T10:11:12.123000+00:00"
    db_session.refresh(query)
    assert (query.last_status, query.consecutive_failures, query.last_error) == (
        QueryRunStatus.SUCCESS,
        0,
        None,
    )


def test_rerunning_updates_in_place_and_never_duplicates(db_session, fake_jira, world):
    fake_jira.issues = issues(3)
    query = cloud_query(db_session, fake_jira, world)
    run_query(query.id)
    versions = {t.external_key: t.version for t in tickets(db_session)}

    again = run_query(query.id)
    assert (again.rows_inserted, again.rows_updated, again.records_fetched) == (0, 0, 3)
    assert {t.external_key: t.version for t in tickets(db_session)} == versions  # untouched

    fake_jira.issues[0]["fields"]["summary"] = "Alert 1 (escalated)"
    fake_jira.issues.append(make_issue("ACME-9", "New alert"))
    third = run_query(query.id)
    assert (third.rows_inserted, third.rows_updated) == (1, 1)
    assert db_session.scalar(select(func.count()).select_from(TicketSummary)) == 4
    changed = db_session.scalar(select(TicketSummary).where(TicketSummary.external_key == "ACME-1"))
    db_session.refresh(changed)
    assert changed.summary == "Alert 1 (escalated)" and changed.version == versions["ACME-1"] + 1
    assert [r.status for r in runs_of(db_session, query)] == [SyncRunStatus.SUCCESS] * 3


def test_data_center_offset_pages_with_a_server_capped_page_size(db_session, fake_jira_dc, world):
    fake_jira_dc.issues = issues(5)
    source = jira_dc_source(db_session, fake_jira_dc.url)
    map_client(db_session, source, world["acme"], "ACME")
    query = make_query(db_session, source, endpoint="/rest/api/2/search", query_template="project = ACME")

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert (run.pages, run.rows_inserted) == (3, 5)  # asked 100 a page, the server gave 2
    calls = fake_jira_dc.requests_to("/rest/api/2/search")
    assert [c.query["startAt"] for c in calls] == ["0", "2", "4"]
    assert calls[0].headers["Authorization"].startswith("Bearer ")
    assert len(tickets(db_session)) == 5


def test_wrong_credentials_fail_the_run_as_auth_refused(db_session, fake_jira, world):
    fake_jira.issues = issues(2)
    source = jira_cloud_source(db_session, fake_jira.url, secrets={"password": "wrong-token-123"})
    map_client(db_session, source, world["acme"], "ACME")
    query = make_query(db_session, source)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.FAILED
    assert run.error_kind == "auth"
    assert run.error_message.startswith("authentication refused by 127.0.0.1 (HTTP 401)")
    assert len(fake_jira.requests_to(SEARCH)) == 1  # a 401 is not retried
    assert tickets(db_session) == []
    db_session.refresh(query)
    assert (query.last_status, query.consecutive_failures) == (QueryRunStatus.FAILED, 1)


def test_the_removed_search_endpoint_answers_410_and_the_run_says_what_to_use(db_session, fake_jira, world):
    # A source wrongly set up as Data Center, pointed at Jira Cloud.
    source = jira_cloud_source(db_session, fake_jira.url, config={"deployment": "data_center"})
    map_client(db_session, source, world["acme"], "ACME")
    query = make_query(db_session, source, endpoint="/rest/api/2/search")

    run = run_query(query.id)

    assert run.status is SyncRunStatus.FAILED and run.error_kind == "unexpected_response"
    assert "HTTP 410 Gone: /rest/api/2/search was removed" in run.error_message
    assert "POST /rest/api/3/search/jql" in run.error_message


def test_saving_a_removed_endpoint_on_a_cloud_source_is_refused(db_session, fake_jira, world):
    source = jira_cloud_source(db_session, fake_jira.url)
    problems = query_problems(source, "/rest/api/3/search", "project = ACME", {}, None)
    assert problems == {}  # without a target only the template is checked
    problems = query_problems(
        source, "/rest/api/3/search", "project = ACME", TICKET_MAPPINGS, QueryTarget.TICKET_SUMMARY
    )
    assert problems["endpoint"] == [
        "/rest/api/3/search was removed from Jira Cloud (it answers 410): use /rest/api/3/search/jql"
    ]


def test_429_with_retry_after_is_waited_out_then_the_run_succeeds(db_session, fake_jira, world):
    fake_jira.issues = issues(2)
    query = cloud_query(db_session, fake_jira, world, page_size=10)
    fake_jira.script(
        SEARCH, Reply(429, "<html><body>Rate limit exceeded</body></html>", {"Retry-After": "1"})
    )

    started = time.monotonic()
    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert time.monotonic() - started >= 1.0  # Retry-After honoured, not the tiny test backoff
    assert len(fake_jira.requests_to(SEARCH)) == 2
    assert run.rows_inserted == 2


def test_a_retry_after_beyond_the_budget_gives_up_at_once_and_says_so(db_session, fake_jira, world):
    fake_jira.issues = issues(2)
    query = cloud_query(db_session, fake_jira, world)
    fake_jira.script(SEARCH, Reply(429, "<html>slow down</html>", {"Retry-After": "3600"}))

    started = time.monotonic()
    run = run_query(query.id)

    # Asked once, never again: it did not sit out the hour (a bound far from 3600 s, not a tight one).
    assert len(fake_jira.requests_to(SEARCH)) == 1 and time.monotonic() - started < 600
    assert run.status is SyncRunStatus.FAILED and run.error_kind == "rate_limited"
    assert "asked to wait 3600 s, beyond the retry budget" in run.error_message
    assert tickets(db_session) == []


def test_a_500_is_retried_then_the_run_succeeds(db_session, fake_jira, world):
    fake_jira.issues = issues(3)
    query = cloud_query(db_session, fake_jira, world, page_size=10)
    fake_jira.script(SEARCH, Reply(500, {"errorMessages": ["Internal server error"]}))

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert len(fake_jira.requests_to(SEARCH)) == 2 and run.rows_inserted == 3


def test_persistent_5xx_fails_after_the_configured_attempts(db_session, fake_jira, world, app, monkeypatch):
    query = cloud_query(db_session, fake_jira, world)
    fake_jira.script(SEARCH, *[Reply(503, "<html>maintenance</html>")] * 5)

    run = run_query(query.id)

    attempts = app.config["MSSP_HTTP_MAX_ATTEMPTS"]
    assert run.status is SyncRunStatus.FAILED and run.error_kind == "unexpected_response"
    assert f"HTTP 503 for {SEARCH} after {attempts} attempts" in run.error_message
    assert len(fake_jira.requests_to(SEARCH)) == attempts


def test_a_slow_server_hits_the_timeout_and_the_run_records_it(
    db_session, fake_jira, world, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MSSP_HTTP_MAX_ATTEMPTS", 2)
    fake_jira.issues = issues(2)
    source = jira_cloud_source(db_session, fake_jira.url, timeout=1)
    map_client(db_session, source, world["acme"], "ACME")
    query = make_query(db_session, source)
    fake_jira.delays[SEARCH] = 1.6

    run = run_query(query.id)

    assert run.status is SyncRunStatus.FAILED and run.error_kind == "timeout"
    assert run.error_message == "timeout: 127.0.0.1 did not answer within 1 s (2 attempts)"
    assert tickets(db_session) == []


def test_malformed_json_on_a_later_page_leaves_no_partial_data(db_session, fake_jira, world):
    fake_jira.issues = issues(4)
    query = cloud_query(db_session, fake_jira, world, page_size=2)
    page_one = fake_jira.cloud_search(
        Recorded("POST", SEARCH, {}, {}, {"jql": "", "fields": ["*all"], "maxResults": 2})
    )
    fake_jira.script(SEARCH, page_one, Reply(200, '{"issues": [{"id": "1", '))

    run = run_query(query.id)

    assert run.status is SyncRunStatus.FAILED and run.error_kind == "unexpected_response"
    assert "not valid JSON" in run.error_message and run.pages == 1
    assert tickets(db_session) == []  # page one was fetched, nothing was written


def test_a_jsonpath_that_matches_nothing_fails_the_run_and_names_the_path(db_session, fake_jira, world):
    fake_jira.issues = issues(2)
    query = cloud_query(
        db_session, fake_jira, world, jsonpath_mappings={**TICKET_MAPPINGS, "summary": "$.fields.title"}
    )

    run = run_query(query.id)

    assert run.status is SyncRunStatus.FAILED and run.error_kind == "mapping"
    assert run.error_message == "JSONPath $.fields.title ('summary') matched nothing in record 1 (ACME-1)"
    assert tickets(db_session) == []


def test_bad_jql_reports_jiras_own_message(db_session, fake_jira, world):
    query = cloud_query(db_session, fake_jira, world, query_template="project = ACME AND BADJQL")
    run = run_query(query.id)
    assert run.status is SyncRunStatus.FAILED
    assert "HTTP 400" in run.error_message and "'BADJQL' is not valid" in run.error_message


def test_an_empty_result_is_a_success_with_nothing_written(db_session, fake_jira, world):
    query = cloud_query(db_session, fake_jira, world)
    run = run_query(query.id)
    assert (run.status, run.pages, run.rows_inserted) == (SyncRunStatus.SUCCESS, 1, 0)


def test_unmapped_projects_are_skipped_named_and_the_run_is_partial(db_session, fake_jira, world):
    fake_jira.issues = issues(2) + issues(3, "INITECH")
    source = jira_cloud_source(db_session, fake_jira.url)
    map_client(db_session, source, world["acme"], "ACME")
    query = make_query(db_session, source, query_template="updated >= {since}")

    run = run_query(query.id)

    assert run.status is SyncRunStatus.PARTIAL
    assert (run.rows_inserted, run.rows_skipped) == (2, 3)
    assert run.error_message == "3 record(s) skipped: no client mapped for 'INITECH' (add client mappings)"
    db_session.refresh(query)
    assert query.last_status is QueryRunStatus.PARTIAL and query.consecutive_failures == 0


def test_a_per_client_template_runs_once_per_mapped_project(db_session, fake_jira, world):
    fake_jira.issues = issues(2) + issues(1, "GLOBEX")
    mappings = {k: v for k, v in TICKET_MAPPINGS.items() if k != "client"}
    query = cloud_query(
        db_session, fake_jira, world, query_template='project = "{client_key}"', jsonpath_mappings=mappings
    )

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert sorted(c.body["jql"] for c in fake_jira.requests_to(SEARCH)) == [
        'project = "ACME"',
        'project = "GLOBEX"',
    ]
    by_key = {t.external_key: t.client_id for t in tickets(db_session)}
    assert by_key == {"ACME-1": world["acme"].id, "ACME-2": world["acme"].id, "GLOBEX-1": world["globex"].id}


def test_the_page_cap_fails_the_run_without_writing(db_session, fake_jira, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MSSP_SYNC_PAGE_CAP", 2)
    fake_jira.issues = issues(5)
    query = cloud_query(db_session, fake_jira, world, page_size=2)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.FAILED and run.error_kind == "page_cap"
    assert run.pages == 2 and tickets(db_session) == []


def test_the_run_query_and_test_source_commands(app, db_session, fake_jira, world):
    fake_jira.issues = issues(2)
    query = cloud_query(db_session, fake_jira, world, name="SOC tickets")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["mssp", "run-query", "SOC tickets"])
    assert result.exit_code == 0, result.output
    assert ": success in " in result.output and "2 inserted, 0 updated, 0 skipped" in result.output
    assert runs_of(db_session, query)[-1].trigger.value == "cli"

    result = runner.invoke(args=["mssp", "test-source", query.data_source.name])
    assert result.exit_code == 0 and "connected to Jira Cloud as MSSP Sync" in result.output

    result = runner.invoke(args=["mssp", "run-query", "no such query"])
    assert result.exit_code == 1 and "no query 'no such query'" in result.output
