"""Bulk edit in a real browser: an admin ticks two clients in the list, edits a field of
both at once, previews, applies and reads the report; the list shows the new value."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import form_errors, screenshot, sign_in

pytestmark = pytest.mark.e2e

RUN = str(int(time.time()))
NAMES = [f"Bulkfjord Alpha {RUN}", f"Bulkfjord Bravo {RUN}"]
INDUSTRY = f"Maritime {RUN}"


def add_client(page, name: str) -> None:
    page.goto("/clientview/add")
    page.fill("#company_name", name)
    page.fill("#currency", "EUR")
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()
    assert page.locator(".alert-success").count(), form_errors(page)


def test_admin_edits_two_clients_at_once_and_reads_the_report(page):
    sign_in(page, "Admin")
    for name in NAMES:
        add_client(page, name)

    page.goto(f"/clientview/list/?q=Bulkfjord+{RUN}")
    button = page.locator("#mssp-bulk-edit-selected")
    assert button.is_disabled(), "nothing ticked yet: Edit selected waits"
    for name in NAMES:
        page.locator("table tr", has_text=name).locator("input.action_check").check()
    assert page.locator("#mssp-bulk-edit-count").inner_text() == "2"
    screenshot(page, "admin-bulk-edit-selected")
    with page.expect_navigation():
        button.click()
    assert "You are editing 2 clients" in page.locator(".mssp-bulk-selection").inner_text()

    page.fill("#industry", INDUSTRY)  # typing ticks the field's "Change" box
    assert page.locator("#bulk_set_industry").is_checked()
    with page.expect_navigation():
        page.click("#mssp-bulk-preview")
    report = page.locator(".mssp-bulk-report").inner_text()
    assert "Preview, nothing saved yet" in report and "2 client(s) would change" in report, report
    screenshot(page, "admin-bulk-edit-preview")
    with page.expect_navigation():
        page.click("#mssp-bulk-apply")
    report = page.locator(".mssp-bulk-report").inner_text()
    assert "2 client(s) changed" in report, report
    screenshot(page, "admin-bulk-edit-applied")

    page.goto(f"/clientview/list/?q=Bulkfjord+{RUN}")
    for name in NAMES:
        assert INDUSTRY in page.locator("table tr", has_text=name).inner_text()
    assert not page.console_errors, page.console_errors
