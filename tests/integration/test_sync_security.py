"""Secrets (encrypted at rest, masked, never logged, rotatable), the SSRF guard, exact failure reasons."""

from __future__ import annotations

import logging
import socket

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from app.integrations.guard import is_blocked, parse_allowlist
from app.models.integrations import AuthType, ExternalDataSource, QueryTarget, SourceType
from app.models.sync import SyncRunStatus
from app.services.secrets import MASK, SecretsUnavailable, decrypt_secrets
from app.services.sync.data_sources import masked_credentials, set_credentials
from app.services.sync.runs import run_query
from app.services.sync.runs import test_connection as check_connection
from tests.factories import make_client
from tests.fakes import grafana, jira
from tests.fakes.records import (
    FRAME_MAPPINGS,
    grafana_source,
    jira_cloud_source,
    make_query,
    make_source,
    map_client,
)
from tests.fakes.server import Reply

pytest_plugins = ("tests.fakes.fixtures",)


def stored_token(db_session, source: ExternalDataSource) -> str:
    return db_session.execute(
        text("SELECT encrypted_credentials FROM external_data_sources WHERE id = :id"), {"id": source.id}
    ).scalar_one()


# --- secrets at rest -----------------------------------------------------------------------


def test_credentials_are_encrypted_in_the_database(db_session, encryption_key):
    source = grafana_source(db_session, "https://grafana.example")
    raw = stored_token(db_session, source)
    assert grafana.SA_TOKEN not in raw and "token" not in raw
    assert decrypt_secrets(raw) == {"token": grafana.SA_TOKEN}
    assert Fernet(encryption_key.encode()).decrypt(raw.encode())  # a real Fernet token
    assert source.config == {"datasource_uid": "prom-soc", "step_seconds": 60}  # no secret in the settings


def test_the_mask_keeps_the_secret_an_empty_value_clears_it_a_new_value_replaces_it(
    db_session, encryption_key
):
    source = grafana_source(db_session, "https://grafana.example")
    assert masked_credentials(source) == {"token": MASK}

    set_credentials(source, {"token": MASK})
    assert decrypt_secrets(source.encrypted_credentials) == {"token": grafana.SA_TOKEN}

    set_credentials(source, {"token": "glsa_new_token_value"})
    assert decrypt_secrets(source.encrypted_credentials) == {"token": "glsa_new_token_value"}

    set_credentials(source, {"token": ""})
    assert source.encrypted_credentials is None and masked_credentials(source) == {}


def test_switching_auth_type_drops_the_secret_it_no_longer_uses(db_session, encryption_key):
    source = jira_cloud_source(db_session, "https://jira.example")
    source.auth_type = AuthType.BEARER
    set_credentials(source, {"token": "a-personal-access-token"})
    assert decrypt_secrets(source.encrypted_credentials) == {"token": "a-personal-access-token"}


def test_key_rotation_re_encrypts_with_the_newest_key(app, db_session, encryption_key, monkeypatch):
    source = grafana_source(db_session, "https://grafana.example")
    before = stored_token(db_session, source)
    new_key = Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "MSSP_ENCRYPTION_KEYS", [new_key, encryption_key])
    assert decrypt_secrets(before) == {"token": grafana.SA_TOKEN}  # old tokens still decrypt

    result = app.test_cli_runner().invoke(args=["mssp", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted the credentials of 1 data source(s)" in result.output

    after = stored_token(db_session, source)
    assert after != before
    assert Fernet(new_key.encode()).decrypt(after.encode())
    monkeypatch.setitem(app.config, "MSSP_ENCRYPTION_KEYS", [new_key])  # the old key can now go
    assert decrypt_secrets(after) == {"token": grafana.SA_TOKEN}


def test_a_removed_key_is_reported_not_crashed_on(app, db_session, encryption_key, monkeypatch):
    source = grafana_source(db_session, "https://grafana.example")
    monkeypatch.setitem(app.config, "MSSP_ENCRYPTION_KEYS", [Fernet.generate_key().decode()])
    with pytest.raises(SecretsUnavailable, match="cannot be decrypted with any key"):
        decrypt_secrets(source.encrypted_credentials)
    assert "cannot be decrypted" in masked_credentials(source)["error"]
    report = check_connection(source.id)
    assert not report.ok and report.kind == "configuration"


def test_production_refuses_to_store_secrets_without_keys(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "MSSP_ENCRYPTION_KEYS", [])
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    with pytest.raises(SecretsUnavailable, match="MSSP_ENCRYPTION_KEYS is not set"):
        grafana_source(db_session, "https://grafana.example")


# --- secrets never logged ------------------------------------------------------------------


def test_secrets_appear_in_no_log_record(db_session, fake_jira, encryption_key, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(db_session, "Acme Corp")
    good = jira_cloud_source(db_session, fake_jira.url, name="good")
    bad = jira_cloud_source(db_session, fake_jira.url, name="bad", secrets={"password": "wrong-secret-4711"})
    for source in (good, bad):
        map_client(db_session, source, client, "ACME")
        make_query(db_session, source, name=f"q {source.name}")
    fake_jira.script("/rest/api/3/search/jql", Reply(500, "boom"))
    for query in (good.queries[0], bad.queries[0]):
        run_query(query.id)
    check_connection(good.id)
    check_connection(bad.id)
    # Even code that logs a secret by mistake has it redacted.
    logging.getLogger("somewhere.else").warning("leaked %s and %s", jira.API_TOKEN, "wrong-secret-4711")

    assert caplog.records, "the runs log something"
    assert jira.API_TOKEN not in caplog.text and "wrong-secret-4711" not in caplog.text
    assert "leaked [REDACTED] and [REDACTED]" in caplog.text


# --- SSRF guard ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("169.254.169.254", True),
        ("169.254.0.1", True),
        ("fd00:ec2::254", True),
        ("fe80::1", True),
        ("::ffff:169.254.169.254", True),
        ("127.0.0.1", False),
        ("10.0.0.5", False),
        ("2001:db8::1", False),
    ],
)
def test_link_local_and_metadata_addresses_are_blocked(address, blocked):
    assert is_blocked(address) is blocked


def test_the_allowlist_lets_chosen_addresses_through():
    allow = parse_allowlist(["169.254.10.0/24", "fd00:ec2::254"])
    assert not is_blocked("169.254.10.7", allow) and not is_blocked("fd00:ec2::254", allow)
    assert is_blocked("169.254.169.254", allow)
    with pytest.raises(ValueError, match="not an address or CIDR"):
        parse_allowlist(["metadata.internal"])


def test_the_metadata_address_is_refused_before_connecting(db_session, encryption_key):
    source = grafana_source(db_session, "http://169.254.169.254")
    report = check_connection(source.id)
    assert not report.ok and report.kind == "blocked"
    assert report.message.startswith("refused to connect to 169.254.169.254: link-local or cloud-metadata")


def test_a_host_name_resolving_to_a_metadata_address_is_refused(db_session, encryption_key, monkeypatch):
    real = socket.getaddrinfo

    def fake_getaddrinfo(host, *args, **kwargs):
        if host == "metadata.attacker.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    source = grafana_source(db_session, "http://metadata.attacker.example")
    report = check_connection(source.id)
    assert report.kind == "blocked" and "metadata.attacker.example (169.254.169.254)" in report.message


def test_a_redirect_to_the_metadata_address_is_not_followed(db_session, fake_grafana, encryption_key):
    fake_grafana.script(
        "/api/health", Reply(302, "", {"Location": "http://169.254.169.254/latest/meta-data/"})
    )
    source = grafana_source(db_session, fake_grafana.url)
    report = check_connection(source.id)
    assert not report.ok and report.kind == "blocked"
    assert "169.254.169.254" in report.message


def test_a_redirect_to_another_host_drops_the_api_key_header(db_session, fake_grafana, encryption_key):
    # 127.0.0.1 -> localhost: another host name, so the credentials must not follow.
    target = fake_grafana.url.replace("127.0.0.1", "localhost") + "/landing"
    fake_grafana.script("/health", Reply(302, "", {"Location": target}))
    fake_grafana.script("/landing", Reply(200, {"ok": True}))
    source = make_source(
        db_session,
        fake_grafana.url,
        SourceType.REST,
        AuthType.API_KEY_HEADER,
        {"api_key_header": "X-Api-Key", "health_path": "/health"},
        {"api_key": "rest-api-key-0042"},
    )
    report = check_connection(source.id)
    assert report.ok, report.message
    first, landing = fake_grafana.requests_to("/health")[0], fake_grafana.requests_to("/landing")[0]
    assert first.headers.get("X-Api-Key") == "rest-api-key-0042"
    assert "X-Api-Key" not in landing.headers


# --- test connection: success and exact reasons --------------------------------------------


def test_connection_succeeds_with_the_right_credentials(db_session, fake_jira, fake_grafana, encryption_key):
    assert check_connection(jira_cloud_source(db_session, fake_jira.url).id).message == (
        "connected to Jira Cloud as MSSP Sync"
    )
    report = check_connection(grafana_source(db_session, fake_grafana.url).id)
    assert report.ok and report.message == "connected to Grafana 11.3.0; data source Prometheus SOC found"


def test_connection_reports_auth_refused(db_session, fake_grafana, encryption_key):
    source = grafana_source(db_session, fake_grafana.url, secrets={"token": "glsa_nope_nope"})
    report = check_connection(source.id)
    assert (report.ok, report.kind) == (False, "auth")
    assert report.message == "authentication refused by 127.0.0.1 (HTTP 401): invalid API key"


def test_connection_reports_dns_failure(db_session, encryption_key):
    report = check_connection(grafana_source(db_session, "https://grafana.does-not-exist.invalid").id)
    assert (report.kind, report.message) == ("dns", "DNS: cannot resolve host grafana.does-not-exist.invalid")


def test_connection_reports_a_refused_connection(db_session, encryption_key):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    report = check_connection(grafana_source(db_session, f"http://127.0.0.1:{port}").id)
    assert report.kind == "connection" and "cannot connect to 127.0.0.1" in report.message


def test_connection_reports_a_timeout(db_session, fake_grafana, encryption_key, app, monkeypatch):
    monkeypatch.setitem(app.config, "MSSP_HTTP_MAX_ATTEMPTS", 1)
    fake_grafana.delays["/api/health"] = 1.5
    report = check_connection(grafana_source(db_session, fake_grafana.url, timeout=1).id)
    assert (report.kind, report.message) == ("timeout", "timeout: 127.0.0.1 did not answer within 1 s")


def test_connection_reports_an_untrusted_certificate(db_session, fake_jira_tls, encryption_key):
    report = check_connection(jira_cloud_source(db_session, fake_jira_tls.url).id)
    assert report.kind == "tls"
    assert report.message.startswith("TLS error with 127.0.0.1: certificate verify failed")


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_verification_can_be_turned_off_per_source(db_session, fake_jira_tls, encryption_key):
    source = jira_cloud_source(db_session, fake_jira_tls.url)
    source.verify_tls = False
    assert check_connection(source.id).ok


def test_connection_reports_an_unexpected_response(db_session, fake_grafana, encryption_key):
    fake_grafana.script("/api/health", Reply(200, "<html>a login page</html>"))
    report = check_connection(grafana_source(db_session, fake_grafana.url).id)
    assert report.kind == "unexpected_response"
    assert "answered HTTP 200 with a body that is not valid JSON (text/html)" in report.message


def test_a_run_against_a_blocked_address_is_recorded(db_session, encryption_key):
    client = make_client(db_session, "Acme Corp")
    source = grafana_source(db_session, "http://169.254.169.254")
    map_client(db_session, source, client, "acme")
    query = make_query(
        db_session,
        source,
        endpoint="/api/ds/query",
        query_template="up",
        jsonpath_mappings=FRAME_MAPPINGS,
        target=QueryTarget.SERVICE_PERFORMANCE_METRIC,
    )
    run = run_query(query.id)
    assert run.status is SyncRunStatus.FAILED and run.error_kind == "blocked"
