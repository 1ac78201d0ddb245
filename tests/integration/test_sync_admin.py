"""The Integrations screens and REST API: Admin only, masked secrets, Test connection, Run now, history."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models.integrations import DataSourceQuery, ExternalDataSource
from app.models.metrics import TicketSummary
from app.models.sync import SyncRun, SyncRunStatus
from app.services.secrets import MASK, decrypt_secrets
from tests.conftest import ROLE_USERS, csrf_token
from tests.factories import make_client
from tests.fakes import jira
from tests.fakes.jira import make_issue
from tests.fakes.records import TICKET_MAPPINGS, jira_cloud_source, make_query, map_client
from tests.web.auth_helpers import api_token, bearer

pytestmark = pytest.mark.usefixtures("encryption_key")
pytest_plugins = ("tests.fakes.fixtures",)


@pytest.fixture
def world(app, db_connection, fake_jira):
    """A Jira source with one mapped client and one query, committed for every request of the test."""
    fake_jira.issues = [make_issue("ACME-1", "Phishing wave"), make_issue("ACME-2", "EDR offline")]
    with app.app_context():
        client = make_client(db.session, "Acme Corp")
        source = jira_cloud_source(db.session, fake_jira.url, name="SOC Jira")
        map_client(db.session, source, client, "ACME")
        query = make_query(db.session, source, name="SOC tickets")
        db.session.commit()
        ids = {"source": str(source.id), "query": str(query.id), "client": str(client.id)}
        db.session.remove()
    return ids


def stored(app, model, pk):
    with app.app_context():
        item = db.session.get(model, pk)
        db.session.expunge(item)
        return item


def form_page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


# --- screens -------------------------------------------------------------------------------


def source_form(token: str, url: str, **overrides) -> dict:
    data = {
        "csrf_token": token,
        "name": "Grafana SOC",
        "source_type": "jira",
        "base_url": url,
        "auth_type": "basic",
        "password": jira.API_TOKEN,
        "token": "",
        "api_key": "",
        "config": json.dumps({"username": jira.EMAIL, "deployment": "cloud"}),
        "timeout_seconds": "5",
        "verify_tls": "y",
        "is_active": "y",
    }
    return {**data, **overrides}


def test_admin_adds_a_source_whose_secret_is_encrypted_and_masked(app, admin_client, fake_jira):
    page = form_page(admin_client, "/datasourceview/add")
    response = admin_client.post("/datasourceview/add", data=source_form(csrf_token(page), fake_jira.url))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    with app.app_context():
        source = db.session.scalar(select(ExternalDataSource).where(ExternalDataSource.name == "Grafana SOC"))
        raw = db.session.execute(
            text("SELECT encrypted_credentials FROM external_data_sources WHERE id = :id"), {"id": source.id}
        ).scalar_one()
        assert jira.API_TOKEN not in raw and decrypt_secrets(raw) == {"password": jira.API_TOKEN}
        source_id, version = source.id, source.version

    edit = form_page(admin_client, f"/datasourceview/edit/{source_id}")
    assert jira.API_TOKEN not in edit and raw not in edit
    assert f'value="{MASK}"' in edit  # the stored secret is shown as the mask

    # Saving with the mask unchanged keeps the secret.
    data = source_form(
        csrf_token(edit), fake_jira.url, name="SOC Jira Cloud", password=MASK, version=str(version)
    )
    assert admin_client.post(f"/datasourceview/edit/{source_id}", data=data).status_code == 302
    source = stored(app, ExternalDataSource, source_id)
    assert source.name == "SOC Jira Cloud"
    with app.app_context():
        assert decrypt_secrets(source.encrypted_credentials) == {"password": jira.API_TOKEN}
    assert jira.API_TOKEN not in form_page(admin_client, f"/datasourceview/show/{source_id}")


def test_settings_that_break_the_types_schema_are_refused_on_the_form(app, admin_client, fake_jira):
    page = form_page(admin_client, "/datasourceview/add")
    bad = json.dumps({"username": jira.EMAIL, "deployment": "on-prem", "password": "oops-secret"})
    response = admin_client.post(
        "/datasourceview/add", data=source_form(csrf_token(page), fake_jira.url, config=bad)
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "deployment: &#39;on-prem&#39; is not one of" in html or "deployment: 'on-prem' is not one of" in html
    )
    assert "secrets go in their own fields" in html
    assert jira.API_TOKEN not in html  # a refused form does not echo the secret
    with app.app_context():
        assert (
            db.session.scalar(select(ExternalDataSource).where(ExternalDataSource.name == "Grafana SOC"))
            is None
        )


def test_test_connection_action_reports_success_and_the_exact_reason(app, admin_client, world):
    page = form_page(admin_client, "/datasourceview/list/")
    done = admin_client.post(
        f"/datasourceview/action/test_connection/{world['source']}",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert "SOC Jira: connected to Jira Cloud as MSSP Sync" in done.get_data(as_text=True)

    with app.app_context():
        source = db.session.get(ExternalDataSource, world["source"])
        from app.services.sync.data_sources import set_credentials

        set_credentials(source, {"password": "not-the-token-000"})
        db.session.commit()
    done = admin_client.post(
        f"/datasourceview/action/test_connection/{world['source']}",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert "SOC Jira: auth: authentication refused by 127.0.0.1 (HTTP 401)" in html
    assert "not-the-token-000" not in html


def test_run_now_writes_rows_and_the_history_shows_on_the_query(app, admin_client, world):
    page = form_page(admin_client, "/datasourcequeryview/list/")
    done = admin_client.post(
        f"/datasourcequeryview/action/run_now/{world['query']}",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert "SOC tickets: success, 2 inserted, 0 updated, 0 skipped" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(TicketSummary)) == 2
        run = db.session.scalar(select(SyncRun).where(SyncRun.query_id == world["query"]))
        assert run.status is SyncRunStatus.SUCCESS

    show = form_page(admin_client, f"/datasourcequeryview/show/{world['query']}")
    assert "Sync runs" in show and "Success" in show  # the run history tab
    listing = form_page(admin_client, "/datasourcequeryview/list/")
    assert "label-success" in listing  # health: ok


def test_a_failing_query_shows_as_failing(app, admin_client, world):
    with app.app_context():
        db.session.execute(
            DataSourceQuery.__table__.update()
            .where(DataSourceQuery.__table__.c.id == world["query"])
            .values(consecutive_failures=3, last_status="failed", last_error="timeout: no answer")
        )
        db.session.commit()
    assert 'label-danger">failing' in form_page(admin_client, "/datasourcequeryview/list/")


def test_a_query_with_a_bad_jsonpath_or_placeholder_is_refused_on_save(app, admin_client, world):
    page = form_page(admin_client, "/datasourcequeryview/add")
    data = {
        "csrf_token": csrf_token(page),
        "data_source": world["source"],
        "name": "broken",
        "endpoint": "/rest/api/3/search/jql",
        "query_template": "project = {client}",
        "jsonpath_mappings": json.dumps(TICKET_MAPPINGS),
        "target": "ticket_summary",
        "schedule_interval_minutes": "15",
        "schedule_cron": "",
        "is_active": "y",
    }
    html = admin_client.post("/datasourcequeryview/add", data=data).get_data(as_text=True)
    assert "unknown placeholder {client}; use {client_key}, {since}, {until}" in html

    data["query_template"] = "project = ACME"
    data["jsonpath_mappings"] = json.dumps({**TICKET_MAPPINGS, "summary": "$.fields.[["})
    html = admin_client.post("/datasourcequeryview/add", data=data).get_data(as_text=True)
    assert "&#39;summary&#39;: &#39;$.fields.[[&#39; is not a valid JSONPath" in html or (
        "'summary': '$.fields.[[' is not a valid JSONPath" in html
    )
    with app.app_context():
        assert db.session.scalar(select(DataSourceQuery).where(DataSourceQuery.name == "broken")) is None


@pytest.mark.parametrize("role", ["Manager", "Account Manager", "Engineer"])
def test_other_roles_cannot_reach_the_integrations(app, login_as, world, role):
    browser = login_as(role)
    for url in (
        "/datasourceview/list/",
        f"/datasourceview/show/{world['source']}",
        "/datasourcequeryview/list/",
        "/syncrunview/list/",
        "/clientsourcemappingview/list/",
        "/jobrunview/list/",
    ):
        assert browser.get(url).status_code in (302, 403), url
    assert "Integrations" not in browser.get("/").get_data(as_text=True)
    token = api_token(app.test_client(), ROLE_USERS[role])
    for url in ("/api/v1/data_source/", f"/api/v1/data_source/{world['source']}", "/api/v1/sync_run/"):
        assert app.test_client().get(url, headers=bearer(token)).status_code in (401, 403), url


def test_the_resources_are_not_business_resources():
    from app.services.accounts.roles import DOMAIN_RESOURCES

    for resource in ("ExternalDataSource", "DataSourceQuery", "ClientSourceMapping", "SyncRun", "JobRun"):
        assert resource not in DOMAIN_RESOURCES


# --- REST API ------------------------------------------------------------------------------


def test_the_api_never_returns_a_secret(app, world):
    api = app.test_client()
    headers = bearer(api_token(api, ROLE_USERS["Admin"]))
    with app.app_context():
        ciphertext = db.session.get(ExternalDataSource, world["source"]).encrypted_credentials
    for url in (
        "/api/v1/data_source/",
        f"/api/v1/data_source/{world['source']}",
        f"/api/v1/data_source/{world['source']}/credentials",
    ):
        body = api.get(url, headers=headers).get_data(as_text=True)
        assert jira.API_TOKEN not in body and ciphertext not in body and "encrypted_credentials" not in body
    masked = api.get(f"/api/v1/data_source/{world['source']}/credentials", headers=headers).get_json()
    assert masked == {"credentials": {"password": MASK}}


def test_the_api_creates_a_source_with_write_only_credentials_and_tests_it(app, db_connection, fake_jira):
    api = app.test_client()
    headers = bearer(api_token(api, ROLE_USERS["Admin"]))
    payload = {
        "name": "API Jira",
        "source_type": "jira",
        "base_url": fake_jira.url,
        "auth_type": "basic",
        "config": {"username": jira.EMAIL},
        "credentials": {"password": jira.API_TOKEN},
    }
    created = api.post("/api/v1/data_source/", json=payload, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert jira.API_TOKEN not in created.get_data(as_text=True)
    source_id = created.get_json()["id"]

    tested = api.post(f"/api/v1/data_source/{source_id}/test_connection", headers=headers).get_json()
    assert tested == {"ok": True, "kind": None, "message": "connected to Jira Cloud as MSSP Sync"}

    # The mask keeps the secret; settings still change.
    update = {"name": "API Jira 2", "credentials": {"password": MASK}, "version": 1}
    changed = api.put(f"/api/v1/data_source/{source_id}", json=update, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    assert api.post(f"/api/v1/data_source/{source_id}/test_connection", headers=headers).get_json()["ok"]

    refused = api.post(
        "/api/v1/data_source/", json={**payload, "name": "x", "config": {"deployment": 1}}, headers=headers
    )
    assert refused.status_code == 422 and refused.get_json()["field"] == "config"


def test_the_api_runs_a_query_and_lists_its_runs(app, world):
    api = app.test_client()
    headers = bearer(api_token(api, ROLE_USERS["Admin"]))
    run = api.post(f"/api/v1/data_source_query/{world['query']}/run", headers=headers).get_json()["run"]
    assert (run["status"], run["rows_inserted"], run["pages"]) == ("success", 2, 1)

    runs = api.get("/api/v1/sync_run/", headers=headers).get_json()
    assert runs["count"] == 1 and runs["result"][0]["status"] == "success"
    query = api.get(f"/api/v1/data_source_query/{world['query']}", headers=headers).get_json()["result"]
    assert query["last_status"] == "success" and query["consecutive_failures"] == 0

    bad = api.post(
        "/api/v1/data_source_query/",
        json={
            "data_source_id": world["source"],
            "name": "bad",
            "endpoint": "/rest/api/3/search",
            "query_template": "project = ACME",
            "jsonpath_mappings": TICKET_MAPPINGS,
            "target": "ticket_summary",
        },
        headers=headers,
    )
    assert bad.status_code == 422 and bad.get_json()["field"] == "endpoint"
    assert "removed from Jira Cloud" in bad.get_json()["message"]


def test_the_api_rereads_a_query_from_a_date_and_refuses_a_bad_one(app, world, fake_jira):
    api = app.test_client()
    headers = bearer(api_token(api, ROLE_USERS["Admin"]))
    url = f"/api/v1/data_source_query/{world['query']}/reread"
    first = api.post(url, json={"since": "2026-10-01"}, headers=headers)
    assert first.status_code == 200, first.get_json()
    run = first.get_json()["run"]
    assert (run["status"], run["is_reread"], run["rows_inserted"]) == ("success", True, 2)
    assert run["window_start"].startswith("2026-10-01T00:00:00")
    again = api.post(url, json={"since": "2026-10-01"}, headers=headers).get_json()["run"]
    assert (again["rows_inserted"], again["rows_updated"], again["records_fetched"]) == (0, 0, 2)

    for body, message in [
        ({"since": "01/10/2026"}, "is not a date"),
        ({"since": "2999-01-01"}, "in the past"),
        ({}, "required"),
        ({"since": "2026-10-01", "until": "x"}, "until: unknown field"),
    ]:
        refused = api.post(url, json=body, headers=headers)
        assert refused.status_code == 422 and message in refused.get_json()["message"], body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SyncRun)) == 2  # refusals ran nothing


def test_the_cli_rereads_a_query_from_a_date(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mssp", "run-query", "SOC tickets", "--since", "2026-10-01"])
    assert result.exit_code == 0, result.output
    assert "(re-read from 2026-10-01 00:00 UTC): success" in result.output
    assert "2 inserted, 0 updated, 0 skipped" in result.output
    result = runner.invoke(args=["mssp", "run-query", "SOC tickets", "--since", "2999-01-01"])
    assert result.exit_code == 1 and "since: must be in the past" in result.output


def test_the_screen_rereads_a_query_from_a_date(app, admin_client, world):
    # The query's page leads there: its "Re-read from a date" button.
    show = admin_client.get(f"/datasourcequeryview/show/{world['query']}").get_data(as_text=True)
    assert "Re-read from a date" in show
    button = admin_client.post(
        f"/datasourcequeryview/action/reread_from/{world['query']}",
        data={"csrf_token": csrf_token(show)},
    )
    assert button.status_code == 302
    assert button.headers["Location"].endswith(f"/datasourcequeryview/reread/{world['query']}")
    page = form_page(admin_client, f"/datasourcequeryview/reread/{world['query']}")
    assert "Re-read “SOC tickets” from a date" in page and 'type="date"' in page
    refused = admin_client.post(
        f"/datasourcequeryview/reread/{world['query']}",
        data={"csrf_token": csrf_token(page), "since": "2999-01-01"},
    )
    assert refused.status_code == 422 and "since: must be in the past" in refused.get_data(as_text=True)
    done = admin_client.post(
        f"/datasourcequeryview/reread/{world['query']}",
        data={"csrf_token": csrf_token(page), "since": "2026-10-01"},
        follow_redirects=True,
    )
    flashed = "SOC tickets: re-read from 2026-10-01 00:00 UTC: success, 2 inserted"
    assert flashed in done.get_data(as_text=True)
    with app.app_context():
        run = db.session.scalar(select(SyncRun).where(SyncRun.query_id == world["query"]))
        assert run.is_reread and run.window_start.date().isoformat() == "2026-10-01"
