"""The rankings in a real browser: staff pick a year and a group, the table and the chart (drawn
by the locally served Plotly) follow, the export downloads the rows shown, and nothing is loaded
from outside the server (the `page` fixture fails the test otherwise)."""

import csv
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.indicators.test_rankings_view import rankings  # noqa: F401 (fixture)


def log_in(page, username):
    """Log in on the login page the rankings sent us to, and wait to be back on the rankings."""
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/rankings/")


def unit_cells(page):
    return page.locator("table.ranking-table tbody tr td.unit-name")


@pytest.mark.django_db(transaction=True)
def test_staff_change_the_year_and_the_group_and_the_table_and_chart_follow(page, staff, rankings):
    page.goto("/rankings/")
    log_in(page, "staff")
    expect(unit_cells(page)).to_have_text(["Sở A", "Sở Hai", "Sở Ba"])
    expect(page.locator("table.ranking-table")).to_contain_text("84,60")
    expect(page.locator("#ranking-chart[data-drawn=true]")).to_be_visible()
    expect(page.locator("#ranking-chart .main-svg").first).to_be_visible()

    page.select_option("#id_year", "2022")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**/rankings/?*year=2022*")
    expect(unit_cells(page)).to_have_text(["Sở Hai", "Sở Ba", "Sở A"])

    page.select_option("#id_kind", "district")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**/rankings/?*kind=district*")
    expect(unit_cells(page)).to_have_text(["Huyện B", "Huyện C"])  # 2022: B 60, C 50
    expect(page.locator("#ranking-chart[data-drawn=true]")).to_be_visible()
    expect(page.locator("#ranking-chart")).to_contain_text("Huyện C")

    permalink = page.locator("a.permalink").get_attribute("href")
    assert parse_qs(urlparse(permalink).query) == {
        "index": ["par"],
        "year": ["2022"],
        "kind": ["district"],
        "parent": ["P"],
    }

    with page.expect_download() as download_info:
        page.click("a[href*='export=csv']")
    with open(download_info.value.path(), encoding="utf-8-sig", newline="") as downloaded:
        rows = list(csv.reader(downloaded))
    assert [row[4] for row in rows[1:]] == ["Huyện B", "Huyện C"]
    assert download_info.value.suggested_filename == "rankings-par-2022-district-P.csv"


@pytest.mark.django_db(transaction=True)
def test_a_unit_name_opens_its_scorecard(page, staff, rankings):
    page.goto("/rankings/?index=par&year=2023&kind=department&parent=P")
    log_in(page, "staff")
    page.click("table.ranking-table a:has-text('Sở Hai')")
    page.wait_for_url("**/units/A2/?index=par&year=2023")


@pytest.mark.django_db(transaction=True)
def test_the_rankings_fit_a_phone_screen(browser, live_server, staff, rankings):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 700})
    page = context.new_page()
    page.goto("/rankings/")
    log_in(page, "staff")
    expect(page.locator("#ranking-chart[data-drawn=true]")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 375
