"""The scorecard selectors (indicators/scorecard.py): which result a card shows, areas against the
group, history with predecessors, lost points, dossier months, heads and why the rank moved.

`scorecard_data` builds, on the conftest tree, a PAR index for the districts of province P:

    year  B                  C        D        N (→ B, 2024)  M (→ N, 2023)
    2022  95   1.1 40 1.2 20 2.1 35                            77.5 (published)
    2023  70   (30, 10, 30)   85 (1)   50 (4)   80 (2)
    2024  84.6 (38.6, 18, 28) 70 (3)   90 (1)

so B ranks 3/4 in 2023 and 2/3 in 2024: D passed it, it passed C. Department A has its own
methodology (alone in its group); the province P has a published national rank, 56/63.
"""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from dossiers.models import DossierMonth, Scope
from indicators import scorecard as sc
from indicators.models import Band, Index, Result, ResultSource
from indicators.recompute import results_recompute
from tests.indicators.builders import methodology, score
from units.models import LineageKind, Unit, UnitHead, UnitKind, UnitLineage

DISTRICT = UnitKind.DISTRICT


def _district(tree, code, name, valid_from=datetime.date(2021, 1, 1), valid_to=None):
    return Unit.objects.create(
        code=code, name=name, kind=DISTRICT, parent=tree.province, valid_from=valid_from, valid_to=valid_to
    )


def build_scorecard_data(tree):
    """The data described in the module docstring; returns the tree with par, C, D, N, M added."""
    par = Index.objects.create(code="par", name_vi="Chỉ số cải cách hành chính", name_en="PAR Index")
    sipas = Index.objects.create(code="sipas", name_vi="Chỉ số SIPAS", name_en="SIPAS")
    c = _district(tree, "C", "Huyện C")
    d = _district(tree, "D", "Huyện D")
    m = _district(tree, "M", "Huyện M", valid_to=datetime.date(2022, 12, 31))
    n = _district(tree, "N", "Huyện N", valid_from=datetime.date(2023, 1, 1), valid_to=datetime.date(2023, 12, 31))
    UnitLineage.objects.create(predecessor=m, successor=n, date=datetime.date(2023, 1, 1), kind=LineageKind.RENAME)
    UnitLineage.objects.create(
        predecessor=n, successor=tree.district_b, date=datetime.date(2024, 1, 1), kind=LineageKind.MERGE
    )
    b = tree.district_b
    years = {year: methodology(par, year, kind=DISTRICT) for year in (2022, 2023, 2024)}
    score(years[2022], b, {"1.1": "40", "1.2": "20", "2.1": "35"})
    Result.objects.create(unit=m, index=par, year=2022, value=D("77.5"), source=ResultSource.PUBLISHED)
    score(years[2023], b, {"1.1": "30", "1.2": "10", "2.1": "30"})
    score(years[2023], c, {"1.1": "40", "1.2": "20", "2.1": "25"})
    score(years[2023], d, {"1.1": "20", "1.2": "10", "2.1": "20"})
    score(years[2023], n, {"1.1": "35", "1.2": "15", "2.1": "30"})
    score(years[2024], b, {"1.1": "38.6", "1.2": "18", "2.1": "28"})
    score(years[2024], c, {"1.1": "30", "1.2": "15", "2.1": "25"})
    score(years[2024], d, {"1.1": "40", "1.2": "20", "2.1": "30"})
    Band.objects.create(index=par, year=2024, unit_kind=DISTRICT, name="Xuất sắc", min_value=90, position=0)
    Band.objects.create(index=par, year=2024, unit_kind=DISTRICT, name="Tốt", min_value=80, max_value=90, position=1)
    department = methodology(par, 2024, kind=UnitKind.DEPARTMENT)
    score(department, tree.dept_a, {"1.1": "40", "1.2": "20", "2.1": "31.5"})
    for year in (2022, 2023, 2024):
        results_recompute(index_id=par.pk, year=year)
    Result.objects.create(
        unit=tree.province,
        index=par,
        year=2024,
        value=D("84.6"),
        source=ResultSource.PUBLISHED,
        official_rank=56,
        official_group_size=63,
        previous_rank=59,
        previous_group_size=63,
        rank_comparable=True,
    )
    Result.objects.create(unit=b, index=sipas, year=2023, value=D("78.44"), source=ResultSource.PUBLISHED)
    UnitHead.objects.create(
        unit=b,
        full_name="Nguyễn Văn Một",
        title="Chủ tịch UBND huyện",
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2024, 6, 30),
    )
    UnitHead.objects.create(
        unit=b, full_name="Trần Thị Hai", title="Chủ tịch UBND huyện", start=datetime.date(2024, 7, 1)
    )
    now = timezone.now()
    DossierMonth.objects.create(
        unit=b,
        month=202403,
        scope=Scope.TOTAL,
        received=40,
        received_online=10,
        completed_on_time=30,
        completed_late=5,
        pending_overdue=5,
        computed_at=now,
    )
    DossierMonth.objects.create(
        unit=b, month=202404, scope=Scope.TOTAL, received=20, received_online=15, completed_on_time=20, computed_at=now
    )
    for name, value in {
        "par": par,
        "sipas": sipas,
        "district_c": c,
        "district_d": d,
        "district_n": n,
        "district_m": m,
    }.items():
        setattr(tree, name, value)
    return tree


@pytest.fixture
def data(tree):
    return build_scorecard_data(tree)


def _result(unit, index, year):
    return Result.objects.select_related("index", "band").get(unit=unit, index=index, year=year)


# --- Which result ---------------------------------------------------------------------------------


def test_the_ranks_the_cards_are_built_on(data):
    ranks = {
        (r.unit.code, r.year): (r.rank, r.group_size)
        for r in Result.objects.filter(index=data.par).select_related("unit")
    }
    assert ranks[("B", 2023)] == (3, 4) and ranks[("B", 2024)] == (2, 3)
    assert ranks[("D", 2024)] == (1, 3) and ranks[("C", 2024)] == (3, 3)


def test_by_default_the_card_shows_the_first_index_and_its_latest_year(data):
    results = sc.unit_results(unit=data.district_b)
    chosen = sc.chosen_result(results=results)
    assert (chosen.index.code, chosen.year) == ("par", 2024)


def test_by_default_the_card_shows_par_before_an_index_first_by_code(data):
    dvc = Index.objects.create(code="dvc766", name_vi="Chỉ số 766", name_en="766 Index")
    Result.objects.create(unit=data.district_b, index=dvc, year=2024, value=D("90"), rank=1, group_size=1)
    results = sc.unit_results(unit=data.district_b)
    assert sc.chosen_result(results=results).index.code == "par"
    assert [index.code for index, _years in sc.result_choices(results=results)] == ["par", "dvc766", "sipas"]


def test_an_asked_year_picks_the_first_index_with_a_result_that_year(data):
    results = sc.unit_results(unit=data.district_b)
    assert (sc.chosen_result(results=results, year=2023).index.code) == "par"
    assert sc.chosen_result(results=results, index_code="sipas").year == 2023
    assert sc.chosen_result(results=results, index_code="sipas", year=2024) is None
    assert sc.chosen_result(results=results, index_code="zzz") is None
    assert sc.chosen_result(results=[]) is None


def test_the_links_list_each_index_with_its_years_newest_first(data):
    choices = sc.result_choices(results=sc.unit_results(unit=data.district_b))
    assert [(index.code, years) for index, years in choices] == [("par", [2024, 2023, 2022]), ("sipas", [2023])]


def test_last_years_result_is_the_units_own(data):
    results = sc.unit_results(unit=data.district_b)
    current = sc.chosen_result(results=results)
    assert sc.previous_result(results=results, result=current).value == D("70")


# --- Areas ----------------------------------------------------------------------------------------


def test_each_area_has_the_units_percent_and_its_groups_mean_and_best(data):
    methodology = sc.methodologies_of(index=data.par, unit_kind=DISTRICT, years=[2024])[2024]
    rows = sc.area_comparison(unit=data.district_b, methodology=methodology)
    # Group 2024: B, C, D (N ended in 2023). Area 1 (of 60): 56.6, 45, 60; area 2 (of 40): 28, 25, 30.
    assert [
        (r["code"], r["points"], r["applicable_max"], r["percent"], r["group_mean"], r["group_best"], r["group_units"])
        for r in rows
    ] == [
        ("1", D("56.6"), D("60"), D("94.333333"), D("89.777778"), D("100"), 3),
        ("2", D("28"), D("40"), D("70"), D("69.166667"), D("75"), 3),
    ]
    assert set(rows[0]) == {
        "code",
        "title",
        "points",
        "applicable_max",
        "percent",
        "group_mean",
        "group_best",
        "group_units",
    }  # no other unit's id or name


def test_the_group_is_the_units_kind_under_its_parent_that_existed_that_year(data):
    methodology = sc.methodologies_of(index=data.par, unit_kind=DISTRICT, years=[2023])[2023]
    other_parent = Unit.objects.create(code="X", name="Huyện X", kind=DISTRICT, parent=data.nation)
    score(methodology, other_parent, {"1.1": "0", "1.2": "0", "2.1": "0"})
    rows = sc.area_comparison(unit=data.district_b, methodology=methodology)
    assert [r["group_units"] for r in rows] == [4, 4]  # B, C, D, N; not X
    assert rows[0]["group_best"] == D("100")


def test_a_unit_not_scored_under_the_methodology_has_no_areas(data):
    methodology = sc.methodologies_of(index=data.par, unit_kind=DISTRICT, years=[2024])[2024]
    assert sc.area_comparison(unit=data.district_m, methodology=methodology) == []


def test_area_changes_put_the_biggest_move_first(data):
    methodologies = sc.methodologies_of(index=data.par, unit_kind=DISTRICT, years=[2023, 2024])
    current = sc.area_comparison(unit=data.district_b, methodology=methodologies[2024])
    previous = sc.unit_area_subtotals(unit=data.district_b, methodology=methodologies[2023])
    changes = sc.area_changes(current=current, previous=previous)
    assert [(c["code"], c["points_before"], c["points"], c["change"]) for c in changes] == [
        ("1", D("40"), D("56.6"), D("16.6")),
        ("2", D("30"), D("28"), D("-2")),
    ]
    assert sc.area_changes(current=current, previous=[]) == []


# --- History --------------------------------------------------------------------------------------


def test_history_follows_predecessors_back_through_every_link(data):
    rows = sc.lineage_history(unit=data.district_b, index=data.par)
    assert [(r["year"], r["code"], r["value"], r["rank"], r["group_size"], r["predecessor"]) for r in rows] == [
        (2022, "B", D("95"), 1, 2, False),
        (2022, "M", D("77.5"), 2, 2, True),
        (2023, "B", D("70"), 3, 4, False),
        (2023, "N", D("80"), 2, 4, True),
        (2024, "B", D("84.6"), 2, 3, False),
    ]


def test_history_of_a_predecessor_does_not_include_its_successor(data):
    assert {r["code"] for r in sc.lineage_history(unit=data.district_n, index=data.par)} == {"N", "M"}


def test_a_lineage_cycle_in_bad_data_still_ends(data):
    UnitLineage.objects.create(
        predecessor=data.district_b, successor=data.district_m, date=datetime.date(2025, 1, 1), kind=LineageKind.MERGE
    )
    assert {r["code"] for r in sc.lineage_history(unit=data.district_b, index=data.par)} == {"B", "N", "M"}


# --- Lost points, dossiers, heads ----------------------------------------------------------------


def test_lost_points_of_the_year_biggest_first_with_the_chronic_flag(data):
    rows = sc.lost_points_of_year(unit=data.district_b, index=data.par, year=2024)
    # 2.1 lost in 2022, 2023 and 2024: chronic; 1.2 and 1.1 lost only since 2023.
    assert [(r["code"], r["max_points"], r["final_score"], r["lost"], r["chronic"]) for r in rows] == [
        ("2.1", D("40"), D("28"), D("12"), True),
        ("1.2", D("20"), D("18"), D("2"), False),
        ("1.1", D("40"), D("38.6"), D("1.4"), False),
    ]


def test_dossier_months_of_a_year_with_statistics(data):
    rows = sc.dossier_months(unit=data.district_b, year=2024)
    assert len(rows) == 12
    march = rows[2]
    assert (march["label"], march["received"], march["overdue_rate"], march["online_rate"]) == (
        "03/2024",
        40,
        D("25"),
        D("25"),
    )
    assert rows[0]["overdue_rate"] is None  # nothing to divide by: a gap, not a zero


def test_no_dossier_months_without_statistics_or_for_a_year_to_come(data):
    assert sc.dossier_months(unit=data.district_b, year=2023) == []
    assert sc.dossier_months(unit=data.dept_a, year=2024) == []
    assert sc.dossier_months(unit=data.district_b, year=2024, now=timezone.now().replace(year=2023)) == []


def test_heads_in_office_are_those_whose_term_overlaps_the_year(data):
    assert [h.full_name for h in sc.heads_in_office(unit=data.district_b, year=2024)] == [
        "Nguyễn Văn Một",
        "Trần Thị Hai",
    ]
    assert [h.full_name for h in sc.heads_in_office(unit=data.district_b, year=2023)] == ["Nguyễn Văn Một"]
    assert sc.heads_in_office(unit=data.dept_a, year=2024) == []


# --- Why the rank moved ---------------------------------------------------------------------------


def _rank_swaps(*, unit, index, year, user):
    return sc.rank_swaps(unit=unit, results=sc.unit_results(unit=unit), index=index, year=year, user=user)


def _swaps(swaps):
    return {key: ([u["code"] for u in value.units], value.hidden) for key, value in swaps.items()}


def test_staff_see_who_passed_the_unit_and_whom_it_passed(data, staff):
    swaps = _rank_swaps(unit=data.district_b, index=data.par, year=2024, user=staff)
    assert _swaps(swaps) == {"overtook_it": (["D"], 0), "it_overtook": (["C"], 0)}
    d = swaps["overtook_it"].units[0]
    assert (d["name"], d["previous_rank"], d["rank"]) == ("Huyện D", 4, 1)


def test_a_head_sees_only_how_many_units_he_may_not_see(data, head_b):
    swaps = _rank_swaps(unit=data.district_b, index=data.par, year=2024, user=head_b)
    assert _swaps(swaps) == {"overtook_it": ([], 1), "it_overtook": ([], 1)}
    assert swaps["overtook_it"].count == 1


def test_without_last_years_rank_no_query_looks_for_swaps(data, staff, django_assert_num_queries):
    # A unit new this year (every commune of 1/7/2025) was not ranked last year: nothing to ask.
    results = sc.unit_results(unit=data.district_b)
    sc.sees_all_units(staff)  # his groups read, as the page has before the card
    with django_assert_num_queries(0):
        swaps = sc.rank_swaps(unit=data.district_b, results=results, index=data.par, year=2022, user=staff)
    assert _swaps(swaps) == {"overtook_it": ([], 0), "it_overtook": ([], 0)}


def test_no_swaps_without_last_years_result_or_outside_the_group(data, staff):
    assert _swaps(_rank_swaps(unit=data.district_b, index=data.par, year=2022, user=staff)) == {
        "overtook_it": ([], 0),
        "it_overtook": ([], 0),
    }
    assert _swaps(_rank_swaps(unit=data.dept_a, index=data.par, year=2024, user=staff)) == {
        "overtook_it": ([], 0),
        "it_overtook": ([], 0),
    }


# --- The card -------------------------------------------------------------------------------------


def test_the_card_puts_it_all_together(data, staff):
    results = sc.unit_results(unit=data.district_b)
    card = sc.scorecard(unit=data.district_b, result=sc.chosen_result(results=results), results=results, user=staff)
    assert (card.result.value, card.value_change, card.previous_year) == (D("84.6"), D("14.6"), 2023)
    # N merged into B: the group went from 4 districts to 3 (overlap 3/4 < 0.8), so no change is counted.
    assert card.result.band.name == "Tốt" and card.result.rank_comparable is False and card.result.rank_change is None
    assert card.has_predecessors and card.chronic_count == 1
    assert card.head_rating.name == "Hoàn thành tốt nhiệm vụ"
    assert [c["code"] for c in card.area_changes] == ["1", "2"] and len(card.dossier_months) == 12


def test_a_published_result_without_areas_still_makes_a_card(data, staff):
    results = sc.unit_results(unit=data.province)
    card = sc.scorecard(unit=data.province, result=results[0], results=results, user=staff)
    assert (card.result.shown_rank, card.result.shown_group_size) == (56, 63)
    assert card.areas == [] and card.area_changes == [] and card.previous is None and card.value_change is None


def test_a_head_is_not_classified_by_a_dossier_rate(data, staff):
    data.par.dossier_measure = "online_rate"
    data.par.save()
    results = sc.unit_results(unit=data.district_b)
    card = sc.scorecard(unit=data.district_b, result=sc.chosen_result(results=results), results=results, user=staff)
    assert card.head_rating is None and [h.full_name for h in card.heads] == ["Nguyễn Văn Một", "Trần Thị Hai"]


def test_history_of_every_index_when_none_is_asked(data):
    rows = sc.lineage_history(unit=data.district_b)
    assert [(r["index_code"], r["year"], r["code"]) for r in rows] == [
        ("par", 2022, "B"),
        ("par", 2022, "M"),
        ("par", 2023, "B"),
        ("par", 2023, "N"),
        ("par", 2024, "B"),
        ("sipas", 2023, "B"),
    ]
    assert rows[-1]["index_name"] == "Chỉ số SIPAS"


def test_a_rank_published_for_a_group_outside_the_system_is_not_explained_by_the_group(data, staff):
    results = sc.unit_results(unit=data.province)
    card = sc.scorecard(unit=data.province, result=results[0], results=results, user=staff)
    assert card.group_outside
    results = sc.unit_results(unit=data.district_b)
    card = sc.scorecard(unit=data.district_b, result=results[0], results=results, user=staff)
    assert not card.group_outside
