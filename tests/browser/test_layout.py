"""The layout in a real Chromium, at a desk (1366×900) and on a phone (390×844), in Vietnamese and
in English (issue 19): the menu is one line at 1366 and folds on a phone; no page is wider than a
phone; the rankings of the eight PAR areas fit a desk without scrolling and show each unit's name
and value on a phone; a success message is a status alert; the skip link comes first.

Small data built here (twenty departments with their real, long names; eight areas), not the demo.
Screenshots of home, rankings, scorecard and an assessment go to var/test-artifacts/screenshots/
for a person to look at."""

import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from indicators.models import Assessment, Band, Index
from indicators.recompute import results_recompute
from tests.browser.watch import open_context
from tests.indicators.builders import methodology, score
from units.models import Unit, UnitKind

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "screenshots"
DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery staple"

DEPARTMENTS = [
    "Sở Tài nguyên và Môi trường",
    "Sở Kế hoạch và Đầu tư",
    "Sở Giao thông vận tải",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Ban Quản lý các Khu kinh tế và Khu công nghiệp tỉnh",
    "Sở Thông tin và Truyền thông",
    "Sở Khoa học và Công nghệ",
    "Sở Giáo dục và Đào tạo",
    "Sở Tài chính",
    "Sở Xây dựng",
    "Sở Công Thương",
    "Sở Y tế",
    "Sở Tư pháp",
    "Sở Ngoại vụ",
    "Thanh tra tỉnh",
    "Văn phòng Ủy ban nhân dân tỉnh",
    "Sở Nội vụ",
]
AREAS = {f"PAR.{n}": (D(10 + n), None, {f"PAR.{n}.1": D(10 + n)}) for n in range(1, 9)}
RANKINGS = "/rankings/?index=par&year=2024&kind=department&parent=P"


@pytest.fixture
def layout_data(tree):
    """PAR 2023–2024 of twenty departments on eight areas, banded, recomputed; PAR 2025 open to
    start (for the success message); the department A has a head (head_a, made by its fixture)."""
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    units = [tree.dept_a] + [
        Unit.objects.create(code=f"S{n:02}", name=name, kind=UnitKind.DEPARTMENT, parent=tree.province)
        for n, name in enumerate(DEPARTMENTS, 1)
    ]
    for year in (2023, 2024):
        m = methodology(par, year, areas=AREAS)
        for position, (name, low) in enumerate((("Xuất sắc", 90), ("Tốt", 80), ("Khá", 70), ("Trung bình", 0))):
            Band.objects.create(
                index=par, year=year, unit_kind=UnitKind.DEPARTMENT, name=name, min_value=D(low), position=position
            )
        for u, unit in enumerate(units):
            # Distinct values from 62 % to 99 %, in an order that changes from one year to the next.
            share = D(62 + ((u * 7 + year) % 20) * 37 / 19) / 100
            score(m, unit, {f"PAR.{n}.1": (D(10 + n) * share).quantize(D("0.01")) for n in range(1, 9)})
        results_recompute(index_id=par.pk, year=year)
    methodology(par, 2025, areas=AREAS)
    return type("Layout", (), {"par": par, "units": units})


def log_in(page, username):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: not url.rstrip("/").endswith("/login"))


def no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def menu_links_on_one_line(page):
    tops = page.evaluate(
        "[...document.querySelectorAll('.site-header .nav-link')].filter(e => e.offsetParent)"
        ".map(e => Math.round(e.getBoundingClientRect().top))"
    )
    return len(tops) > 5 and max(tops) - min(tops) <= 2


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("width", ["desk", "phone"])
@pytest.mark.django_db(transaction=True)
def test_the_pages_fit_a_desk_and_a_phone(browser, live_server, admin_user, layout_data, language, width):
    viewport = DESK if width == "desk" else PHONE
    context, problems = open_context(browser, live_server, viewport=viewport, language=language)
    page = context.new_page()
    log_in(page, "admin")  # the administrator has every link of the menu: the longest one
    assessment = Assessment.objects.get(unit__code="A", methodology__year=2024)
    pages = {
        "home": "/",
        "rankings": RANKINGS,
        "scorecard": "/units/S01/?index=par&year=2024",
        "assessment": f"/assessments/{assessment.pk}/",
    }
    for name, url in pages.items():
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
        if width == "desk":
            assert menu_links_on_one_line(page), name
        else:
            expect(page.locator(".navbar-toggler")).to_be_visible()
            expect(page.locator("#site-nav")).to_be_hidden()
        assert no_horizontal_overflow(page), name
        shoot(page, f"{name}-{width}-{language}")

    # The overview's heat map: the twenty departments on eight areas, its box inside the window,
    # scrolling sideways inside it on a phone rather than widening the page.
    page.goto("/")
    expect(page.locator("table.heat-map tbody tr")).to_have_count(20)
    expect(page.locator("table.heat-map thead th abbr")).to_have_count(8)
    box = page.locator("table.heat-map").locator("xpath=..").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]

    page.goto(RANKINGS)
    rows = page.locator("table.ranking-table tbody tr")
    expect(rows).to_have_count(20)
    if width == "desk":
        # The eighth area's header inside the window, and the table's box not scrolling sideways.
        box = page.locator("table.ranking-table thead th[title]").last.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= DESK["width"]
        assert page.locator("table.ranking-table thead th[title]").last.inner_text().startswith("PAR.8")
        assert page.evaluate("(e => e.scrollWidth <= e.clientWidth)(document.querySelector('.table-container'))")
        # The group's size once, in the caption; not a column.
        expect(page.locator("table.ranking-table caption")).to_contain_text("20")
    else:
        for row in range(20):
            for cell in ("td.unit-name a", "td.value"):
                box = rows.nth(row).locator(cell).bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (row, cell)
            expect(rows.nth(row).locator("td.value")).to_have_text(re.compile(r"^\d+[,.]\d\d$"))
        expect(rows.first.locator("td.col-secondary").first).to_be_hidden()
        # The menu opens (Bootstrap's collapse, from our static files) and its links are one under another.
        page.click(".navbar-toggler")
        expect(page.locator("#site-nav a[href='/rankings/']")).to_be_visible()
        expect(page.locator("#site-nav.collapsing")).to_have_count(0)  # opened, not opening
        page.screenshot(path=str(SCREENSHOTS / f"menu-phone-{language}.png"))
        # The secondary columns come back on demand.
        page.click(".table-more summary")
        expect(page.locator("table.ranking-table thead th[title]").last).to_be_visible()
    context.close()
    assert not problems, problems


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.django_db(transaction=True)
def test_a_success_message_is_a_status_alert_and_the_skip_link_comes_first(
    browser, live_server, head_a, layout_data, language
):
    context, problems = open_context(browser, live_server, viewport=PHONE, language=language)
    page = context.new_page()
    log_in(page, "head_a")
    page.goto("/assessments/")
    page.click("#unit-assessments form:has-text('2025') button[type=submit]")
    page.wait_for_url("**/assessments/*/")
    message = page.locator("main .messages .alert-success")
    expect(message).to_have_attribute("role", "status")
    expect(message).to_contain_text("enter the scores" if language == "en" else "nhập điểm")
    shoot(page, f"assessment-started-phone-{language}")

    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    context.close()
    assert not problems, problems
