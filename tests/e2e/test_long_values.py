"""Issue 17.4 at a desktop width: long values wrap inside their column at 1280 px, on lists
with many columns, instead of pushing the last columns off the screen; and a time typed on a
form is saved as typed (issue 17.7)."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import form_errors, pick_related, screenshot, sign_in

pytestmark = pytest.mark.e2e

RUN = str(int(time.time()))
DESKTOP = {"width": 1280, "height": 800}


def table_fits(page) -> tuple[int, int]:
    return tuple(page.evaluate(
        "() => [Math.ceil(document.querySelector('table.table').getBoundingClientRect().right),"
        " document.documentElement.clientWidth]"
    ))


def test_long_ticket_values_wrap_in_the_ticket_list_at_1280_px(page):
    sign_in(page, "Admin")
    page.set_viewport_size(DESKTOP)
    key = f"LONG-{RUN}-" + "K" * 80
    summary = "Endpoint isolation requested for " + "host" * 40 + f" and more words {RUN}"
    page.goto("/ticketview/add")
    pick_related(page, "client", "a")
    page.fill("#external_key", key)
    page.fill("#summary", summary)
    page.fill("#opened_at", "2026-11-30 08:15")
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()
    assert page.locator(".alert-success").count(), form_errors(page)

    page.goto(f"/ticketview/list/?_flt_0_external_key={key}")
    row = page.locator("table tr", has_text=key[:40])
    assert row.count() == 1
    assert "2026-11-30 08:15 UTC" in row.inner_text(), "the time typed, shown as typed"
    right, window = table_fits(page)
    assert right <= window, f"the ticket list ends at {right} px in a {window} px window"
    # The last column's header (SLA breached) is on screen.
    header = page.locator("table.table th", has_text="SLA breached").first.bounding_box()
    assert header["x"] + header["width"] <= window
    screenshot(page, "admin-ticket-list-long-values-1280")


def test_the_widest_lists_fit_1280_px_with_the_demo_data(page):
    sign_in(page, "Admin")
    page.set_viewport_size(DESKTOP)
    for url in ("/clientview/list/", "/contractview/list/", "/transactionview/list/", "/ticketview/list/",
                "/servicescopeview/list/", "/hardwareassetview/list/", "/clientlicenseview/list/"):
        page.goto(url)
        right, window = table_fits(page)
        assert right <= window, f"{url} ends at {right} px in a {window} px window"
