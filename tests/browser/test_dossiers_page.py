"""The dossier rankings in a real browser: a district head picks a quarter, sees his row and the
chart drawn by the locally served Plotly, and follows the link to his district's overdue dossiers."""

import os
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.dossiers.pages import pages  # noqa: F401 (pages, example: fixtures)
from tests.dossiers.test_stats import example  # noqa: F401 (fixtures, used as test arguments)


def log_in(page, username):
    """Log in on the login page the rankings sent us to, and wait to be back on the rankings."""
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/dossiers/")


@pytest.mark.django_db(transaction=True)
def test_a_district_head_ranks_a_quarter_and_opens_his_overdue_list(page, head_b, pages):
    page.goto("/dossiers/")
    log_in(page, "head_b")
    page.select_option("#id_period", "quarter")
    page.select_option("#id_quarter", "2")
    page.fill("#id_year", "2024")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**/dossiers/?*quarter=2*")

    row = page.locator("table.table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Huyện B")
    expect(row).to_contain_text("2/2")  # his rank in the whole group of districts
    expect(row).to_contain_text("100,00")
    expect(page.locator("main")).not_to_contain_text("Huyện C")
    expect(page.locator("#dossier-trend[data-drawn=true]")).to_be_visible()
    expect(page.locator("#dossier-trend .main-svg").first).to_be_visible()

    row.locator("a[href*='/dossiers/units/B/overdue/']").click()
    page.wait_for_url("**/dossiers/units/B/overdue/*")
    expect(page.locator("h1")).to_contain_text("Huyện B")
    # His district's own dossiers: none overdue; with its communes: B1's dossier pending since July 2024.
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    page.select_option("#id_scope", "total")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**scope=total*")
    expect(page.locator("table.table tbody tr")).to_contain_text("Xã B1")


@pytest.mark.django_db(transaction=True)
def test_the_rankings_fit_a_phone_screen(browser, live_server, staff, pages):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 700})
    page = context.new_page()
    page.goto("/dossiers/")
    log_in(page, "staff")
    expect(page.locator("#dossier-trend[data-drawn=true]")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 375


@pytest.mark.django_db(transaction=True)
def test_staff_see_the_districts_on_the_map_coloured_by_rate(page, staff, pages):
    from tests.dossiers.test_dossier_ranking_map import place

    place(B=("15.88", "108.33"), C=("15.57", "108.47"))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/dossiers/?period=quarter&year=2024&quarter=2&kind=district#dossier-map-section")
    log_in(page, "staff")
    expect(page.locator("#dossier-map[data-drawn=true]")).to_be_visible()
    expect(page.locator("#dossier-map .scatterlayer .point")).to_have_count(2)
    expect(page.locator("#dossier-map .colorbar")).to_be_visible()
    page.locator("#dossier-map").scroll_into_view_if_needed()
    dot = page.locator("#dossier-map .scatterlayer .point").first.bounding_box()
    page.mouse.move(dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
    expect(page.locator("#dossier-map .hoverlayer")).to_contain_text("33,33 %")
    folder = os.environ.get("MAP_SCREENSHOTS")
    if folder:
        page.locator("#dossier-map-section").screenshot(path=f"{folder}/dossiers-map-1366x900.png")
