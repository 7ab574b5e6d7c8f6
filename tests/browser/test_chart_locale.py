"""Plotly speaks the page's language in a real Chromium: on a Vietnamese rankings page the mode
bar's tooltips are Vietnamese (Plotly's own `vi` locale has no words: ours, from locale/vi, are
registered by static/js/charts.js), the chart shows its band legend and an axis from zero, and
nothing breaks the Content-Security-Policy or logs an error. Small data built here
(tests/indicators/test_rankings_view.py), not the demo."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.test_content_security_policy import watched  # noqa: F401 (fixture)
from tests.indicators.test_rankings_view import rankings  # noqa: F401 (fixture)

DEPARTMENTS_2023 = "/rankings/?index=par&year=2023&kind=department&parent=P"


def _log_in(page):
    page.fill("#id_username", "staff")
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/rankings/")


def _modebar_titles(page):
    chart = page.locator("#ranking-chart")
    expect(chart).to_have_attribute("data-drawn", "true", timeout=15000)
    chart.hover()  # the mode bar shows on hovering the chart
    button = chart.locator(".modebar-btn[data-attr='zoom'][data-val='in']")
    expect(button).to_be_visible()
    button.hover()
    return chart.locator(".modebar-btn").evaluate_all("buttons => buttons.map(b => b.getAttribute('data-title'))")


@pytest.mark.django_db(transaction=True)
def test_the_mode_bar_speaks_vietnamese_and_the_chart_shows_its_bands(watched, staff, rankings):  # noqa: F811
    page, errors = watched
    page.goto(DEPARTMENTS_2023)
    _log_in(page)
    assert page.evaluate("document.documentElement.lang") == "vi"
    titles = _modebar_titles(page)
    assert "Phóng to" in titles and "Thu nhỏ" in titles and "Tải biểu đồ xuống dạng PNG" in titles
    assert "Zoom in" not in titles and "Download plot as a PNG" not in titles
    # The hovered button's tooltip, drawn by Plotly's stylesheet from its data-title.
    tooltip = page.locator("#ranking-chart .modebar-btn[data-attr='zoom'][data-val='in']")
    assert tooltip.evaluate("b => getComputedStyle(b, '::after').content") == '"Phóng to"'
    # The bands' legend as drawn, and a value axis that starts at zero.
    legend = page.locator("#ranking-chart .legend .traces text")
    expect(legend).to_have_text(["Tốt (≥ 80)", "Khá (< 80)"])
    assert page.evaluate("document.getElementById('ranking-chart')._fullLayout.xaxis.range[0]") == 0
    assert page.evaluate("window.__cspViolations") == []
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_in_english_the_mode_bar_and_the_band_names_are_english(watched, staff, rankings, live_server):  # noqa: F811
    page, errors = watched
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(DEPARTMENTS_2023)
    _log_in(page)
    titles = _modebar_titles(page)
    assert "Zoom in" in titles and "Phóng to" not in titles
    expect(page.locator("#ranking-chart .legend .traces text")).to_have_text(["Good (≥ 80)", "Fair (< 80)"])
    assert page.evaluate("window.__cspViolations") == []
    assert errors == []
