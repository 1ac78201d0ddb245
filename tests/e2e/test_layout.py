"""The page frame in a real browser (issue 19.3, 19.8): the menu is a left sidebar that never
wraps, no list scrolls sideways at 1280 and 1920 px, the sidebar collapses to a rail and stays
so after a reload, it becomes a drawer on a 390 px phone, and the theme follows the operating
system until the toggle picks one, which is remembered."""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.conftest import screenshot, sign_in
from tests.live_server import ROOT

pytestmark = pytest.mark.e2e

DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
SIDEBAR_WIDTH = "document.getElementById('mssp-sidebar').getBoundingClientRect().width"

#: How far the page and each table overflow sideways (0 when everything fits).
OVERFLOW_JS = """() => {
    const doc = document.documentElement;
    const page = doc.scrollWidth - doc.clientWidth;
    const tables = [...document.querySelectorAll('.mssp-main table')].map(t => {
        const box = t.parentElement;
        return t.getBoundingClientRect().right - Math.min(box.getBoundingClientRect().right, doc.clientWidth);
    });
    return {page: page, table: Math.max(0, ...tables)};
}"""


def for_docs(page, name: str, full_page: bool = False) -> None:
    """A screenshot kept in docs/screenshots/ for the README (and in test-output/e2e/)."""
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot(page, name, full_page=full_page), DOCS_SCREENSHOTS / f"{name}.png")


def sidebar_lists(page) -> list[str]:
    """Every list page the sidebar offers the signed-in person."""
    hrefs = page.eval_on_selector_all("#mssp-sidebar a[href]", "els => els.map(a => a.getAttribute('href'))")
    return sorted({href for href in hrefs if "/list" in href})


@pytest.fixture
def wide_page(browser, live_server):
    def make(width: int, **options):
        viewport = {"width": width, "height": 900}
        context = browser.new_context(base_url=live_server, viewport=viewport, **options)
        context.set_default_timeout(60_000)
        return context, context.new_page()

    contexts = []

    def tracked(width: int, **options):
        context, new_page = make(width, **options)
        contexts.append(context)
        return new_page

    yield tracked
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", [1280, 1920])
def test_no_list_scrolls_sideways_and_the_menu_is_one_sidebar(wide_page, width):
    page = wide_page(width)
    sign_in(page, "Admin")
    page.goto("/clientview/list/")
    top = page.locator(".mssp-topbar").bounding_box()
    assert top["height"] <= 52, "the top bar is one row"
    sidebar = page.locator("#mssp-sidebar").bounding_box()
    assert sidebar["x"] == 0 and sidebar["width"] > 200, "the menu is a sidebar on the left"
    assert page.locator(".mssp-topbar #mssp-global-search").is_visible(), "search stays on top"
    assert page.locator(".mssp-topbar .dropdown-toggle:has(.fa-user)").is_visible(), "user menu stays on top"
    # The group holding the current page is open and marks it.
    assert page.locator("#mssp-sidebar a.active[href*='/clientview/list']").is_visible()

    lists = sidebar_lists(page)
    assert len(lists) >= 20, lists
    overflowing = {}
    for href in lists:
        page.goto(href)
        overflow = page.evaluate(OVERFLOW_JS)
        if overflow["page"] > 0 or overflow["table"] > 1:
            overflowing[href] = overflow
    assert overflowing == {}, f"lists wider than {width} px: {overflowing}"
    page.goto("/clientview/list/")
    if width == 1280:
        for_docs(page, "layout-1280")


def test_the_collapsed_sidebar_stays_collapsed_after_a_reload(page):
    sign_in(page, "Manager")
    page.goto("/contractview/list/")
    assert page.locator("#mssp-sidebar").bounding_box()["width"] > 200
    page.click("#mssp-sidebar-toggle")
    page.wait_for_function(f"() => {SIDEBAR_WIDTH} < 80")
    assert page.get_attribute("#mssp-sidebar-toggle", "aria-expanded") == "false"

    page.goto("/hardwareassetview/list/")  # another page, same choice
    assert page.locator("#mssp-sidebar").bounding_box()["width"] < 80
    main_left = page.locator("#mssp-main").bounding_box()["x"]
    assert main_left < 80, "the page takes the room the sidebar gave up"
    # In the rail a group's entries fly out on hover, with their names.
    group = page.locator(".mssp-side-group", has=page.locator("a[href*='/hardwareassetview/list']"))
    group.hover()
    entry = group.locator("a[href*='/hardwareassetview/list']")
    assert entry.is_visible() and "Hardware" in entry.inner_text()
    screenshot(page, "layout-sidebar-collapsed")

    page.reload()
    page.click("#mssp-sidebar-toggle")
    page.wait_for_function(f"() => {SIDEBAR_WIDTH} > 200")
    page.reload()
    assert page.locator("#mssp-sidebar").bounding_box()["width"] > 200, "expanded again, also remembered"
    assert page.console_errors == [], page.console_errors


def test_on_a_phone_the_sidebar_is_a_drawer(wide_page):
    page = wide_page(390, is_mobile=True, has_touch=True)
    sign_in(page, "Account Manager")
    page.goto("/clientview/list/")
    sidebar = page.locator("#mssp-sidebar")
    assert not sidebar.is_visible(), "closed until asked for"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.locator(".mssp-topbar").bounding_box()["height"] <= 52, "the top bar fits a phone"
    assert page.locator("#mssp-global-search").is_visible()
    for_docs(page, "layout-390")

    page.click("#mssp-sidebar-toggle")
    page.wait_for_function("() => document.getElementById('mssp-sidebar').getBoundingClientRect().left >= 0")
    assert sidebar.is_visible()
    for_docs(page, "layout-390-drawer")
    # The backdrop closes it again, and an entry leads to its page.
    page.mouse.click(380, 400)
    page.wait_for_function("() => document.getElementById('mssp-sidebar').getBoundingClientRect().right <= 0")
    page.click("#mssp-sidebar-toggle")
    group = page.locator(".mssp-side-group", has=page.locator("a[href*='/contractview/list']"))
    if group.get_attribute("class").find("open") < 0:
        group.locator(".mssp-side-heading").click()
    with page.expect_navigation():
        group.locator("a[href*='/contractview/list']").click()
    assert "/contractview/list" in page.url
    assert not sidebar.is_visible(), "a new page starts with the drawer closed"


def test_dark_mode_follows_the_os_and_the_toggle_is_remembered(wide_page):
    page = wide_page(1280, color_scheme="dark")
    sign_in(page, "Manager")
    page.goto("/clientview/list/")
    background = "getComputedStyle(document.body).backgroundColor"
    assert page.get_attribute("html", "data-theme") == "dark", "follows the OS"
    assert page.evaluate(background) != "rgb(255, 255, 255)"
    for_docs(page, "layout-1280-dark")

    page.click("#mssp-theme-toggle")
    assert page.get_attribute("html", "data-theme") == "light"
    assert page.evaluate(background) == "rgb(255, 255, 255)"
    page.reload()
    assert page.get_attribute("html", "data-theme") == "light", "the choice beats the OS setting"
    assert page.get_attribute("#mssp-theme-toggle", "aria-pressed") == "false"

    page.click("#mssp-theme-toggle")
    page.goto("/dashboards/")
    assert page.get_attribute("html", "data-theme") == "dark"
    assert page.get_attribute("#mssp-theme-toggle", "aria-pressed") == "true"


#: Per grid of charts: the rows whose panels stop short of the grid's right edge (an empty column).
DASHBOARD_HOLES_JS = """() => [...document.querySelectorAll('.dash-grid')].flatMap(grid => {
    const right = grid.getBoundingClientRect().right;
    const rows = {};
    for (const panel of grid.children) {
        const box = panel.getBoundingClientRect();
        const top = Math.round(box.top);
        rows[top] = Math.max(rows[top] || 0, box.right);
    }
    return Object.entries(rows).filter(([, end]) => right - end > 30).map(([top]) => top);
})"""


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_dashboard_is_tiles_then_a_grid_of_charts_without_empty_columns(wide_page, width):
    page = wide_page(width)
    sign_in(page, "Manager")
    page.goto("/dashboards/")
    page.wait_for_function("() => document.querySelector('.dash-chart svg.main-svg')")
    tiles = page.locator(".dash-tiles").bounding_box()
    first_chart = page.locator(".dash-panel").first.bounding_box()
    assert tiles["y"] < first_chart["y"], "tiles first"
    assert page.evaluate(DASHBOARD_HOLES_JS) == [], "a row of charts leaves a column empty"
    summaries = page.locator(".dash-panel .dash-summary").all_inner_texts()
    assert len(summaries) == page.locator(".dash-panel").count(), "every chart says what it shows"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    if width == 1280:
        for_docs(page, "dashboard-1280")
        page.click("#mssp-theme-toggle")
        page.wait_for_timeout(300)  # the charts redraw in the dark colours
        for_docs(page, "dashboard-1280-dark")
