"""The bounded OpenAPI fuzz lane: schemathesis over every operation of `/api/v1/_openapi`.

gunicorn as `make run` serves it (2 workers x 4 threads) on a throwaway database of its own,
fuzzed as an account manager, then as an admin over our resources, and last as an admin over
FAB's security resources (users, roles, permissions, resources, groups): those may change
the fuzzer's own account, so they run last, and the database is dropped afterwards. The
login and token refresh operations are left out (the login throttle and lockout are tested
in tests/web/). A fixed seed and example count keep the run reproducible and bounded
(about 3 minutes here; MSSP_FUZZ_EXAMPLES widens it by hand). `--workers 1`: with several
workers Hypothesis 6.170 fails at random ("AST constructor recursion depth mismatch").

The admin runs try each operation's boundary and invalid values (schemathesis' coverage
phase) and random cases (fuzzing); the account manager run random cases.

Checked: no response >= 500 (`not_a_server_error`) and every response matches the document
(`response_schema_conformance`). A failure prints schemathesis' report: each case with a
curl line to reproduce it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live_server import ADMIN_EMAIL, ADMIN_PASSWORD, BIN, LOGS, serve

pytestmark = pytest.mark.fuzz

SEED = 20261205
EXAMPLES = int(os.environ.get("MSSP_FUZZ_EXAMPLES", "5"))
DATABASE = f"mssp_fuzz_{os.getpid()}"
CHECKS = "not_a_server_error,response_schema_conformance"
NOT_FUZZED = r"/security/(login|refresh)$"
SECURITY = r"^/api/v1/security/"
ACCOUNT_MANAGER = ("seller@mssp.example", "quartz-meadow-harbor-41")


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    if not (BIN / "schemathesis").exists():
        pytest.skip("schemathesis is not installed (make install installs requirements.txt)")
    email, password = ACCOUNT_MANAGER
    create_account_manager = [
        "fab", "create-user", "--role", "Account Manager", "--username", email, "--firstname", "Fuzz",
        "--lastname", "Account Manager", "--email", email, "--password", password,
    ]
    with serve(DATABASE, prepare=[create_account_manager], log_name="fuzz-gunicorn") as base_url:
        yield base_url


def token(base_url: str, email: str, password: str) -> str:
    response = requests.post(
        f"{base_url}/api/v1/security/login",
        json={"username": email, "password": password, "provider": "db"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture(scope="module")
def document(live: str, tmp_path_factory) -> Path:
    """The OpenAPI document as the admin reads it (an account manager may not read it)."""
    admin = token(live, ADMIN_EMAIL, ADMIN_PASSWORD)
    headers = {"Authorization": f"Bearer {admin}"}
    response = requests.get(f"{live}/api/v1/_openapi", headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    path = tmp_path_factory.mktemp("fuzz") / "openapi.json"
    path.write_text(json.dumps(response.json()))
    return path


def fuzz(
    base_url: str, document: Path, bearer: str, name: str, *, security: bool, phases: str = "coverage,fuzzing"
) -> None:
    """One schemathesis run: FAB's security resources alone (`security`) or everything else."""
    if security:
        selection = ["--include-path-regex", SECURITY, "--exclude-path-regex", NOT_FUZZED]
    else:
        selection = ["--exclude-path-regex", f"{SECURITY}|{NOT_FUZZED}"]
    report = LOGS / f"fuzz-{name}.txt"
    command = [
        str(BIN / "schemathesis"), "run", str(document), "--url", base_url,
        "--header", f"Authorization: Bearer {bearer}",
        "--checks", CHECKS, "--max-examples", str(EXAMPLES), "--seed", str(SEED),
        "--phases", phases, "--workers", "1", "--no-shrink",
        "--request-timeout", "30", *selection,
    ]
    # Our own settings only: no SCHEMATHESIS_* variable of the caller's shell widens the run.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    LOGS.mkdir(parents=True, exist_ok=True)
    report.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        pytest.fail(f"schemathesis found problems ({name}), report in {report}:\n{result.stdout[-12000:]}")


def test_fuzz_as_an_account_manager(live, document):
    email, password = ACCOUNT_MANAGER
    # FAB's security resources answer an account manager 403 throughout, and the boundary
    # values of the coverage phase are the admin run's (tests/web/test_permission_matrix.py
    # checks the 403s): random cases only, so the lane stays within a few minutes.
    fuzz(live, document, token(live, email, password), "account-manager", security=False, phases="fuzzing")


def test_fuzz_as_an_admin(live, document):
    fuzz(live, document, token(live, ADMIN_EMAIL, ADMIN_PASSWORD), "admin", security=False)


def test_fuzz_the_security_resources_as_an_admin_last(live, document):
    fuzz(live, document, token(live, ADMIN_EMAIL, ADMIN_PASSWORD), "admin-security", security=True)

