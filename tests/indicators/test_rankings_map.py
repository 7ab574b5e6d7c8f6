"""The rankings page's map: a dot per unit with coordinates from the same rows as the table,
coloured by band, units without a value marked, units without coordinates counted; a reader of
part of a group gets only his units' dots, and nothing on the page is fetched from elsewhere."""

import json
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from indicators.models import Result
from tests.indicators.test_rankings_view import build_rankings, page
from units.models import Unit, UnitKind

# Around Tam Kỳ: three departments placed, Sở Ba left without coordinates.
PLACES = {"A": ("15.5736", "108.4740"), "A2": ("15.5800", "108.4900"), "A4": ("15.5600", "108.5000")}


def build_map_rankings(tree):
    """build_rankings, with Sở Bốn (a department without a value in 2023) and coordinates for
    every department but Sở Ba."""
    rankings = build_rankings(tree)
    sở_bốn = Unit.objects.create(code="A4", name="Sở Bốn", kind=UnitKind.DEPARTMENT, parent=tree.province)
    # A published rank without its value: the only result that has none.
    Result.objects.create(
        unit=sở_bốn,
        index=rankings.par,
        year=2023,
        value=None,
        source="published",
        official_rank=4,
        official_group_size=4,
    )
    for code, (latitude, longitude) in PLACES.items():
        Unit.objects.filter(code=code).update(latitude=D(latitude), longitude=D(longitude), population=1000)
    Unit.objects.filter(code="A").update(population=4000)
    return rankings


@pytest.fixture
def map_rankings(tree):
    return build_map_rankings(tree)


DEPARTMENTS = {"index": "par", "year": 2023, "kind": "department", "parent": "P"}


def map_data(response):
    match = re.search(
        r'<script id="ranking-map-data" type="application/json">(.*?)</script>', response.content.decode(), re.DOTALL
    )
    return json.loads(match.group(1)) if match else None


def dots(figure):
    """{trace name: [(unit name, value text, rank text, link)]} of the map's figure; a band with no
    dot is a legend entry without customdata."""
    return {trace["name"]: [tuple(point) for point in trace.get("customdata", [])] for trace in figure["data"]}


def test_staff_see_every_placed_unit_coloured_by_band_and_the_unscored_one_marked(client, staff, map_rankings):
    response = page(client, staff, **DEPARTMENTS)
    figure = map_data(response)
    by_trace = dots(figure)
    scorecard = reverse("unit_scorecard", kwargs={"code": "A"})
    assert [dot[0] for dot in by_trace["Tốt (≥ 80)"]] == ["Sở A", "Sở Hai"]
    assert by_trace["Tốt (≥ 80)"][0] == ("Sở A", "84,60 %", "Hạng 1/3", f"{scorecard}?index=par&year=2023")
    assert by_trace["Khá (< 80)"] == []  # Sở Ba is Khá, but has no coordinates: the band is only in the legend
    no_data = [trace for trace in figure["data"] if trace.get("customdata", [[None]])[0][0] == "Sở Bốn"][0]
    assert no_data["marker"]["symbol"] == "circle-open"
    assert no_data["customdata"][0][1:3] == ["Không có dữ liệu", "Hạng 4/4"]
    # The bigger population, the bigger dot; the y axis keeps a degree of longitude true to length.
    sizes = {
        point[0]: size
        for trace in figure["data"]
        if "customdata" in trace
        for point, size in zip(trace["customdata"], trace["marker"]["size"], strict=True)
    }
    assert sizes["Sở A"] > sizes["Sở Hai"]
    assert figure["layout"]["yaxis"]["scaleanchor"] == "x"
    assert figure["layout"]["yaxis"]["scaleratio"] == pytest.approx(1.0381, abs=1e-3)
    html = response.content.decode()
    assert "1 đơn vị chưa có tọa độ" in html
    assert 'href="#ranking-map-section"' in html


def test_without_bands_the_dots_are_coloured_by_value_with_a_scale(client, staff, map_rankings):
    figure = map_data(page(client, staff, index="sipas", year=2023, kind="department", parent="P"))
    assert [trace["marker"].get("showscale") for trace in figure["data"]] == [True]
    assert [point[0] for point in figure["data"][0]["customdata"]] == ["Sở Hai", "Sở A"]


def test_the_head_of_a_gets_only_his_units_dot(client, head_a, map_rankings):
    response = page(client, head_a, index="par", year=2023, kind="department")  # P is not his to name
    figure = map_data(response)
    assert [point[0] for trace in figure["data"] for point in trace.get("customdata", [])] == ["Sở A"]
    html = response.content.decode()
    # No other unit's name or place anywhere in the page, its embedded data included.
    for other in ("Sở Hai", "Sở Bốn", "108.49", "15.58", "108.5,", "15.56"):
        assert other not in html, other
    assert "chưa có tọa độ" not in html  # Sở Ba's lack of coordinates is not his to count


def test_the_head_of_b_gets_no_map_of_the_departments(client, head_b, map_rankings):
    response = page(client, head_b, index="par", year=2023, kind="department")
    assert map_data(response) is None
    assert "Sở A" not in response.content.decode()


def test_a_group_without_coordinates_has_no_map_only_the_count(client, staff, map_rankings):
    Unit.objects.update(latitude=None, longitude=None)
    response = page(client, staff, **DEPARTMENTS)
    assert map_data(response) is None
    assert "4 đơn vị chưa có tọa độ" in response.content.decode()


def test_nothing_on_the_page_is_loaded_from_another_site(client, staff, map_rankings):
    html = page(client, staff, **DEPARTMENTS).content.decode()
    assert map_data_present(html)
    sources = re.findall(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/") and not source.startswith("//") for source in sources), sources
    # A plain scatter on longitude/latitude axes: no geo base map, so nothing for plotly.js to fetch.
    figure = map_data_of(html)
    assert {trace["type"] for trace in figure["data"]} == {"scatter"}
    assert "geo" not in figure["layout"] and "topojson" not in json.dumps(figure["data"]) + json.dumps(
        figure["layout"].get("geo", {})
    )
    assert not re.search(r"https?://(?!testserver/)", html), re.findall(r"https?://[^\s\"<]+", html)


def map_data_of(html):
    match = re.search(r'<script id="ranking-map-data" type="application/json">(.*?)</script>', html, re.DOTALL)
    return json.loads(match.group(1))


def map_data_present(html):
    return 'id="ranking-map-data"' in html


def test_with_public_rankings_a_visitor_cannot_open_units_from_the_map(client, settings, map_rankings):
    settings.PUBLIC_RANKINGS = True
    Result.objects.filter(unit__code__in=["A", "A2", "A3"], year=2023).update(
        official_rank=1, official_group_size=4, source="published"
    )
    figure = map_data(client.get(reverse("rankings"), DEPARTMENTS))
    links = [point[3] for trace in (figure or {"data": []})["data"] for point in trace.get("customdata", [])]
    assert all(link == "" for link in links)
