"""The scorecard in a real Chromium: a district head logs in, his card's charts are drawn by our own
Plotly, nothing comes from outside, and the page fits a phone's 375 px."""

import pytest
from playwright.sync_api import expect

from tests.indicators.test_scorecard import build_scorecard_data

CHARTS = ("#scorecard-areas", "#scorecard-trend", "#scorecard-dossiers")


def _log_in_to_his_card(page):
    page.goto("/units/B/")
    page.fill("#id_username", "head_b")
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_url(lambda url: url.endswith("/units/B/"))


def _charts_drawn(page):
    for chart in CHARTS:
        expect(page.locator(f"{chart}[data-drawn=true]")).to_be_visible(timeout=15000)
        expect(page.locator(f"{chart} .main-svg").first).to_be_attached()


@pytest.mark.django_db(transaction=True)
def test_the_head_opens_his_scorecard_and_its_charts_are_drawn(page, tree, head_b):
    build_scorecard_data(tree)
    _log_in_to_his_card(page)
    assert page.locator("h1").inner_text() == "Huyện B"
    expect(page.locator("#headline")).to_contain_text("84,60 %")
    _charts_drawn(page)
    # The legend of the areas chart names this unit, the group's mean and best; no other unit.
    expect(page.locator("#scorecard-areas")).to_contain_text("Huyện B")
    assert "Huyện C" not in page.content() and "Huyện D" not in page.content()


@pytest.mark.django_db(transaction=True)
def test_the_scorecard_fits_a_phone_screen(browser, live_server, tree, head_b):
    build_scorecard_data(tree)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740}, locale="vi-VN")
    phone = context.new_page()
    outside = []
    phone.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    try:
        _log_in_to_his_card(phone)
        _charts_drawn(phone)
        width = phone.evaluate("document.documentElement.scrollWidth")
        chart_width = phone.evaluate("document.querySelector('#scorecard-areas').getBoundingClientRect().width")
    finally:
        context.close()
    assert width <= 375
    assert 0 < chart_width <= 375
    assert not outside, f"the page loaded from outside the server: {outside}"
