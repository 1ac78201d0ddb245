"""Pytest fixtures of the sync tests: fake servers, a test encryption key, records to sync into.

Test modules load them with `pytest_plugins = ("tests.fakes.fixtures",)`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.fakes.grafana import FakeGrafana
from tests.fakes.jira import FakeJira

#: The Fernet key of the sync tests (fixed: a failure is reproducible).
TEST_KEY = Fernet.generate_key().decode()


@pytest.fixture
def encryption_key(app, monkeypatch: pytest.MonkeyPatch) -> str:
    """The app encrypts with TEST_KEY for the test."""
    monkeypatch.setitem(app.config, "MSSP_ENCRYPTION_KEYS", [TEST_KEY])
    return TEST_KEY


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    server = FakeJira("cloud")
    yield server
    server.close()


@pytest.fixture
def fake_jira_dc() -> Iterator[FakeJira]:
    server = FakeJira("data_center")
    yield server
    server.close()


@pytest.fixture
def fake_grafana() -> Iterator[FakeGrafana]:
    server = FakeGrafana()
    yield server
    server.close()


def self_signed_context(tmp_path) -> ssl.SSLContext:
    """A server TLS context with a self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


@pytest.fixture
def fake_jira_tls(tmp_path) -> Iterator[FakeJira]:
    """A Cloud fake over HTTPS with a self-signed certificate."""
    server = FakeJira("cloud", tls=self_signed_context(tmp_path))
    yield server
    server.close()
