"""The lost-points ledger and its chronic flag, and the province-wide chronic losses."""

from decimal import Decimal as D

import pytest

from indicators.ledger import chronic_losses, lost_points
from indicators.models import Index
from tests.indicators.builders import methodology, score
from units.models import Unit, UnitKind


@pytest.fixture
def par(db):
    return Index.objects.create(code="par", name_vi="Chỉ số CCHC")


@pytest.fixture
def years(par):
    """Methodologies 2020–2024 for departments, criterion codes stable across the years."""
    return {year: methodology(par, year) for year in range(2020, 2025)}


def _row(rows, year, code):
    return next(row for row in rows if row["year"] == year and row["code"] == code)


def test_each_leaf_shows_maximum_self_final_and_lost_points(par, years, tree):
    score(years[2024], tree.dept_a, {"1.1": "32.5", "1.2": "20", "2.1": "NA"})
    rows = lost_points(unit=tree.dept_a)
    assert {(row["year"], row["code"]) for row in rows} == {(2024, "1.1"), (2024, "1.2")}  # NA left out
    row = _row(rows, 2024, "1.1")
    assert (row["max_points"], row["final_score"], row["lost"]) == (D("40"), D("32.5"), D("7.5"))
    assert _row(rows, 2024, "1.2")["lost"] == D("0")


def test_a_loss_three_years_running_is_chronic_and_a_gap_resets_it(par, years, tree):
    # 1.1 loses every year 2020–2024 but 2021; 1.2 loses 2022–2024 only.
    for year, (a, b) in {
        2020: ("30", "20"),
        2021: ("40", "20"),
        2022: ("35", "15"),
        2023: ("39", "19"),
        2024: ("38", "10"),
    }.items():
        score(years[year], tree.dept_a, {"1.1": a, "1.2": b, "2.1": "40"})
    rows = lost_points(unit=tree.dept_a, index=par)
    assert [(_row(rows, y, "1.1")["streak"], _row(rows, y, "1.1")["chronic"]) for y in range(2020, 2025)] == [
        (1, False),
        (0, False),
        (1, False),
        (2, False),
        (3, True),
    ]
    assert (_row(rows, 2024, "1.2")["streak"], _row(rows, 2024, "1.2")["chronic"]) == (3, True)
    assert _row(rows, 2024, "2.1")["chronic"] is False
    assert lost_points(unit=tree.dept_a, chronic_years=2)[0]["chronic"] is True


def test_a_missing_score_is_a_full_loss(par, years, tree):
    score(years[2024], tree.dept_a, {"1.1": "40"})
    assert _row(lost_points(unit=tree.dept_a), 2024, "2.1")["lost"] == D("40")


def test_chronic_losses_name_the_units_of_the_group_that_keep_losing(par, years, tree):
    second = Unit.objects.create(code="A2", name="Sở B", kind=UnitKind.DEPARTMENT, parent=tree.province)
    third = Unit.objects.create(code="A3", name="Sở C", kind=UnitKind.DEPARTMENT, parent=tree.province)
    for year in (2022, 2023, 2024):
        score(years[year], tree.dept_a, {"1.1": "30", "1.2": "19", "2.1": "40"})
        score(years[year], second, {"1.1": "39", "1.2": "20", "2.1": "40"})
        score(years[year], third, {"1.1": "40", "1.2": "20", "2.1": "40"})
    got = chronic_losses(index=par, year=2024, kind=UnitKind.DEPARTMENT, parent=tree.province)
    assert [(entry["code"], entry["chronic_units"], entry["scored"]) for entry in got] == [("1.1", 2, 3), ("1.2", 1, 3)]
    assert [unit["name"] for unit in got[0]["units"]] == ["Sở A", "Sở B"]
    assert chronic_losses(index=par, year=2024, kind=UnitKind.DISTRICT) == []


def test_the_chronic_threshold_comes_from_settings(par, years, tree, settings):
    for year in (2023, 2024):
        score(years[year], tree.dept_a, {"1.1": "30", "1.2": "20", "2.1": "40"})
    assert _row(lost_points(unit=tree.dept_a), 2024, "1.1")["chronic"] is False
    settings.CHRONIC_LOSS_YEARS = 2
    assert _row(lost_points(unit=tree.dept_a), 2024, "1.1")["chronic"] is True
