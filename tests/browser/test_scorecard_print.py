"""A unit's scorecard printed to PDF by a real Chromium (static/css/print.css): a realistic card —
8 PAR areas of 4 criteria, five years of history, points lost on most criteria, heads, bands, a
publishing decision — fits two A4 pages, without the site's navigation; and the page's "Print /
PDF" button opens the print dialog."""

import datetime
import random
import re
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from indicators.models import Band, Criterion, Index
from indicators.recompute import results_recompute
from tests.indicators.builders import methodology, publish_by_decision, score
from units.models import Unit, UnitHead, UnitKind

YEARS = range(2021, 2026)
TITLE = "mức độ hoàn thành kế hoạch cải cách hành chính và các nhiệm vụ được giao trong năm"
AREAS = {str(area): (D(10), None, {f"{area}.{leaf}": D("2.5") for leaf in range(1, 5)}) for area in range(1, 9)}
LEAVES = [leaf for _, _, leaves in AREAS.values() for leaf in leaves]


def _realistic_card(tree):
    """Eight districts of province P scored on PAR 2021–2025; each year published by a decision."""
    par = Index.objects.create(
        code="par", name_vi="Chỉ số cải cách hành chính", name_en="PAR Index", description="Bộ chỉ số CCHC"
    )
    districts = [tree.district_b] + [
        Unit.objects.create(
            code=f"H{n}",
            name=f"Huyện Thứ {n}",
            kind=UnitKind.DISTRICT,
            parent=tree.province,
            valid_from=datetime.date(2021, 1, 1),
        )
        for n in range(2, 9)
    ]
    for year in YEARS:
        m = methodology(par, year, kind=UnitKind.DISTRICT, areas=AREAS)
        for position, (name, low, high) in enumerate([("Xuất sắc", 90, None), ("Tốt", 80, 90), ("Khá", 65, 80)]):
            Band.objects.create(
                index=par,
                year=year,
                unit_kind=UnitKind.DISTRICT,
                name=name,
                min_value=low,
                max_value=high,
                position=position,
            )
        # Titles as long as the real ones: they wrap in the printed tables.
        for criterion in Criterion.objects.filter(methodology=m):
            kind = "Lĩnh vực" if criterion.parent_id is None else "Tiêu chí"
            criterion.title = f"{kind} {criterion.code}: {TITLE}"
            criterion.save(update_fields=["title"])
        for unit in districts:
            # Points lost on most criteria, different for each unit and year (the same every run).
            draw = random.Random(f"{unit.code}-{year}")
            score(m, unit, {code: draw.choice(("2.5", "2", "1.5", "1", "0.5")) for code in LEAVES})
        results_recompute(index_id=par.pk, year=year)
        publish_by_decision([m], reference=f"QĐ {year}/QĐ-UBND")
    UnitHead.objects.create(
        unit=tree.district_b,
        full_name="Nguyễn Văn Một",
        title="Chủ tịch UBND huyện",
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2025, 6, 30),
    )
    UnitHead.objects.create(
        unit=tree.district_b, full_name="Trần Thị Hai", title="Chủ tịch UBND huyện", start=datetime.date(2025, 7, 1)
    )


def _log_in_to_the_card(page, username):
    page.goto("/units/B/?index=par&year=2025")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/units/B/" in url)


def _pages(pdf):
    # A page object is "/Type /Page"; the page tree's root is "/Type /Pages" (pypdf is no dependency).
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def _link_targets(pdf):
    # Chromium writes each link as an annotation with its URI in clear text, outside compressed streams.
    return [uri.decode("latin-1") for uri in re.findall(rb"/URI\s*\(([^)]*)\)", pdf)]


@pytest.mark.django_db(transaction=True)
def test_a_realistic_scorecard_prints_on_two_a4_pages_without_the_navigation(page, tree, staff):
    _realistic_card(tree)
    _log_in_to_the_card(page, "staff")
    expect(page.locator("#lost-points tbody tr")).not_to_have_count(0)
    expect(page.locator("#areas tbody tr")).to_have_count(8)
    expect(page.locator("#scorecard-areas[data-drawn=true]")).to_be_attached(timeout=15000)
    # On the screen the navigation links to every page; on paper none of its links may be.
    nav = [page.evaluate("(a) => a.href", link) for link in page.locator(".site-nav a").element_handles()]
    assert len(nav) >= 4, nav

    pdf = page.pdf(format="A4", print_background=True)

    assert pdf.startswith(b"%PDF")
    assert 1 <= _pages(pdf) <= 2, f"{_pages(pdf)} pages"
    targets = _link_targets(pdf)
    assert not set(nav) & set(targets), targets
    page.emulate_media(media="print")
    for hidden in (".site-nav", ".site-footer", ".scorecard-choices", "button[data-print]", "#scorecard-areas"):
        expect(page.locator(hidden).first).to_be_hidden()
    for shown in ("h1", "#headline", "#heads", "#areas table", "#lost-points table", "#publication", ".as-of"):
        expect(page.locator(shown).first).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_the_print_button_opens_the_print_dialog(page, tree, head_b):
    _realistic_card(tree)
    _log_in_to_the_card(page, "head_b")
    # The dialog itself is the browser's; what the page does is call window.print(), counted here.
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="In / PDF").click()
    assert page.evaluate("window.printed") == 1
