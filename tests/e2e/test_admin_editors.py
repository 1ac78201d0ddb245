"""Issue 19.1 and 19.2 in a real browser: a role copied and narrowed in the permission matrix,
and a select custom field defined without typing JSON (screenshots in docs/screenshots/)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import USERS, choose, screenshot, sign_in
from tests.e2e.test_journeys import add_choices, save

pytestmark = pytest.mark.e2e


def test_admin_copies_engineer_and_takes_hardware_delete_away(page, browser, live_server):
    sign_in(page, "Admin")
    page.goto("/role-permissions/")
    page.get_by_role("link", name="Copy Engineer").click()
    page.fill("#role-name", "Field Engineer")
    delete_hardware = page.get_by_label("Delete Hardware", exact=True)
    delete_hardware.check()
    assert page.get_by_label("Read Hardware", exact=True).is_checked()
    with page.expect_navigation():
        page.get_by_test_id("save-role").click()
    assert "Role Field Engineer created" in page.inner_text("body")
    # The demo engineer now holds only the copy (the Users screen's role field, set by a form post).
    engineer_email = USERS["Engineer"][0]
    set_only_role(page, engineer_email, "Field Engineer")

    engineer = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800}).new_page()
    sign_in(engineer, "Engineer")
    engineer.goto("/hardwareassetview/list/")
    assert "/hardwareassetview/delete/" in engineer.content()

    page.goto("/role-permissions/")
    page.get_by_role("link", name="Field Engineer", exact=True).click()
    page.get_by_label("Delete Hardware", exact=True).uncheck()
    page.get_by_label("Delete Hardware", exact=True).scroll_into_view_if_needed()
    screenshot(page, "role-matrix-field-engineer")
    with page.expect_navigation():
        page.get_by_test_id("save-role").click()
    assert "removed Hardware: Delete" in page.inner_text("body")

    engineer.goto("/hardwareassetview/list/")
    assert "/hardwareassetview/delete/" not in engineer.content()
    screenshot(engineer, "role-matrix-engineer-without-delete")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "role-matrix-390")
    engineer.context.close()


def set_only_role(page, email: str, role: str) -> None:
    page.goto("/users/list/?psize_UserDBModelView=100&psize_MsspUserView=100")
    row = page.locator("table tr", has_text=email)
    row.locator("a[href*='/users/edit/']").first.click()
    page.wait_for_load_state()
    page.select_option("select#roles", label=role, force=True)
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.goto("/users/list/?psize_MsspUserView=100")
    assert role in page.locator("table tr", has_text=email).inner_text()


def test_admin_adds_a_select_field_with_three_choices_without_json(page):
    sign_in(page, "Admin")
    page.goto("/customfieldview/add")
    choose(page, "entity_type", "hardware_asset")
    page.fill("#name", "rack_zone")
    page.fill("#label", "Rack zone")
    choose(page, "field_type", "select")
    assert page.locator("#min_value").is_hidden() and page.locator("#validation_regex").is_hidden()
    add_choices(page, ["North", "South", "East"])
    page.select_option("#default_value_input", "South")
    preview = page.get_by_test_id("custom-field-preview")
    assert "Rack zone" in preview.inner_text()
    assert preview.locator("option").all_inner_texts()[1:] == ["North", "South", "East"]
    for textarea in page.locator("textarea").all():
        assert not re.search(r"^\s*[\[{]", textarea.input_value())
    page.locator("#select_options").locator("xpath=ancestor::tr").scroll_into_view_if_needed()
    screenshot(page, "custom-field-select-editor")
    save(page)
    assert "Rack zone" in page.inner_text("body")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/customfieldview/add")
    choose(page, "field_type", "select")
    screenshot(page, "custom-field-editor-390")
