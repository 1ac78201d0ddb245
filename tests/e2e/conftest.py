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
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import ADMIN_EMAIL, ADMIN_PASSWORD, ROOT, serve

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

DEMO_PASSWORD = "demo-password-2026"
USERS = {
    "Admin": (ADMIN_EMAIL, ADMIN_PASSWORD),
    "Manager": ("manager@mssp.example", DEMO_PASSWORD),
    "Account Manager": ("am@mssp.example", DEMO_PASSWORD),
    "Engineer": ("engineer@mssp.example", DEMO_PASSWORD),
}
#: A user of its own for the lockout journey, so the others can still sign in.
LOCKOUT_EMAIL, LOCKOUT_PASSWORD = "lockout.target@mssp.example", "quiet-harbour-lamp-2026"


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
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lockout_user = [
        "fab", "create-user", "--role", "Manager", "--username", LOCKOUT_EMAIL,
        "--firstname", "Lockout", "--lastname", "Target", "--email", LOCKOUT_EMAIL,
        "--password", LOCKOUT_PASSWORD,
    ]
    with serve(
        E2E_DATABASE,
        seed_demo=True,
        prepare=[lockout_user],
        keep="MSSP_E2E_DATABASE" in os.environ,
        log_name="e2e/e2e-gunicorn",
    ) as base_url:
        yield base_url


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
