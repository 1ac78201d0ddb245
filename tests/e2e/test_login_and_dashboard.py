"""A manager's dashboard in a real browser, and the account lockout as the login page shows it."""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.conftest import LOCKOUT_EMAIL, LOCKOUT_PASSWORD, screenshot, sign_in

pytestmark = pytest.mark.e2e
PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

GENERIC_FAILURE = "Invalid email or password."


DRAWN_JS = """() => {
    const charts = [...document.querySelectorAll('.dash-chart:not(.hidden)')];
    return charts.length > 0 && charts.every(c => c.querySelector('svg.main-svg'));
}"""


def charts_drawn(page) -> tuple[int, int]:
    """(charts on the page, charts with Plotly's SVG in them), once all have drawn or 60 s passed."""
    # Not "networkidle": Playwright discourages it, and a request the browser never settles (an
    # aborted favicon, a keep-alive) can hold it past any timeout. The charts' SVG is the signal.
    page.wait_for_load_state("load")
    # A timeout is counted below: the assertion says how many charts did not draw.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(DRAWN_JS, timeout=60_000)
    total = page.locator(".dash-chart:not(.hidden)").count()
    return total, page.locator(".dash-chart:not(.hidden):has(svg.main-svg)").count()


def test_manager_dashboard_draws_every_chart_and_redraws_on_a_new_period(page):
    sign_in(page, "Manager")
    page.goto("/dashboards/")
    total, drawn = charts_drawn(page)
    assert total >= 5, "the overview shows its charts"
    assert drawn == total, f"{total - drawn} chart(s) without a Plotly SVG"
    assert "Quarter" in page.locator("#dash-range option:checked").inner_text()
    period_before = page.locator(".dash-period").inner_text()
    screenshot(page, "dashboard-manager")

    # A new period: the page is asked again with range=year and every chart is drawn anew.
    page.evaluate("window.__before_redraw = true")
    page.select_option("#dash-range", "year")
    with page.expect_navigation():
        page.click("#dash-filters button[type=submit]")
    assert "range=year" in page.url
    assert page.evaluate("window.__before_redraw === undefined"), "the page was reloaded"
    total_after, drawn_after = charts_drawn(page)
    assert drawn_after == total_after == total
    assert page.locator(".dash-period").inner_text() != period_before
    assert "Year" in page.locator("#dash-range option:checked").inner_text()
    screenshot(page, "dashboard-manager-year", full_page=True)

    # No CSP refusal (plotly.js's <style> elements carry the nonce), no missing favicon, no error.
    assert page.console_errors == [], page.console_errors


def test_logout_is_the_navbar_form_and_signs_out(page):
    sign_in(page, "Engineer")
    page.goto("/clientview/list/")
    page.click(".navbar-right .dropdown-toggle:has(.fa-user)")
    with page.expect_navigation():
        page.click("form.mssp-logout button[type=submit]")
    page.goto("/clientview/list/")
    assert "/login" in page.url, "signed out"
    assert page.console_errors == [], page.console_errors


def test_five_wrong_passwords_lock_the_account_and_the_login_page_stays_generic(page):
    for attempt in range(5):
        sign_in(page, LOCKOUT_EMAIL, f"wrong-password-{attempt}-xyz")
        assert "/login" in page.url
        assert GENERIC_FAILURE in page.content()

    # The right password no longer opens it, and the page does not tell why.
    sign_in(page, LOCKOUT_EMAIL, LOCKOUT_PASSWORD)
    assert "/login" in page.url, "a locked account stays out"
    body = page.locator("body").inner_text()
    assert GENERIC_FAILURE in body
    assert "lock" not in body.lower()
    screenshot(page, "login-locked-generic")

    # An unknown email gets the very same answer.
    sign_in(page, "nobody-here@mssp.example", LOCKOUT_PASSWORD)
    assert GENERIC_FAILURE in page.locator("body").inner_text()
