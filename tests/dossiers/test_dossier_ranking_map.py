"""/dossiers/'s map: a dot per ranked unit the reader may see, coloured by the rate, lower the
better for the overdue rate; a district head gets only his district's dot."""

from decimal import Decimal

from tests.dossiers.pages import pages  # noqa: F401 (pages, example: fixtures)
from tests.dossiers.test_dossier_ranking_view import Q2, get
from tests.dossiers.test_stats import NOW, dossier, example, save, vn  # noqa: F401 (fixtures, used as test arguments)
from units.models import Unit


def place(**codes):
    for code, (latitude, longitude) in codes.items():
        Unit.objects.filter(code=code).update(latitude=Decimal(latitude), longitude=Decimal(longitude))


def dots(response):
    chart = response.context["map"]["chart"]
    return [tuple(point) for trace in chart.figure["data"] for point in trace["customdata"]] if chart else []


def test_staff_see_each_district_coloured_by_its_overdue_rate(client, staff, pages):
    place(B=("15.88", "108.33"), C=("15.57", "108.47"))
    response = get(client, staff, **Q2)
    assert dots(response) == [
        ("Huyện C", "33,33 %", "Hạng 1/2", "/units/C/"),
        ("Huyện B", "100,00 %", "Hạng 2/2", "/units/B/"),
    ]
    trace = response.context["map"]["chart"].figure["data"][0]
    # The overdue rate: the lowest is the best, green.
    assert trace["marker"]["colorscale"][0][1] == "#1a7f37"
    assert 'id="dossier-map-section"' in response.content.decode()


def test_the_district_head_gets_only_his_dot_and_no_count_of_others(client, head_b, pages):
    place(B=("15.88", "108.33"))  # C has none: his page must not count it
    response = get(client, head_b, **Q2)
    assert dots(response) == [("Huyện B", "100,00 %", "Hạng 2/2", "/units/B/")]
    page = response.content.decode()
    assert "Huyện C" not in page and "chưa có tọa độ" not in page


def test_units_without_coordinates_are_counted_and_without_any_there_is_no_map(client, staff, pages):
    response = get(client, staff, **Q2)
    assert response.context["map"] == {"chart": None, "unplaced": 2}
    page = response.content.decode()
    assert "2 đơn vị chưa có tọa độ" in page and 'id="dossier-map-data"' not in page
