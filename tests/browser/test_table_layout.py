"""A table's chooser of columns and page size in a real Chromium, at desk and phone width: the
reader hides a column and picks a page size, saves, and after a reload (and on the next visit) the
table is as he left it; no script is needed for it, and the console stays clean."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.indicators.test_rankings_view import rankings  # noqa: F401 (fixture)

GROUP = "/rankings/?index=par&year=2023&kind=department&parent=P"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}], ids=["desk", "phone"]
)
def test_a_reader_hides_a_column_and_picks_a_page_size_and_finds_them_after_a_reload(page, staff, rankings, viewport):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(viewport)
    page.goto(GROUP)
    page.fill("#id_username", "staff")
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/rankings/")
    table = page.locator("table.ranking-table")
    expect(table.locator("thead th", has_text="Xếp loại")).to_have_count(1)

    page.click("details.table-layout summary")
    chooser = page.locator("form.table-layout-form")
    expect(chooser).to_be_visible()
    chooser.get_by_label("Xếp loại").uncheck()
    chooser.get_by_label("Số dòng mỗi trang").select_option("25")
    chooser.get_by_role("button", name="Lưu").click()
    page.wait_for_url(lambda url: urlparse(url).path == "/rankings/" and "parent=P" in url)
    expect(page.locator(".messages")).to_contain_text("Đã lưu lựa chọn cột")

    page.reload()
    expect(table.locator("thead th", has_text="Xếp loại")).to_have_count(0)
    expect(table.locator("thead th", has_text="Giá trị")).to_have_count(1)  # required: always there
    expect(table.locator("tbody tr")).to_have_count(3)
    page.click("details.table-layout summary")
    expect(chooser.get_by_label("Xếp loại")).not_to_be_checked()
    expect(chooser.get_by_label("Mã", exact=True)).to_be_checked()
    expect(chooser.get_by_label("Số dòng mỗi trang")).to_have_value("25")
    # Nothing of the chooser widens the page on a phone.
    assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]

    page.goto("/rankings/")  # another visit, the default group: the same table, the same choice
    page.goto(GROUP)
    expect(table.locator("thead th", has_text="Xếp loại")).to_have_count(0)
    assert errors == []
