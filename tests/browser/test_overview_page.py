"""The overview's first screen in a real Chromium (issue 19), at a desk (1366×900) and on a phone
(390×844): the trend charts are drawn by our own Plotly under the strict CSP with no console error,
the biggest losses are links, nothing is wider than the window, axe-core finds no serious
violation, and a head sees his own unit only.
Screenshots go to var/test-artifacts/screenshots/ (overview-<user>-<width>.png)."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import serious_violations
from tests.browser.test_content_security_policy import _COLLECT_VIOLATIONS
from tests.browser.test_layout import DESK, PHONE, log_in, no_horizontal_overflow, shoot
from tests.indicators.test_home import first_screen  # noqa: F401 (fixture)
from tests.indicators.test_rankings_view import rankings  # noqa: F401 (fixture)


def open_overview(browser, live_server, *, viewport, username):
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="vi-VN")
    outside, errors = [], []
    context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(_COLLECT_VIOLATIONS)
    log_in(page, username)
    page.goto("/")
    return context, page, outside, errors


@pytest.mark.parametrize("width", ["desk", "phone"])
@pytest.mark.parametrize("username", ["staff", "head_a"])
@pytest.mark.django_db(transaction=True)
def test_the_first_screen_draws_its_trend_and_links_its_losses(
    browser, live_server, staff, head_a, first_screen, username, width
):
    viewport = DESK if width == "desk" else PHONE
    context, page, outside, errors = open_overview(browser, live_server, viewport=viewport, username=username)
    try:
        # The province has a national PAR only; Sở A has PAR and SIPAS.
        for chart in ("#trend-par",) if username == "staff" else ("#trend-par", "#trend-sipas"):
            expect(page.locator(f"{chart}[data-drawn=true]")).to_be_visible(timeout=15000)
            expect(page.locator(f"{chart} .main-svg").first).to_be_attached()
        losses = page.locator("#biggest-losses ol li")
        expect(losses).to_have_count(3 if username == "staff" else 2)
        # Every line of the two new parts is a link, and it leads somewhere.
        for section in ("#trend", "#biggest-losses"):
            links = page.locator(f"{section} a[href]")
            assert links.count() >= 2
        first = losses.first.locator("a")
        expect(first).to_contain_text("2.1")
        href = first.get_attribute("href")
        if username == "staff":
            expect(page.locator("#trend h2")).to_contain_text("Tỉnh Thử so với trung bình toàn quốc")
            expect(page.locator("#trend-par")).to_contain_text("Trung bình toàn quốc")
            assert href.startswith("/chronic-losses/?index=par&year=2023&kind=department&parent=P")
        else:
            expect(page.locator("#trend h2")).to_contain_text("Sở A so với trung bình nhóm")
            assert href.endswith("#lost-points") and "/units/A/" in href
            for other in ("Tỉnh Thử", "Sở Hai", "Sở Ba"):
                expect(page.locator("#trend")).not_to_contain_text(other)
                expect(page.locator("#biggest-losses")).not_to_contain_text(other)
        assert no_horizontal_overflow(page)
        shoot(page, f"overview-{username}-{width}")
        assert page.evaluate("window.__cspViolations") == []
        assert serious_violations(page) == []  # axe-core, its charts drawn: no serious WCAG 2 A/AA violation
        page.goto(href)
        expect(page.locator("main h1")).to_be_visible()
    finally:
        context.close()
    assert errors == []
    assert not outside, outside
