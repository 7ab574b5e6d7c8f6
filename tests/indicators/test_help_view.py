"""GET /help/: what each index, band and area means, read from the data — the index's description,
its methodology's bands with their ranges and its areas (criteria of depth 1) per unit kind — one
click from the rankings and the scorecard."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from indicators.models import Band, Criterion, Index
from tests.indicators.builders import methodology
from units.models import UnitKind

URL = "/help/"


@pytest.fixture
def indices(db):
    par = Index.objects.create(
        code="par", name_vi="Chỉ số CCHC", name_en="PAR Index", description="Đo kết quả cải cách hành chính"
    )
    for year in (2023, 2024):
        methodology(par, year, kind=UnitKind.DISTRICT)
        Band.objects.create(index=par, year=year, unit_kind=UnitKind.DISTRICT, name="Tốt", min_value=80, position=0)
        Band.objects.create(
            index=par, year=year, unit_kind=UnitKind.DISTRICT, name="Khá", min_value=65, max_value=80, position=1
        )
    Band.objects.filter(year=2024, name="Tốt").update(min_value=D("82.5"))
    m = methodology(par, 2024, kind=UnitKind.DEPARTMENT)
    Criterion.objects.filter(methodology=m, code="1").update(title="Công tác chỉ đạo", title_en="Direction")
    sipas = Index.objects.create(code="sipas", name_vi="Chỉ số SIPAS", description="Sự hài lòng của người dân")
    return par, sipas


def test_the_url_is_named():
    assert reverse("indicator_help") == URL


def test_it_shows_each_index_description_bands_and_areas_of_its_latest_year(client, staff, indices):
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đo kết quả cải cách hành chính" in page and "Sự hài lòng của người dân" in page
    par = page.split('id="index-par"')[1].split('id="index-sipas"')[0]
    assert "Chỉ số CCHC 2024" in par
    # The bands of 2024 with their ranges, Vietnamese numbers; an open end is a dash.
    assert '<tr><td>Tốt</td><td class="num">82,50</td><td class="num">—</td></tr>' in par
    assert '<tr><td>Khá</td><td class="num">65,00</td><td class="num">80,00</td></tr>' in par
    assert '80,00</td><td class="num">—' not in par  # not 2023's
    # The areas (depth 1) per unit kind, not their criteria.
    assert "1 Công tác chỉ đạo" in par and "2 Lĩnh vực 2" in par and "1.1" not in par
    assert par.index("<h3>Sở, ban, ngành</h3>") < par.index("<h3>Cấp huyện</h3>")
    assert '<a href="/help/?index=par&amp;year=2023">2023</a>' in par
    sipas = page.split('id="index-sipas"')[1]
    assert "Chưa có phương pháp đánh giá hay mức xếp loại nào cho chỉ số này." in sipas


def test_one_index_in_a_chosen_year_in_english(client, staff, indices, english):
    client.force_login(staff)
    page = client.get(URL, {"index": "par", "year": "2023"}).content.decode()
    assert "PAR Index 2023" in page and "SIPAS" not in page
    assert '<tr><td>Tốt</td><td class="num">80.00</td>' in page
    assert "What the indices, bands and areas mean" in page and "Every index" in page
    page = client.get(URL, {"index": "par", "year": "2024"}).content.decode()
    assert "1 Direction" in page  # the area's English title


def test_an_unknown_index_is_not_found_and_a_bad_year_is_the_latest(client, staff, indices):
    client.force_login(staff)
    assert client.get(URL, {"index": "nope"}).status_code == 404
    assert "Chỉ số CCHC 2024" in client.get(URL, {"index": "par", "year": "20x4"}).content.decode()


def test_it_is_one_click_from_the_scorecard_and_the_rankings(client, staff, tree):
    from tests.indicators.test_scorecard import build_scorecard_data

    build_scorecard_data(tree)
    client.force_login(staff)
    link = '<a href="/help/?index=par&amp;year=2024#index-par">'
    assert link in client.get("/units/B/", {"index": "par", "year": "2024"}).content.decode()
    assert link in client.get("/rankings/", {"index": "par", "year": "2024", "kind": "district"}).content.decode()


def test_anonymous_readers_only_when_the_rankings_are_public(client, indices, settings):
    settings.PUBLIC_RANKINGS = False
    assert client.get(URL)["Location"] == "/login/?next=/help/"
    settings.PUBLIC_RANKINGS = True
    assert "Đo kết quả cải cách hành chính" in client.get(URL).content.decode()
