"""The rankings map in a real browser: the dots are drawn by the locally served Plotly, a dot
opens its unit's scorecard, a unit head sees only his own dot, and no request leaves the server
(checked here host by host, on top of the `page` fixture's own check).

Screenshots at 1366×900 and 390×844 go to $MAP_SCREENSHOTS when set (to look at them)."""

import os
from decimal import Decimal as D
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from indicators.models import Band, Result, ResultSource
from tests.browser.test_rankings_page import log_in
from tests.indicators.test_rankings_map import build_map_rankings
from units.models import Unit, UnitKind

MAP_URL = "/rankings/?index=par&year=2023&kind=department&parent=P#ranking-map-section"
# More departments around Tam Kỳ, published with a value and a band, so the map has a shape.
MORE = [
    ("A5", "Sở Năm", "15.60", "108.40", "91.5"),
    ("A6", "Sở Sáu", "15.52", "108.55", "78.2"),
    ("A7", "Sở Bảy", "15.65", "108.52", "85.0"),
    ("A8", "Sở Tám", "15.50", "108.44", "72.9"),
    ("A9", "Sở Chín", "15.62", "108.46", "88.3"),
]


@pytest.fixture
def map_rankings(tree):
    rankings = build_map_rankings(tree)
    bands = {band.name: band for band in Band.objects.filter(index=rankings.par, year=2023)}
    for position, (code, name, latitude, longitude, value) in enumerate(MORE, start=5):
        unit = Unit.objects.create(
            code=code,
            name=name,
            kind=UnitKind.DEPARTMENT,
            parent=tree.province,
            latitude=D(latitude),
            longitude=D(longitude),
            population=1000 * position,
        )
        Result.objects.create(
            unit=unit,
            index=rankings.par,
            year=2023,
            value=D(value),
            source=ResultSource.PUBLISHED,
            official_rank=position,
            official_group_size=9,
            band=bands["Tốt" if D(value) >= 80 else "Khá"],
        )
    return rankings


def screenshot(page, name):
    folder = os.environ.get("MAP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.locator("#ranking-map-section").screenshot(path=str(Path(folder) / name))


@pytest.mark.django_db(transaction=True)
def test_staff_see_every_dot_and_a_click_opens_the_scorecard(page, live_server, staff, map_rankings):
    hosts = []
    page.on("request", lambda request: hosts.append(urlparse(request.url).netloc))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(MAP_URL)
    log_in(page, "staff")
    expect(page.locator("#ranking-map[data-drawn=true]")).to_be_visible()
    # Sở A, Sở Hai, Sở Bốn (no value: a ring) and the five published; Sở Ba has no coordinates.
    expect(page.locator("#ranking-map .scatterlayer .point")).to_have_count(8)
    expect(page.locator("#ranking-map .legendtext")).to_have_text(["Tốt (≥ 80)", "Khá (< 80)", "Không có dữ liệu"])
    expect(page.locator(".map-unplaced")).to_have_text("1 đơn vị chưa có tọa độ, không hiện trên bản đồ.")
    page.locator("#ranking-map-section").scroll_into_view_if_needed()
    screenshot(page, "rankings-map-1366x900.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()  # as a phone opens it (a resized page keeps its first height)
    expect(page.locator("#ranking-map[data-drawn=true]")).to_be_visible()
    page.locator("#ranking-map-section").scroll_into_view_if_needed()
    screenshot(page, "rankings-map-390x844.png")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.reload()
    expect(page.locator("#ranking-map[data-drawn=true]")).to_be_visible()
    page.locator("#ranking-map-section").scroll_into_view_if_needed()

    dot = page.locator("#ranking-map .scatterlayer .trace").first.locator(".point").first
    # Plotly's drag layer takes the pointer above the dots: the mouse goes where the dot is.
    box = dot.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#ranking-map .hoverlayer")).to_contain_text("84,60 %")
    expect(page.locator("#ranking-map .hoverlayer")).to_contain_text("Hạng 1/3")
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/units/A/?index=par&year=2023")
    server = urlparse(live_server.url).netloc
    assert hosts and set(hosts) == {server}, set(hosts)


@pytest.mark.django_db(transaction=True)
def test_a_unit_head_sees_only_his_units_dot(page, head_a, map_rankings):
    page.goto("/rankings/?index=par&year=2023&kind=department")
    page.fill("#id_username", "head_a")
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/rankings/")
    expect(page.locator("#ranking-map[data-drawn=true]")).to_be_visible()
    expect(page.locator("#ranking-map .scatterlayer .point")).to_have_count(1)
    assert "Sở Hai" not in page.content()


@pytest.mark.django_db(transaction=True)
def test_a_large_groups_chart_and_map_are_drawn_when_asked(page, staff, map_rankings, settings):
    settings.RANKING_CHARTS_INLINE_UNITS = 1  # every group is "large"
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(MAP_URL)
    log_in(page, "staff")
    expect(page.locator("#ranking-map")).to_be_hidden()
    page.get_by_role("button", name="Vẽ bản đồ").click()
    expect(page.locator("#ranking-map[data-drawn=true]")).to_be_visible()
    expect(page.locator("#ranking-map .scatterlayer .point")).to_have_count(8)
    expect(page.locator('[data-figure-status="ranking-map"]')).to_have_text(
        "1 đơn vị chưa có tọa độ, không hiện trên bản đồ."
    )
    expect(page.get_by_role("button", name="Vẽ bản đồ")).to_have_count(0)
    page.get_by_role("button", name="Vẽ biểu đồ").click()
    expect(page.locator("#ranking-chart[data-drawn=true]")).to_be_visible()
    expect(page.locator('[data-figure-label="ranking-chart"]')).not_to_be_empty()
    page.locator("#ranking-chart-section").screenshot(path=str(screenshots() / "rankings-chart-on-demand-390.png"))
    assert not errors, errors


def screenshots():
    folder = Path(os.environ.get("MAP_SCREENSHOTS") or "var/test-artifacts/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
