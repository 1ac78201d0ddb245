"""Issue 17.6 in a real browser: pickers work from the keyboard and know the context."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PICKER_OPTIONS, pick_related, screenshot, sign_in

pytestmark = pytest.mark.e2e

SEARCH_FIELD = ".select2-container--open .select2-search__field"


def open_picker(page, field: str) -> None:
    page.click(f"#{field} + .select2 .select2-selection")
    page.locator(SEARCH_FIELD).wait_for()


def chosen_label(page, field: str) -> str:
    return page.locator(f"#{field} + .select2 .select2-selection__rendered").inner_text()


def test_a_picker_opens_with_the_cursor_in_its_search_and_edr_enter_picks_edr(page):
    sign_in(page, "Account Manager")
    page.goto("/servicescopeview/add")
    open_picker(page, "service")
    focused = page.evaluate(f"document.activeElement.matches({SEARCH_FIELD!r})")
    assert focused, "opening the picker left the cursor outside its search field"
    # Typed at once and Enter before the search has answered: the EDR service, not the first option.
    page.keyboard.type("EDR")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#service').value !== ''", timeout=10_000)
    assert "EDR" in chosen_label(page, "service"), chosen_label(page, "service")
    # The catalog's unit, price and currency are proposed.
    page.wait_for_function(
        "() => document.querySelector('#price').value !== '' && "
        "document.querySelector('#price').value !== '0' && "
        "document.querySelector('#price').value !== '0.00'",
        timeout=10_000,
    )
    assert page.input_value("#unit") == "endpoint"
    assert float(page.input_value("#price")) > 0
    assert page.input_value("#currency") in ("USD", "EUR")
    screenshot(page, "picker-edr-enter-and-catalog-terms")


def test_the_scope_picker_of_a_hardware_assignment_lists_the_chosen_clients_scopes(page):
    sign_in(page, "Engineer")
    page.goto("/hardwareassignmentview/add")
    client = pick_related(page, "client", "")
    client_id = page.input_value("#client")
    open_picker(page, "service_scope")
    options = page.locator(PICKER_OPTIONS)
    options.first.wait_for()
    shown = options.all_inner_texts()
    expected = page.request.get(f"/hardwareassignmentview/related/service_scope/?client={client_id}").json()[
        "results"
    ]
    everyone = page.request.get("/hardwareassignmentview/related/service_scope/").json()["results"]
    assert shown == [o["text"] for o in expected], (client, shown)
    assert len(expected) < len(everyone), "the scope picker was not narrowed to the client"
    screenshot(page, "picker-scopes-of-the-chosen-client")
