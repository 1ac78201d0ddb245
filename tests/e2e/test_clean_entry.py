"""Issue 17.3 and 17.4 in a real browser: a typed date is never rewritten (an impossible day
and a non-ISO date are refused with the format shown, the text kept as typed); the calendar
button writes an ISO date only when a day is picked; a long name wraps in the list instead
of pushing its columns off the screen."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import form_errors, pick_related, screenshot, sign_in

pytestmark = pytest.mark.e2e

RUN = str(int(time.time()))


def save(page) -> None:
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()


def error_of(page, field: str) -> str:
    """The message shown in the form row of `field`."""
    return page.locator(f"tr:has(#{field}) .alert-danger").inner_text().strip()


def test_an_invalid_date_is_refused_and_nothing_is_rewritten(page):
    sign_in(page, "Account Manager")
    page.goto("/contractview/add")
    pick_related(page, "client", "a")
    page.fill("#contract_name", f"Typed dates {RUN}")
    page.click("#start_date")
    page.keyboard.type("2026-02-30")
    page.keyboard.press("Tab")  # leaving the field rewrote it before (2026-03-02)
    page.click("#end_date")
    page.keyboard.type("12/01/2026")
    page.click("#contract_name")
    assert page.input_value("#start_date") == "2026-02-30"
    assert page.input_value("#end_date") == "12/01/2026"
    page.fill("#value", "1000")
    page.fill("#currency", "EUR")
    save(page)

    assert "/contractview/add" in page.url, "refused: the form is shown again"
    assert page.input_value("#start_date") == "2026-02-30", "kept as typed"
    assert page.input_value("#end_date") == "12/01/2026", "kept as typed"
    assert "2026-02-30 is not a day of the calendar (use YYYY-MM-DD" in error_of(page, "start_date")
    assert "Not a valid date: use YYYY-MM-DD, e.g. 2026-03-31." in error_of(page, "end_date")
    screenshot(page, "am-contract-invalid-dates")

    # The calendar helps without rewriting: only a picked day writes an ISO date.
    page.eval_on_selector(
        "tr:has(#end_date) .mssp-date-native",
        "el => { el.value = '2027-03-31'; el.dispatchEvent(new Event('change', {bubbles: true})); }",
    )
    assert page.input_value("#end_date") == "2027-03-31"
    page.fill("#start_date", "2026-04-01")
    save(page)
    assert page.locator(".alert-success").count(), form_errors(page)
    assert page.console_errors == [], page.console_errors


def test_a_long_name_wraps_in_the_list_instead_of_widening_it(page):
    sign_in(page, "Account Manager")
    long_name = f"Unbroken{RUN}" + "X" * 150
    page.goto("/clientview/add")
    page.fill("#company_name", f"  {long_name}  ")
    save(page)
    assert page.locator(".alert-success").count(), form_errors(page)
    page.set_viewport_size({"width": 800, "height": 800})  # a laptop's half screen
    page.goto(f"/clientview/list/?_flt_0_company_name={long_name[:20]}")
    row = page.locator("table tr", has_text=long_name[:60])  # lists cut long text with "…"
    assert row.count() == 1, "saved trimmed, listed once"
    widths = page.evaluate(
        "() => [document.querySelector('table.table').scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the list is {widths[0]} px wide in a {widths[1]} px window"
    screenshot(page, "am-client-list-long-name")
