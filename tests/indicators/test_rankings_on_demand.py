"""A ranking of more units than RANKING_CHARTS_INLINE_UNITS draws its chart and map when the reader
asks: the page carries a button and the address of each figure (?part=chart, ?part=map), which
answers the very figure the page would have embedded, under the same access."""

import pytest

from tests.indicators.test_rankings_map import DEPARTMENTS, build_map_rankings, map_data
from tests.indicators.test_rankings_view import chart_data, page

pytestmark = pytest.mark.django_db


@pytest.fixture
def map_rankings(tree):
    return build_map_rankings(tree)


@pytest.fixture
def on_demand(settings):
    settings.RANKING_CHARTS_INLINE_UNITS = 1


def part(client, name, **params):
    return client.get("/rankings/", {**params, "part": name})


def test_a_large_group_carries_buttons_not_figures(client, staff, map_rankings, on_demand):
    html = page(client, staff, **DEPARTMENTS).content.decode()
    assert chart_data_present(html) is False
    for name in ("chart", "map"):
        assert (
            f'data-figure-url="/rankings/?index=par&amp;year=2023&amp;kind=department&amp;parent=P&amp;part={name}"'
            in html
        )
    assert html.count("data-figure-load=") == 2
    assert "plotly-partial.min.js" in html  # the scripts that will draw them are on the page
    assert "Nhóm có 3 đơn vị: biểu đồ được vẽ khi bạn yêu cầu" in html


def chart_data_present(html):
    return 'id="ranking-chart-data"' in html or 'id="ranking-map-data"' in html


@pytest.mark.parametrize("name", ["chart", "map"])
def test_each_part_is_the_figure_the_page_would_embed(client, staff, map_rankings, settings, name):
    inline = page(client, staff, **DEPARTMENTS)
    embedded = chart_data(inline) if name == "chart" else map_data(inline)
    assert embedded is not None
    settings.RANKING_CHARTS_INLINE_UNITS = 1
    answer = part(client, name, **DEPARTMENTS)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert answer["Cache-Control"] == "private, no-store"
    assert answer.json()["figure"] == embedded
    assert answer.json()["label"]


def test_the_map_part_says_how_many_units_have_no_place(client, staff, map_rankings, on_demand):
    client.force_login(staff)
    # Sở Ba has no coordinates (build_map_rankings).
    assert part(client, "map", **DEPARTMENTS).json()["note"] == "1 đơn vị chưa có tọa độ, không hiện trên bản đồ."
    assert part(client, "chart", **DEPARTMENTS).json()["note"] == ""


def test_a_head_gets_his_units_only_from_either_part(client, head_a, map_rankings, on_demand):
    client.force_login(head_a)
    query = {"index": "par", "year": 2023, "kind": "department"}
    map_answer = part(client, "map", **query)
    assert [p[0] for t in map_answer.json()["figure"]["data"] for p in t.get("customdata", [])] == ["Sở A"]
    for other in ("Sở Hai", "Sở Bốn", "108.49", "chưa có tọa độ"):
        assert other not in map_answer.content.decode("unicode_escape"), other
    # The group of three is too small to show a reader of one of them the others' values: no chart.
    assert part(client, "chart", **query).status_code == 404


def test_a_reader_of_none_of_the_group_gets_nothing_to_draw(client, head_b, map_rankings, on_demand):
    client.force_login(head_b)
    query = {"index": "par", "year": 2023, "kind": "department"}
    for name in ("chart", "map"):
        response = part(client, name, **query)
        assert response.status_code == 404
        assert "Sở A" not in response.content.decode("unicode_escape")


def test_a_visitor_is_sent_to_log_in(client, map_rankings, on_demand):
    response = part(client, "chart", **DEPARTMENTS)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_unknown_part_is_the_page(client, staff, map_rankings, on_demand):
    response = page(client, staff, **DEPARTMENTS, part="everything")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_a_small_group_keeps_its_figures_on_the_page(client, staff, map_rankings):
    html = page(client, staff, **DEPARTMENTS).content.decode()
    assert chart_data_present(html)
    assert "data-figure-load=" not in html
