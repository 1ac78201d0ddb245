"""Security headers on every response; pages are not cached; scripts carry the CSP nonce."""

from __future__ import annotations

import re

import pytest

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
NONCE_IN_CSP = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]+)'")


def csp_nonce(response) -> str:
    match = NONCE_IN_CSP.search(response.headers["Content-Security-Policy"])
    assert match, response.headers["Content-Security-Policy"]
    return match.group(1)


def assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-eval" not in csp
    assert "script-src 'self' 'nonce-" in csp and "script-src 'self' 'unsafe-inline'" not in csp
    assert "style-src 'self' 'nonce-" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def assert_scripts_allowed_by_csp(response):
    """Every <script> either loads from this site or carries this response's nonce."""
    nonce = csp_nonce(response)
    tags = SCRIPT_TAG.findall(response.get_data(as_text=True))
    assert tags
    for attributes in tags:
        src = re.search(r'src="([^"]*)"', attributes)
        if src:
            assert src.group(1).startswith("/"), f"script from elsewhere: {src.group(1)}"
        else:
            assert f'nonce="{nonce}"' in attributes, f"inline script without the nonce: <script{attributes}>"
    page = response.get_data(as_text=True)
    assert not re.search(r'<link[^>]+href="(https?:)?//', page), "a stylesheet from elsewhere"
    assert not re.search(r"\son[a-z]+=\"", page), "an inline event handler (blocked by the CSP)"


def test_the_login_page_has_the_headers_and_only_nonced_or_local_scripts(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert_security_headers(response)
    assert_scripts_allowed_by_csp(response)


@pytest.mark.parametrize("url", ["/users/list/", "/users/add", "/roles/list/", "/users/userinfo/"])
def test_admin_pages_have_the_headers_and_no_store(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 200
    assert_security_headers(response)
    assert_scripts_allowed_by_csp(response)
    assert "no-store" in response.headers["Cache-Control"]


def test_each_response_gets_its_own_nonce(client):
    assert csp_nonce(client.get("/login/")) != csp_nonce(client.get("/login/"))


def test_api_responses_and_errors_have_the_headers_too(client, admin_client):
    assert_security_headers(client.get("/health"))
    assert_security_headers(client.get("/no/such/page"))
    api = client.post("/api/v1/security/login", json={"username": "x", "password": "y", "provider": "db"})
    assert_security_headers(api)
    assert api.headers["Cache-Control"] == "no-store"


def test_static_files_have_the_headers_but_may_be_cached(client):
    response = client.get("/static/appbuilder/js/ab.js")
    assert response.status_code == 200
    assert_security_headers(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_every_response_names_its_request_id(client):
    response = client.get("/login/", headers={"X-Request-ID": "trace-123"})
    assert response.headers["X-Request-ID"] == "trace-123"
    generated = client.get("/login/", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
