"""Area sub-totals per unit: points, applicable maximum and % of each top-level area."""

from decimal import Decimal as D

import pytest

from indicators.models import Index
from indicators.selectors import area_subtotals
from tests.indicators.builders import methodology, score
from units.models import Unit


@pytest.fixture
def scored(tree):
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    m = methodology(par, 2023)
    score(m, tree.dept_a, {"1.1": "30", "1.2": "NA", "2.1": "10.5"})
    other = Unit.objects.create(code="A2", name="Sở B", kind="department", parent=tree.province)
    score(m, other, {"1.1": "40", "1.2": "20"})
    return m


def test_each_area_has_its_points_applicable_maximum_and_percent(scored, tree):
    rows = [row for row in area_subtotals(methodology=scored) if row["unit_id"] == tree.dept_a.pk]
    assert [(r["code"], r["points"], r["applicable_max"], r["percent"]) for r in rows] == [
        ("1", D("30"), D("40"), D("75")),  # 1.2 not applicable: 20 points leave the maximum
        ("2", D("10.5"), D("40"), D("26.25")),
    ]


def test_it_narrows_to_the_units_asked_for(scored, tree):
    rows = area_subtotals(methodology=scored, units=Unit.objects.filter(code="A2"))
    assert {row["unit_id"] for row in rows} == {Unit.objects.get(code="A2").pk}
    assert [row["percent"] for row in rows] == [D("100"), D("0")]
