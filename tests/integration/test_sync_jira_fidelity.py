"""Jira fidelity against the fake Jira (issue 20): two sites with one project key, unknown
statuses and priorities, first-run look-back per query, re-read from a date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.errors import ValidationFailed
from app.models.metrics import TicketPriority, TicketSource, TicketStatus, TicketSummary
from app.models.sync import SyncRunStatus
from app.services.sync import runs as sync_runs
from app.services.sync.runs import reread_query, run_query
from tests.factories import make_client
from tests.fakes.jira import FakeJira, make_issue
from tests.fakes.records import jira_cloud_source, jira_dc_source, make_query, map_client, runs_of
from tests.fakes.server import Reply

pytestmark = pytest.mark.usefixtures("encryption_key")
pytest_plugins = ("tests.fakes.fixtures",)

SEARCH = "/rest/api/3/search/jql"


def stored(db_session) -> dict[tuple[str, str], dict]:
    """Every stored ticket by (data source name, key), with what a person would check."""
    rows = db_session.scalars(select(TicketSummary)).all()
    for row in rows:
        db_session.refresh(row)
    return {
        (t.data_source.name if t.data_source else None, t.external_key): {
            "client": t.client.company_name,
            "summary": t.summary,
            "status": t.status,
            "priority": t.priority,
            "unmapped_status": t.unmapped_status,
            "unmapped_priority": t.unmapped_priority,
        }
        for t in rows
    }


@pytest.fixture
def second_site():
    server = FakeJira("cloud")
    yield server
    server.close()


def test_two_jira_sites_with_the_same_project_key_never_overwrite_each_other(
    db_session, fake_jira, second_site
):
    acme, acme_eu = make_client(db_session, "Acme Corp"), make_client(db_session, "Acme Europe")
    fake_jira.issues = [make_issue(f"ACME-{n}", f"US alert {n}") for n in (1, 2, 3)]
    second_site.issues = [make_issue(f"ACME-{n}", f"EU alert {n}", status="Done") for n in (1, 2)]
    us = jira_cloud_source(db_session, fake_jira.url, name="Jira US")
    eu = jira_cloud_source(db_session, second_site.url, name="Jira EU")
    map_client(db_session, us, acme, "ACME")
    map_client(db_session, eu, acme_eu, "ACME")
    us_query = make_query(db_session, us, name="US tickets")
    eu_query = make_query(db_session, eu, name="EU tickets")

    first_us, first_eu = run_query(us_query.id), run_query(eu_query.id)

    expected = {
        **{
            ("Jira US", f"ACME-{n}"): {
                "client": "Acme Corp", "summary": f"US alert {n}", "status": TicketStatus.OPEN,
                "priority": TicketPriority.MEDIUM, "unmapped_status": None, "unmapped_priority": None,
            }
            for n in (1, 2, 3)
        },
        **{
            ("Jira EU", f"ACME-{n}"): {
                "client": "Acme Europe", "summary": f"EU alert {n}", "status": TicketStatus.CLOSED,
                "priority": TicketPriority.MEDIUM, "unmapped_status": None, "unmapped_priority": None,
            }
            for n in (1, 2)
        },
    }
    assert stored(db_session) == expected
    assert (first_us.status, first_us.rows_inserted, first_eu.status, first_eu.rows_inserted) == (
        SyncRunStatus.SUCCESS, 3, SyncRunStatus.SUCCESS, 2,
    )
    # Re-running both, in either order, adds and changes nothing.
    again = [run_query(eu_query.id), run_query(us_query.id)]
    assert [(r.rows_inserted, r.rows_updated, r.records_fetched) for r in again] == [(0, 0, 2), (0, 0, 3)]
    assert stored(db_session) == expected


def test_a_ticket_synced_before_sources_were_told_apart_is_adopted_not_duplicated(db_session, fake_jira):
    acme = make_client(db_session, "Acme Corp")
    legacy = TicketSummary(
        client=acme, source=TicketSource.JIRA, external_key="ACME-1", summary="Alert 1",
        opened_at=datetime(2024, 1, 2, 10, 11, 12, 123000, tzinfo=UTC),
    )
    db_session.add(legacy)
    db_session.flush()
    fake_jira.issues = [make_issue("ACME-1", "Alert 1"), make_issue("ACME-2", "Alert 2")]
    source = jira_cloud_source(db_session, fake_jira.url, name="Jira")
    map_client(db_session, source, acme, "ACME")
    query = make_query(db_session, source)

    run = run_query(query.id)

    assert (run.rows_inserted, run.rows_updated) == (1, 1)  # ACME-1 now belongs to the source
    assert set(stored(db_session)) == {("Jira", "ACME-1"), ("Jira", "ACME-2")}
    assert db_session.scalar(select(func.count()).select_from(TicketSummary)) == 2
    again = run_query(query.id)
    assert (again.rows_inserted, again.rows_updated) == (0, 0)


def test_unknown_statuses_and_priorities_are_stored_under_the_fallback_and_named(db_session, fake_jira_dc):
    acme = make_client(db_session, "Acme Corp")
    known = [
        make_issue(f"ACME-{n}", f"Alert {n}", status="In Progress", priority="High") for n in range(1, 6)
    ]
    odd = [
        make_issue("ACME-6", "Alert 6", status="Awaiting Vendor"),
        make_issue("ACME-7", "Alert 7", status="Awaiting Vendor", priority="Sev-0"),
        make_issue("ACME-8", "Alert 8", status="Parked"),
    ]
    fake_jira_dc.issues = known[:3] + odd + known[3:]
    source = jira_dc_source(db_session, fake_jira_dc.url, name="Jira DC")
    map_client(db_session, source, acme, "ACME")
    query = make_query(db_session, source, endpoint="/rest/api/2/search", query_template="project = ACME")

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert (run.records_fetched, run.rows_inserted, run.rows_skipped) == (8, 8, 0)
    assert run.error_message == (
        "3 row(s) stored with status 'open' for an unknown status: 'Awaiting Vendor' (2), 'Parked' (1); "
        "map them in the data source's settings (status_map); "
        "1 row(s) stored with priority 'medium' for an unknown priority: 'Sev-0' (1); "
        "map them in the data source's settings (priority_map)"
    )
    rows = stored(db_session)
    assert len(rows) == 8
    assert rows[("Jira DC", "ACME-7")] | {"summary": None} == {
        "client": "Acme Corp", "summary": None,
        "status": TicketStatus.OPEN, "priority": TicketPriority.MEDIUM,
        "unmapped_status": "Awaiting Vendor", "unmapped_priority": "Sev-0",
    }
    assert rows[("Jira DC", "ACME-4")]["status"] is TicketStatus.IN_PROGRESS
    assert rows[("Jira DC", "ACME-4")]["unmapped_status"] is None
    assert run_query(query.id).rows_updated == 0  # a re-run changes nothing

    # Mapping the word in the source's settings puts the tickets right on the next run.
    source.config = {**source.config, "status_map": {"Awaiting Vendor": "waiting_on_client"}}
    db_session.flush()
    mapped = run_query(query.id)
    assert mapped.rows_updated == 2
    assert "'Awaiting Vendor'" not in mapped.error_message and "'Parked' (1)" in mapped.error_message
    after = stored(db_session)[("Jira DC", "ACME-6")]
    assert (after["status"], after["unmapped_status"]) == (TicketStatus.WAITING_ON_CLIENT, None)


def test_a_query_has_its_own_first_run_look_back(db_session, fake_jira, app):
    acme = make_client(db_session, "Acme Corp")
    source = jira_cloud_source(db_session, fake_jira.url)
    map_client(db_session, source, acme, "ACME")
    default = make_query(db_session, source, name="default")
    week = make_query(db_session, source, name="a week", initial_lookback_hours=168)

    run_query(default.id)
    run_query(week.id)

    jql = [c.body["jql"] for c in fake_jira.requests_to(SEARCH)]
    global_minutes = int(app.config["MSSP_SYNC_INITIAL_LOOKBACK_HOURS"]) * 60
    assert f"updated >= -{global_minutes}m" in jql[0] or f"updated >= -{global_minutes + 1}m" in jql[0]
    assert "updated >= -10080m" in jql[1] or "updated >= -10081m" in jql[1]
    assert runs_of(db_session, week)[0].window_start < runs_of(db_session, default)[0].window_start


def test_reread_from_a_date_refetches_the_window_idempotently(db_session, fake_jira):
    acme = make_client(db_session, "Acme Corp")
    fake_jira.issues = [make_issue(f"ACME-{n}", f"Alert {n}") for n in (1, 2, 3)]
    source = jira_cloud_source(db_session, fake_jira.url)
    map_client(db_session, source, acme, "ACME")
    query = make_query(db_session, source)
    run_query(query.id)
    before = stored(db_session)
    since = datetime.now(UTC) - timedelta(days=30)

    reread = reread_query(query.id, since)

    assert reread.status is SyncRunStatus.SUCCESS and reread.is_reread
    assert (reread.records_fetched, reread.rows_inserted, reread.rows_updated) == (3, 0, 0)
    assert stored(db_session) == before
    assert abs((reread.window_start - since).total_seconds()) < 1
    minutes = [c.body["jql"] for c in fake_jira.requests_to(SEARCH)][-1]
    assert "updated >= -43200m" in minutes or "updated >= -43201m" in minutes
    # The next scheduled run reads from the last ordinary run, not from the re-read.
    run_query(query.id)
    ordinary = [r for r in runs_of(db_session, query) if not r.is_reread]
    assert ordinary[-1].window_start < reread.started_at


def test_a_reread_from_the_future_is_refused_naming_the_field(db_session, fake_jira):
    source = jira_cloud_source(db_session, fake_jira.url)
    query = make_query(db_session, source)
    with pytest.raises(ValidationFailed) as refused:
        reread_query(query.id, datetime.now(UTC) + timedelta(days=1))
    assert refused.value.field == "since" and "in the past" in refused.value.message
    assert runs_of(db_session, query) == []


# --- messages that point at the cause (20.6) ------------------------------------------------


def test_a_429_after_the_attempt_limit_names_the_attempt_limit(db_session, fake_jira, app, monkeypatch):
    monkeypatch.setitem(app.config, "MSSP_HTTP_MAX_ATTEMPTS", 2)
    acme = make_client(db_session, "Acme Corp")
    fake_jira.issues = [make_issue("ACME-1", "Alert 1")]
    source = jira_cloud_source(db_session, fake_jira.url)
    map_client(db_session, source, acme, "ACME")
    query = make_query(db_session, source)
    fake_jira.script(SEARCH, *[Reply(429, "<html>slow down</html>", {"Retry-After": "1"})] * 2)

    run = run_query(query.id)

    assert run.status is SyncRunStatus.FAILED and run.error_kind == "rate_limited"
    assert run.error_message == (
        "rate limited by 127.0.0.1 (HTTP 429): still refused after 2 attempts, the attempt limit "
        "(MSSP_HTTP_MAX_ATTEMPTS = 2); its last answer asked to wait 1 s; run it later or raise the limit"
    )
    assert len(fake_jira.requests_to(SEARCH)) == 2 and stored(db_session) == {}


@pytest.mark.parametrize("server_info", [True, False], ids=["serverInfo", "myself-shape"])
def test_a_data_center_source_pointed_at_cloud_fails_its_connection_test_saying_so(
    db_session, server_info
):
    cloud = FakeJira("cloud", server_info=server_info)
    try:
        source = jira_cloud_source(db_session, cloud.url, config={"deployment": "data_center"})
        # Data Center's own path to /myself, reached with the Cloud credentials (the fake needs them).
        cloud.script("/rest/api/2/myself", Reply(200, {"accountId": "5b10a", "displayName": "MSSP Sync"}))
        report = sync_runs.test_connection(source.id)
    finally:
        cloud.close()
    assert not report.ok and report.kind == "configuration"
    assert report.message.startswith(
        "this source is set to Jira Data Center but 127.0.0.1 answers like Jira Cloud"
    )
    assert 'set "deployment": "cloud"' in report.message


def test_a_cloud_source_pointed_at_data_center_fails_its_connection_test_saying_so(db_session, fake_jira_dc):
    source = jira_dc_source(db_session, fake_jira_dc.url, config={"deployment": "cloud"})
    report = sync_runs.test_connection(source.id)
    assert not report.ok and report.kind == "configuration"
    assert report.message == (
        "this source is set to Jira Cloud but 127.0.0.1 answers like Jira Data Center (serverInfo): "
        'set "deployment": "data_center" in its settings, with a personal access token as bearer auth '
        "and queries on /rest/api/2/search"
    )


@pytest.mark.parametrize("seraph", [False, True], ids=["probe-myself", "seraph-header"])
def test_an_anonymous_answer_hiding_bad_credentials_is_a_probable_credential_problem(db_session, seraph):
    jira = FakeJira("cloud", anonymous=True, seraph=seraph)
    try:
        acme = make_client(db_session, "Acme Corp")
        jira.issues = [make_issue("ACME-1", "Alert 1")]
        source = jira_cloud_source(db_session, jira.url, secrets={"password": "revoked-token-1"})
        map_client(db_session, source, acme, "ACME")
        query = make_query(db_session, source, query_template="project = ACME AND updated >= {since}")
        run = run_query(query.id)
    finally:
        jira.close()
    assert run.status is SyncRunStatus.FAILED and run.error_kind == "auth"
    evidence = (
        "Jira said X-Seraph-LoginReason: AUTHENTICATED_FAILED"
        if seraph
        else "/rest/api/3/myself refuses these credentials (HTTP 401)"
    )
    assert run.error_message == (
        "probable credential problem: 127.0.0.1 answered as to an anonymous user "
        "(\"The value 'ACME' does not exist for the field 'project'.\") and "
        f"{evidence}; check the username and API token (Cloud) or the personal access token (Data Center)"
    )
    assert stored(db_session) == {}


def test_an_unknown_project_with_good_credentials_is_still_jiras_own_message(db_session, fake_jira):
    fake_jira.script(
        SEARCH,
        Reply(400, {"errorMessages": ["The value 'NOPE' does not exist for the field 'project'."]}),
    )
    source = jira_cloud_source(db_session, fake_jira.url)
    query = make_query(db_session, source, query_template="project = NOPE")
    run = run_query(query.id)
    assert run.error_kind == "unexpected_response"
    assert "HTTP 400" in run.error_message and "The value 'NOPE' does not exist" in run.error_message


# --- the documented Jira Cloud example with SLA fields (docs/integrations.md) ----------------

SLA_MAPPINGS = {
    "external_key": "$.key",
    "summary": "$.fields.summary",
    "status": "$.fields.status.name",
    "priority": "$.fields.priority.name",
    "opened_at": "$.fields.created",
    "resolved_at": "$.fields.resolutiondate",
    "first_response_at": "$.fields.customfield_10031.completedCycles[0].stopTime.iso8601",
    "response_due_at": "$.fields.customfield_10031.ongoingCycle.breachTime.iso8601",
    "resolution_due_at": "$.fields.customfield_10030.ongoingCycle.breachTime.iso8601",
    "is_sla_breached": "$.fields.customfield_10030.ongoingCycle.breached",
    "client": "$.fields.project.key",
}


def jsm_sla(breach: str, breached: bool = False, stopped: str | None = None) -> dict:
    """Jira Service Management's SLA field as the REST API sends it."""
    return {
        "id": "10",
        "name": "Time to resolution",
        "completedCycles": [{"stopTime": {"iso8601": stopped}}] if stopped else [],
        "ongoingCycle": {"breachTime": {"iso8601": breach}, "breached": breached},
    }


def test_the_documented_cloud_example_with_sla_fields_stores_them(db_session, fake_jira):
    acme = make_client(db_session, "Acme Corp")
    fake_jira.issues = [
        make_issue(
            "ACME-1", "Phishing wave", created="2026-10-01T08:00:00.000+0000",
            customfield_10031=jsm_sla("2026-10-01T09:00:00.000+0000", stopped="2026-10-01T08:20:00.000+0000"),
            customfield_10030=jsm_sla("2026-10-01T16:00:00.000+0000", breached=True),
        ),
        make_issue("ACME-2", "EDR offline", created="2026-10-02T08:00:00.000+0000"),  # no SLA running
    ]
    source = jira_cloud_source(db_session, fake_jira.url)
    map_client(db_session, source, acme, "ACME")
    query = make_query(
        db_session, source, jsonpath_mappings=SLA_MAPPINGS,
        query_template="project in (ACME, GLOBEX) AND updated >= {since} ORDER BY updated ASC",
    )

    run = run_query(query.id)

    assert run.status is SyncRunStatus.SUCCESS, run.error_message
    assert "customfield_10030" in fake_jira.requests_to(SEARCH)[0].body["fields"]
    tickets = {t.external_key: t for t in db_session.scalars(select(TicketSummary))}
    first = tickets["ACME-1"]
    db_session.refresh(first)
    sla = (first.first_response_at, first.response_due_at, first.resolution_due_at, first.is_sla_breached)
    assert sla == (
        datetime(2026, 10, 1, 8, 20, tzinfo=UTC), datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
        datetime(2026, 10, 1, 16, 0, tzinfo=UTC), True,
    )
    assert tickets["ACME-2"].response_due_at is None and tickets["ACME-2"].is_sla_breached is False
    assert run_query(query.id).rows_updated == 0
