"""The main journeys of the people who run the business, in a real browser.

The tests of this module run in order: the admin defines the select custom field the
account manager then fills on a new client.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.e2e.conftest import PICKER_OPTIONS, choose, form_errors, pick_related, screenshot, sign_in

pytestmark = pytest.mark.e2e

FIELD_NAME, FIELD_LABEL = "onboarding_tier", "Onboarding tier"
FIELD_CHOICES = ["Gold", "Silver", "Bronze"]
RUN = str(int(time.time()))
CLIENT_NAME = f"Nordwind Logistics {RUN}"
SUCCESS = ".alert-success"


def save(page) -> None:
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()


def add_choices(page, choices: list[str]) -> None:
    """Type each choice into the list editor (no JSON): "Add", then the new row's input."""
    editor = page.locator('[data-editor-for="select_options"]')
    for choice in choices:
        editor.get_by_role("button", name="Add").click()
        editor.locator(".mssp-list-row input").last.fill(choice)


def test_admin_defines_a_select_custom_field_on_client(page):
    sign_in(page, "Admin")
    page.goto("/customfieldview/add")
    choose(page, "entity_type", "client")
    page.fill("#name", FIELD_NAME)
    page.fill("#label", FIELD_LABEL)
    choose(page, "field_type", "select")
    add_choices(page, ["Gold", "Silver", "Bronze"])
    save(page)
    assert page.locator(SUCCESS).count(), form_errors(page)

    page.goto("/customfieldview/list/")
    row = page.locator("table tr", has_text=FIELD_LABEL)
    assert row.count() == 1, "the definition is listed"
    screenshot(page, "admin-custom-field-defined")


def test_account_manager_creates_client_contract_and_scope(page):
    sign_in(page, "Account Manager")

    page.goto("/clientview/add")
    page.fill("#company_name", CLIENT_NAME)
    page.fill("#currency", "EUR")
    custom = page.locator(f"form [name$='{FIELD_NAME}']")
    assert custom.count(), f"the client form has no input for the custom field {FIELD_LABEL!r}"
    page.select_option(f"form select[name$='{FIELD_NAME}']", "Silver", force=True)
    save(page)
    assert page.locator(SUCCESS).count(), form_errors(page)
    screenshot(page, "am-client-created")

    today = dt.date.today()
    add_contract(page, f"Managed SOC {RUN}", today, today + dt.timedelta(days=365), "48000")

    page.goto("/servicescopeview/add")
    pick_related(page, "contract", f"Managed SOC {RUN}", f"Managed SOC {RUN}")
    # Managed Firewall: its template parameters (HA pair, included change requests) have defaults.
    pick_related(page, "service", "Managed Firewall", "Managed Firewall")
    # The service's template parameters appear as inputs of their own (fetched when it is picked).
    page.locator("form [data-template-parameter]").first.wait_for()
    parameter_inputs = page.locator("form [name^='scope_details'], form [data-template-parameter]")
    assert parameter_inputs.count() > 1, "the service template's parameters are not inputs of the form"
    assert page.locator("form textarea[name='scope_details']").count() == 0, "a raw JSON box is left"
    page.fill("form [name='scope_details.change_requests_per_month']", "12")
    page.fill("#quantity", "1")
    page.fill("#price", "4000")
    page.fill("#currency", "EUR")
    screenshot(page, "am-scope-form")
    save(page)
    assert page.locator(SUCCESS).count(), form_errors(page)
    screenshot(page, "am-scope-created")

    page.goto("/clientview/list/")
    screenshot(page, "am-client-list-all")
    page.goto("/clientview/list/?_flt_0_company_name=Nordwind")
    row = page.locator("table tr", has_text=CLIENT_NAME)
    assert row.count() == 1
    screenshot(page, "am-client-list")
    with page.expect_navigation():
        row.locator("a[href*='/show/']").first.click()
    assert CLIENT_NAME in page.locator("body").inner_text()
    screenshot(page, "am-client-page")


def dashboard_figures(page) -> dict[str, str]:
    """The manager's headline money tiles, as the page shows them (once drawn)."""
    page.goto("/dashboards/")
    tiles = {}
    for key in ("contract_value", "mrr", "contracts_ending"):
        tile = page.locator(f"[data-tile='{key}']")
        tile.wait_for()
        tiles[key] = tile.inner_text()
    return tiles


def test_account_manager_renews_a_contract_ending_soon(page, browser, live_server):
    """Issue 17.1: renewing early (signed) leaves every dashboard figure as it was."""
    sign_in(page, "Account Manager")
    name, today = f"Managed EDR {RUN}", dt.date.today()
    add_contract(
        page, name, today - dt.timedelta(days=335), today + dt.timedelta(days=20), "24000", status="active"
    )
    manager_context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    manager_context.set_default_timeout(60_000)
    manager = manager_context.new_page()
    sign_in(manager, "Manager")
    before = dashboard_figures(manager)

    page.goto("/contractview/list/")
    with page.expect_navigation():
        page.click("a[href$='ending_within=30']")
    row = page.locator("table tr", has_text=name)
    assert row.count() == 1, "the contract is among those ending within 30 days"
    screenshot(page, "am-contracts-ending-within-30")
    row.locator("a[href*='/contractview/show/']").first.click()
    page.wait_for_url("**/contractview/show/**")
    page.locator("a[id$='-renew']").first.click()
    # Wait for the URL itself: an expected navigation may settle on the previous page's.
    page.wait_for_url("**/contractview/renew/**")
    assert page.input_value("#value").startswith("24000")
    page.fill("#value", "26000")
    choose(page, "status", "signed")
    screenshot(page, "am-contract-renew-form")
    save(page)
    assert page.locator(SUCCESS).count(), form_errors(page)
    body = page.locator("body").inner_text()
    assert f"is Active until {today + dt.timedelta(days=20)}" in body and "26,000.00" in body
    assert page.locator(".mssp-renewal-chain a", has_text=name).count() == 1, "the chain links the old one"
    screenshot(page, "am-contract-renewed", full_page=True)
    # The renewed contract offers no second renewal.
    page.locator(".mssp-renewal-chain a", has_text=name).first.click()
    page.wait_for_url("**/contractview/show/**")
    page.locator(".mssp-renewal-chain").wait_for()
    assert page.locator("a[id$='-renew']").count() == 0

    assert dashboard_figures(manager) == before, "an early renewal changes no figure"
    manager_context.close()


def test_engineer_is_refused_an_over_assignment_of_license_seats(page):
    # Client licenses are the engineers' (app/services/accounts/roles.py: ASSET_RESOURCES), not the account
    # managers', who only read them.
    sign_in(page, "Engineer")
    page.goto("/clientlicenseview/add")
    pick_related(page, "client", "")
    pool = pick_related(page, "license_pool", "")
    page.fill("#assigned_seats", "1000000")
    set_date(page, "assignment_date", dt.date.today().isoformat())
    save(page)
    text = page.locator("body").inner_text()
    assert page.locator(SUCCESS).count() == 0, f"over-assignment from {pool} accepted"
    assert "free seat(s) of" in text and "1000000 requested" in text, form_errors(page)
    screenshot(page, "engineer-license-over-assignment-refused")


def test_engineer_assigns_a_hardware_asset_and_returns_it(page):
    sign_in(page, "Engineer")
    today = dt.date.today().isoformat()
    asset = None
    for attempt in range(6):  # the first assets offered may be with a client already
        page.goto("/hardwareassignmentview/add")
        options = pick_related_nth(page, "hardware_asset", attempt)
        if options is None:
            break
        pick_related(page, "client", "")
        set_date(page, "assignment_date", today)
        save(page)
        if page.locator(SUCCESS).count():
            asset = options
            break
    assert asset, f"no hardware asset could be assigned: {form_errors(page)}"
    screenshot(page, "engineer-hardware-assigned")

    page.goto("/hardwareassignmentview/list/")
    row = page.locator("table tr", has_text=asset.split(" ")[0]).filter(has=page.locator("a[href*='/edit/']"))
    row.first.locator("a[href*='/edit/']").first.click()
    page.wait_for_load_state()
    choose(page, "status", "returned")
    set_date(page, "return_date", today)
    save(page)
    assert page.locator(SUCCESS).count(), form_errors(page)
    assert page.locator("table tr", has_text=asset.split(" ")[0]).filter(has_text="Returned").count()
    screenshot(page, "engineer-hardware-returned")


def add_contract(
    page, name: str, start: dt.date, end: dt.date, value: str, status: str | None = None
) -> None:
    """Add a contract in EUR for the client of the journey through the contract form."""
    page.goto("/contractview/add")
    pick_related(page, "client", CLIENT_NAME[:12], CLIENT_NAME)
    page.fill("#contract_name", name)
    if status:
        choose(page, "status", status)
    set_date(page, "start_date", start.isoformat())
    set_date(page, "end_date", end.isoformat())
    page.fill("#value", value)
    page.fill("#currency", "EUR")
    save(page)
    assert page.locator(SUCCESS).count(), form_errors(page)


def set_date(page, field: str, value: str) -> None:
    """Type a date past the date picker (which clears a value filled in while it is open)."""
    page.eval_on_selector(f"#{field}", "(el, v) => { el.value = v; }", value)


def pick_related_nth(page, field: str, index: int) -> str | None:
    """Choose the index-th option an AJAX picker offers for an empty search; None when there is none."""
    page.click(f"#{field} + .select2 .select2-selection")
    options = page.locator(PICKER_OPTIONS)
    options.first.wait_for()
    if options.count() <= index:
        return None
    label = options.nth(index).inner_text()
    options.nth(index).click()
    return label
