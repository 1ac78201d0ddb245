"""Real-browser fixtures: the app served by gunicorn on 127.0.0.1, driven by Debian's Chromium.

One session: a database of its own on the embedded server (`mssp_e2e_<pid>`, dropped after),
`flask db upgrade`, `flask mssp init` (admin), `flask mssp seed-demo` (a user per role),
gunicorn on a free port until /health answers, then one headless Chromium shared by the
tests (each test gets a fresh browser context, so a fresh cookie jar). Playwright's own
browser download does not work here: it drives /usr/bin/chromium (`make e2e-deps`
installs it with apt); without it the tests are skipped with a message saying so.
Screenshots go to test-output/e2e/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("MSSP_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A database per run (several runs may share the embedded server), dropped at the end.
E2E_DATABASE = os.environ.get("MSSP_E2E_DATABASE") or f"mssp_e2e_{os.getpid()}"
#: The options an open select2 picker offers, once its AJAX search has answered.
PICKER_OPTIONS = (
    ".select2-container--open .select2-results__option:not(.loading-results):not(.select2-results__message)"
)
SCREENSHOTS = ROOT / "test-output" / "e2e"

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@mssp.example", "orbit-lantern-2026"
DEMO_PASSWORD = "demo-password-2026"
USERS = {
    "Admin": (ADMIN_EMAIL, ADMIN_PASSWORD),
    "Manager": ("manager@mssp.example", DEMO_PASSWORD),
    "Account Manager": ("am@mssp.example", DEMO_PASSWORD),
    "Engineer": ("engineer@mssp.example", DEMO_PASSWORD),
}
#: A user of its own for the lockout journey, so the others can still sign in.
LOCKOUT_EMAIL, LOCKOUT_PASSWORD = "lockout.target@mssp.example", "quiet-harbour-lamp-2026"

RESET_SCHEMA = """
from sqlalchemy import text
from app import create_app
from app.extensions import db
with create_app().app_context():
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()
"""


DROP_DATABASE = """
import sys
import psycopg2
from psycopg2 import sql
from app.db.embedded import start_embedded_server
from config import config_for
server = start_embedded_server(config_for().MSSP_INSTANCE_DIR)
conn = psycopg2.connect(server.get_uri("postgres"))
conn.autocommit = True
with conn.cursor() as cursor:
    cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(sys.argv[1])))
conn.close()
"""


def _server_env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env.update(
        FLASK_APP="run.py",
        MSSP_ENV="development",
        MSSP_EMBEDDED_DATABASE=E2E_DATABASE,
        MSSP_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        # Every journey signs in from 127.0.0.1: the per-IP login throttle must not get in the way.
        MSSP_LOGIN_RATE_LIMIT="1000 per minute",
        MSSP_ADMIN_EMAIL=ADMIN_EMAIL,
        MSSP_ADMIN_PASSWORD=ADMIN_PASSWORD,
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_health(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer /health within {timeout}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(
            f"real-browser tests skipped: no Chromium at {CHROMIUM} "
            "(install it with `make e2e-deps`, i.e. apt-get install chromium, as root)"
        )
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make install)")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(chromium_path: str) -> Iterator[str]:
    """The base URL of gunicorn serving the app on a fresh, migrated, seeded database."""
    port = _free_port()
    env = _server_env(port)
    python, flask = str(BIN / "python"), str(BIN / "flask")
    _run([python, "-c", RESET_SCHEMA], env)
    _run([flask, "db", "upgrade"], env)
    _run([flask, "mssp", "init"], env)
    _run([flask, "mssp", "seed-demo"], env)
    _run(
        [
            flask,
            "fab",
            "create-user",
            "--role",
            "Manager",
            "--username",
            LOCKOUT_EMAIL,
            "--firstname",
            "Lockout",
            "--lastname",
            "Target",
            "--email",
            LOCKOUT_EMAIL,
            "--password",
            LOCKOUT_PASSWORD,
        ],
        env,
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log = SCREENSHOTS.parent / "e2e-gunicorn.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "run:app"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_for_health(base_url, server, log)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if "MSSP_E2E_DATABASE" not in os.environ:
                _run([python, "-c", DROP_DATABASE, E2E_DATABASE], env)


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    # launch() gives Chromium a fresh, empty profile directory of its own (removed at close).
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()


class ConsoleLog(list):
    """Console errors and failed responses of a page, as readable lines."""


@pytest.fixture
def page(browser, live_server: str):
    """A page in a fresh browser context (no cookies), 1280x800, its console errors recorded."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    # Generous: CI machines are shared (2 cores); a slow page is not a broken one.
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.console_errors = ConsoleLog()
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and page.console_errors.append(f"{message.text} ({message.location.get('url')})")
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(f"uncaught: {error}"))
    yield page
    context.close()


def sign_in(page, role_or_email: str, password: str | None = None) -> None:
    """Sign in through the login form as a demo user of `role` (or an email and password)."""
    email, default_password = USERS.get(role_or_email, (role_or_email, None))
    page.goto("/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password or default_password)
    page.click("form [type=submit]")
    page.wait_for_load_state()


def screenshot(page, name: str, full_page: bool = False) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def pick_related(page, field: str, search: str, option_text: str | None = None) -> str:
    """Choose `option_text` (default: the first match of `search`) in an AJAX select2 picker."""
    page.click(f"#{field} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", search)
    options = page.locator(PICKER_OPTIONS)
    chosen = options.filter(has_text=option_text) if option_text else options
    chosen.first.wait_for()
    label = chosen.first.inner_text()
    chosen.first.click()
    return label


def choose(page, field: str, value: str) -> None:
    """Set a plain (select2-styled) select by option value."""
    page.select_option(f"select#{field}", value, force=True)


def form_errors(page) -> str:
    return " | ".join(page.locator(".alert-danger, .help-block, .has-error").all_inner_texts())
