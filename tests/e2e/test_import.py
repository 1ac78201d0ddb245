"""Import in a real browser (issue 18.3): an account manager exports the clients to CSV,
changes two rows and adds one in the file, imports it (dry run, then confirm) and finds the
new client from the navbar search (`/` focuses it)."""

from __future__ import annotations

import csv
import io
import time

import pytest

from tests.e2e.conftest import form_errors, screenshot, sign_in

pytestmark = pytest.mark.e2e

RUN = str(int(time.time()))
NEW_CLIENT = f"Importvik Harbour {RUN}"


def write_csv(path, header, body):
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *body])
    return path


def dry_run(page, path) -> None:
    page.goto("/clientview/list/")
    with page.expect_navigation():
        page.locator(".mssp-import a", has_text="Import").click()
    page.set_input_files("#import-file", str(path))
    page.check("input[name=update_by_key]")
    with page.expect_navigation():
        page.locator("form.mssp-import-form button[type=submit]").click()


def own_clients(page, header, body, contact, tmp_path) -> list[str]:
    """The clients this account manager may change: a dry run changing every row says which
    (the others are refused as another team's)."""
    probe = [[*row[:contact], f"Probe {RUN}", *row[contact + 1 :]] for row in body]
    dry_run(page, write_csv(tmp_path / "probe.csv", header, probe))
    updates = page.locator(
        ".mssp-import-rows tr", has=page.locator("td.mssp-import-action", has_text="update")
    )
    refused = page.locator(".mssp-import-error", has_text="Not one of your clients")
    assert refused.count() > 0, "another team's clients are refused"
    return [updates.nth(i).locator("td").nth(2).inner_text().strip() for i in range(updates.count())]


def test_account_manager_round_trips_clients_through_a_csv(page, tmp_path):
    sign_in(page, "Account Manager")
    page.goto("/clientview/list/")
    with page.expect_download() as download:
        page.locator("a.mssp-export").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert "Company" in header and len(body) >= 2, header
    contact = header.index("Contact")
    mine = own_clients(page, header, body, contact, tmp_path)
    assert len(mine) >= 2, "the demo account manager looks after at least two clients"
    changed = mine[:2]
    for row in body:
        if row[0] == changed[0]:
            row[contact] = f"Changed Contact A {RUN}"
        elif row[0] == changed[1]:
            row[contact] = f"Changed Contact B {RUN}"
    new_row = [""] * len(header)
    new_row[header.index("Company")] = NEW_CLIENT
    new_row[header.index("Status")] = "Prospect"
    new_row[contact] = "Ingrid Importer"
    body.append(new_row)
    path = write_csv(tmp_path / "clients-edited.csv", header, body)

    dry_run(page, path)
    summary = page.locator(".mssp-import-summary").inner_text()
    problems = " | ".join(page.locator(".mssp-import-rows tr.danger").all_inner_texts())
    assert "1 would be created, 2 would be updated" in summary, summary + problems + form_errors(page)
    assert "with errors" not in summary
    screenshot(page, "am-import-dry-run", full_page=True)

    with page.expect_navigation():
        page.locator("form.mssp-import-confirm button[type=submit]").click()
    summary = page.locator(".mssp-import-summary").inner_text()
    assert "1 were created, 2 were updated" in summary, summary + form_errors(page)
    assert page.locator(".alert-success").count()
    screenshot(page, "am-import-done")

    page.goto(f"/clientview/list/?q={changed[0].split()[0]}")
    assert page.locator("table tr", has_text=f"Changed Contact A {RUN}").count() == 1

    page.locator("body").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "mssp-global-search"
    page.keyboard.type(NEW_CLIENT)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    with page.expect_navigation():
        page.locator("a", has_text=NEW_CLIENT).first.click()
    assert NEW_CLIENT in page.locator("body").inner_text()
    assert "Ingrid Importer" in page.locator("body").inner_text()
    screenshot(page, "am-imported-client-found")
