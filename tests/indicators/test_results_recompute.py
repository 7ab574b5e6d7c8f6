"""The composite, ranking and band rules of docs/design.md §3–4, computed by results_recompute."""

import datetime
import json
from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from indicators.models import (
    Aggregation,
    Assessment,
    Band,
    Direction,
    Index,
    Methodology,
    Result,
    ResultSource,
    Score,
)
from indicators.recompute import _stale_delete, results_recompute
from tests.indicators.builders import methodology, score
from units.models import Unit, UnitKind


@pytest.fixture
def par(db):
    return Index.objects.create(code="par", name_vi="Chỉ số CCHC")


@pytest.fixture
def departments(tree):
    """Five departments of the test province (A from the tree, and B..E)."""
    more = [
        Unit.objects.create(code=f"D{i}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province)
        for i in range(2, 6)
    ]
    return [tree.dept_a, *more]


def results(index, year):
    return {
        r.unit.code: (r.value, r.rank, r.group_size, r.previous_rank)
        for r in Result.objects.filter(index=index, year=year).select_related("unit")
    }


def test_sum_is_points_over_the_applicable_maximum(par, departments):
    m = methodology(par, 2023)
    score(m, departments[0], {"1.1": "30", "1.2": "20", "2.1": "34.6"})
    results_recompute(index_id=par.pk, year=2023)
    result = Result.objects.get(unit=departments[0], index=par, year=2023)
    assert result.points == D("84.6")
    assert result.applicable_max == D("100")
    assert result.value == D("84.6")
    assert result.source == ResultSource.COMPUTED


@pytest.mark.parametrize("aggregation", [Aggregation.SUM, Aggregation.MEAN])
def test_a_self_assessment_nothing_of_which_is_appraised_has_no_result_yet(par, departments, aggregation):
    """A draft or a submitted self-assessment has self scores and no final score: its blanks are
    "not scored", never 0 (design §4), so it gets no result — not a 0 ranked last with every
    other unit the council has not reached — until the council appraises something of it."""
    m = methodology(par, 2026, aggregation)
    score(m, departments[0], {"1.1": "30", "1.2": "20", "2.1": "34.6"})
    waiting = Assessment.objects.create(unit=departments[1], methodology=m)
    for criterion in m.criteria.filter(children__isnull=True):
        Score.objects.create(assessment=waiting, criterion=criterion, self_score=criterion.max_points)
    results_recompute(index_id=par.pk, year=2026)
    assert set(results(par, 2026)) == {departments[0].code}

    Score.objects.filter(assessment=waiting, criterion__code="1.1").update(final_score=D(35))
    results_recompute(index_id=par.pk, year=2026)
    assert results(par, 2026)[departments[1].code][1:3] == (2, 2)


def test_a_not_applicable_criterion_leaves_the_maximum(par, departments):
    m = methodology(par, 2023)
    score(m, departments[0], {"1.1": "30", "1.2": "NA", "2.1": "40"})  # 70 of 80 applicable
    results_recompute(index_id=par.pk, year=2023)
    result = Result.objects.get(unit=departments[0])
    assert (result.points, result.applicable_max, result.value) == (D("70"), D("80"), D("87.5"))


def test_a_missing_score_counts_as_zero_points(par, departments):
    m = methodology(par, 2023)
    score(m, departments[0], {"1.1": "40"})
    results_recompute(index_id=par.pk, year=2023)
    assert Result.objects.get(unit=departments[0]).value == D("40")


def test_equal_values_share_a_rank_and_the_next_is_skipped(par, departments):
    m = methodology(par, 2023, areas={"1": (D(100), None, None)})
    for unit, total in zip(departments, ["90", "80", "80", "70", "60"], strict=False):
        score(m, unit, {"1": total})
    results_recompute(index_id=par.pk, year=2023)
    ranks = {code: (value, rank, size) for code, (value, rank, size, _) in results(par, 2023).items()}
    assert ranks == {
        "A": (D("90"), 1, 5),
        "D2": (D("80"), 2, 5),
        "D3": (D("80"), 2, 5),
        "D4": (D("70"), 4, 5),
        "D5": (D("60"), 5, 5),
    }


def test_values_equal_to_six_decimals_tie_and_a_millionth_apart_do_not(par, departments):
    m = methodology(par, 2023, areas={"1": (D(3), None, None)})
    score(m, departments[0], {"1": "1"})  # 33.333333…
    score(m, departments[1], {"1": "1"})
    score(m, departments[2], {"1": "1.000001"})  # 33.333367
    results_recompute(index_id=par.pk, year=2023)
    got = results(par, 2023)
    assert got["A"][0] == D("33.333333")
    assert (got["D3"][1], got["A"][1], got["D2"][1]) == (1, 2, 2)


def test_lower_is_better_ranks_the_smallest_value_first(departments):
    overdue = Index.objects.create(code="overdue", name_vi="Tỷ lệ trễ hạn", direction=Direction.LOWER)
    m = methodology(overdue, 2023, areas={"1": (D(100), None, None)})
    for unit, value in zip(departments[:3], ["12.5", "3", "40"], strict=False):
        score(m, unit, {"1": value})
    results_recompute(index_id=overdue.pk, year=2023)
    assert {code: rank for code, (_, rank, _, _) in results(overdue, 2023).items()} == {"D2": 1, "A": 2, "D3": 3}


def test_weighted_is_the_weighted_sum_of_the_area_values(par, departments):
    m = methodology(
        par,
        2023,
        Aggregation.WEIGHTED,
        areas={"1": (D(10), D("0.6"), None), "2": (D(10), D("0.4"), None)},
    )
    score(m, departments[0], {"1": "7.25", "2": "5.5"})
    results_recompute(index_id=par.pk, year=2023)
    assert Result.objects.get(unit=departments[0]).value == D("6.55")  # 0.6 × 7.25 + 0.4 × 5.5


def test_weighted_areas_with_sub_criteria_count_as_percentages(par, departments):
    m = methodology(
        par,
        2023,
        Aggregation.WEIGHTED,
        areas={"1": (D(10), D("0.5"), {"1.1": D(10)}), "2": (D(20), D("0.5"), {"2.1": D(10), "2.2": D(10)})},
    )
    score(m, departments[0], {"1.1": "5", "2.1": "10", "2.2": "5"})  # 50 % and 75 %
    results_recompute(index_id=par.pk, year=2023)
    assert Result.objects.get(unit=departments[0]).value == D("62.5")


def test_weighted_rescales_the_weights_when_an_area_is_not_applicable(par, departments):
    m = methodology(
        par,
        2023,
        Aggregation.WEIGHTED,
        areas={"1": (D(100), D("0.5"), None), "2": (D(100), D("0.25"), None), "3": (D(100), D("0.25"), None)},
    )
    score(m, departments[0], {"1": "80", "2": "NA", "3": "60"})
    results_recompute(index_id=par.pk, year=2023)
    # (0.5 × 80 + 0.25 × 60) × 1 / 0.75
    assert Result.objects.get(unit=departments[0]).value == D("73.333333")


def test_mean_is_the_mean_of_the_applicable_components(departments):
    sipas = Index.objects.create(code="sipas", name_vi="SIPAS")
    m = methodology(
        sipas,
        2023,
        Aggregation.MEAN,
        areas={code: (D(100), None, None) for code in ["1", "2", "3", "4", "5"]},
    )
    score(m, departments[0], {"1": "80", "2": "75.5", "3": "NA", "4": "70", "5": "82"})
    results_recompute(index_id=sipas.pk, year=2023)
    assert Result.objects.get(unit=departments[0]).value == D("76.875")


def test_groups_are_kind_and_parent(par, tree, departments):
    m_dept = methodology(par, 2023)
    m_district = methodology(par, 2023, kind=UnitKind.DISTRICT)
    other_district = Unit.objects.create(code="C", name="Huyện C", kind=UnitKind.DISTRICT, parent=tree.province)
    score(m_dept, departments[0], {"1.1": "10"})
    score(m_dept, departments[1], {"1.1": "20"})
    score(m_district, tree.district_b, {"1.1": "30"})
    score(m_district, other_district, {"1.1": "5"})
    results_recompute(index_id=par.pk, year=2023)
    got = results(par, 2023)
    assert (got["D2"][1:3], got["A"][1:3]) == ((1, 2), (2, 2))
    assert (got["B"][1:3], got["C"][1:3]) == ((1, 2), (2, 2))


def test_a_unit_closed_in_2024_is_not_ranked_in_2025_and_a_new_one_has_no_previous_rank(par, departments):
    closed, opened = departments[1], departments[2]
    Unit.objects.filter(pk=closed.pk).update(valid_to=datetime.date(2024, 12, 31))
    Unit.objects.filter(pk=opened.pk).update(valid_from=datetime.date(2025, 1, 1))
    m24, m25 = methodology(par, 2024), methodology(par, 2025)
    score(m24, departments[0], {"1.1": "10"})
    score(m24, closed, {"1.1": "20"})
    for unit, value in [(departments[0], "10"), (closed, "30"), (opened, "20")]:
        score(m25, unit, {"1.1": value})
    results_recompute(index_id=par.pk, year=2024)
    results_recompute(index_id=par.pk, year=2025)
    got = results(par, 2025)
    assert got["D2"][1:3] == (None, None)  # closed: a value, but no rank in 2025
    assert got["D3"] == (D("20"), 1, 2, None)
    assert got["A"] == (D("10"), 2, 2, 2)


def test_the_previous_rank_crosses_a_change_of_methodology(par, departments):
    m22 = methodology(par, 2022)
    m23 = methodology(par, 2023, areas={"X": (D(50), None, {"X.1": D(50)})})
    score(m22, departments[0], {"1.1": "10"})
    score(m22, departments[1], {"1.1": "20"})
    score(m23, departments[0], {"X.1": "40"})
    score(m23, departments[1], {"X.1": "30"})
    results_recompute(index_id=par.pk, year=2022)
    results_recompute(index_id=par.pk, year=2023)
    got = results(par, 2023)
    assert (got["A"][1], got["A"][3]) == (1, 2)
    assert Result.objects.get(unit=departments[0], year=2023).rank_change == 1


def test_recomputing_an_earlier_year_updates_the_next_years_previous_rank(par, departments):
    m22, m23 = methodology(par, 2022), methodology(par, 2023)
    score(m22, departments[0], {"1.1": "10"})
    score(m22, departments[1], {"1.1": "20"})
    score(m23, departments[0], {"1.1": "10"})
    results_recompute(index_id=par.pk, year=2023)
    assert results(par, 2023)["A"][3] is None
    results_recompute(index_id=par.pk, year=2022)
    assert results(par, 2023)["A"][3] == 2


def test_bands_come_from_the_thresholds_of_the_index_year_and_kind(par, departments):
    m = methodology(par, 2023)
    Band.objects.create(
        index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, name="Tốt", min_value=D(80), max_value=D(90)
    )
    Band.objects.create(index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, name="Xuất sắc", min_value=D(90))
    Band.objects.create(index=par, year=2023, unit_kind=UnitKind.DISTRICT, name="Khác", min_value=D(0))
    for unit, (a, b, c) in zip(
        departments[:3], [("40", "20", "30"), ("40", "20", "20"), ("30", "20", "20")], strict=False
    ):
        score(m, unit, {"1.1": a, "1.2": b, "2.1": c})
    results_recompute(index_id=par.pk, year=2023)
    bands = {r.unit.code: r.band.name if r.band else None for r in Result.objects.select_related("unit", "band")}
    assert bands == {"A": "Xuất sắc", "D2": "Tốt", "D3": None}


def test_a_published_result_is_kept_and_ranked_with_its_official_rank(par, tree, departments):
    m = methodology(par, 2023)
    score(m, departments[0], {"1.1": "40", "1.2": "20", "2.1": "36.86"})
    Result.objects.create(
        unit=departments[0],
        index=par,
        year=2023,
        value=D("96.5"),
        source=ResultSource.PUBLISHED,
        official_rank=1,
        official_group_size=20,
    )
    score(m, departments[1], {"1.1": "40", "1.2": "20", "2.1": "37"})
    results_recompute(index_id=par.pk, year=2023)
    published = Result.objects.get(unit=departments[0])
    assert (published.source, published.value, published.official_rank) == (ResultSource.PUBLISHED, D("96.5"), 1)
    assert (published.rank, Result.objects.get(unit=departments[1]).rank) == (2, 1)


def test_a_published_result_without_a_value_is_kept_and_ranked_beside_computed_ones(par, tree, departments):
    """A decision may publish a unit's rank without its value (the demo's 2022): only a published
    result may lack one. Recomputing the year ranks it by its official rank and keeps it as it
    is; on PostgreSQL the one-statement recompute proposed it for insertion as "computed", which
    the table's check refused before the conflict made it an update."""
    m = methodology(par, 2023)
    Result.objects.create(
        unit=departments[0],
        index=par,
        year=2023,
        value=None,
        source=ResultSource.PUBLISHED,
        official_rank=2,
        official_group_size=20,
    )
    score(m, departments[1], {"1.1": "40", "1.2": "20", "2.1": "37"})
    results_recompute(index_id=par.pk, year=2023)
    results_recompute(index_id=par.pk, year=2023)  # the published row is now stored beside a computed one
    published = Result.objects.get(unit=departments[0])
    assert (published.source, published.value, published.official_rank) == (ResultSource.PUBLISHED, None, 2)
    assert Result.objects.get(unit=departments[1]).value is not None


def test_a_second_run_changes_nothing_and_gives_the_same_rows(par, departments):
    m = methodology(par, 2023)
    for i, unit in enumerate(departments):
        score(m, unit, {"1.1": str(10 + i), "1.2": "5", "2.1": str(i * 3)})
    first = results_recompute(index_id=par.pk, year=2023)
    rows = list(Result.objects.order_by("unit__code").values_list("unit__code", "value", "rank", "group_size", "band"))
    assert first > 0
    assert results_recompute(index_id=par.pk, year=2023) == 0
    assert (
        list(Result.objects.order_by("unit__code").values_list("unit__code", "value", "rank", "group_size", "band"))
        == rows
    )


def test_results_without_scores_any_more_are_removed(par, departments):
    m = methodology(par, 2023)
    score(m, departments[0], {"1.1": "10"})
    score(m, departments[1], {"1.1": "20"})
    results_recompute(index_id=par.pk, year=2023)
    Assessment.objects.filter(unit=departments[1]).delete()
    assert results_recompute(index_id=par.pk, year=2023) >= 2  # D2 deleted, A re-ranked
    assert results(par, 2023) == {"A": (D("10"), 1, 1, None)}


@pytest.mark.needs_postgres
def test_a_first_computation_never_asks_which_units_are_still_computed(par, departments):
    """The stale delete tests "still computed" only on the year's own computed results: a year
    with none never runs the subquery, even where PostgreSQL scans the small table whole (it then
    tested the subquery first, on the other years' rows; bench/README.md, "Recompute")."""
    for year in (2023, 2024):
        m = methodology(par, year)
        for n, unit in enumerate(departments):
            score(m, unit, {"1.1": str(10 + n)})
    results_recompute(index_id=par.pk, year=2023)
    sql, params = _stale_delete(
        index_id=par.pk, year=2024, methodologies=list(Methodology.objects.filter(index=par, year=2024))
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off")  # the whole scan
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
        transaction.set_rollback(True)
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]

    def nodes(node):
        yield node
        for child in node.get("Plans", ()):
            yield from nodes(child)

    assessments_read = [
        node for node in nodes(plan) if node.get("Relation Name") == Assessment._meta.db_table and node["Actual Loops"]
    ]
    assert assessments_read == []


def test_a_result_whose_final_scores_are_all_cleared_keeps_its_value_and_rank(par, departments):
    """Cleared by the council, the assessment gives no value any more, but its unit is still computed
    (it has an applicable criterion): the stored result stays as it was, as the stale delete has
    always left it, and is ranked with the others. PostgreSQL's one statement keeps it too and
    counts it apart, then finds it is not stale (indicators.recompute._recompute_postgresql)."""
    m = methodology(par, 2023)
    score(m, departments[0], {"1.1": "10"})
    score(m, departments[1], {"1.1": "20"})
    results_recompute(index_id=par.pk, year=2023)
    Score.objects.filter(assessment__unit=departments[1]).update(final_score=None)
    Score.objects.filter(assessment__unit=departments[0]).update(final_score=D(30))
    results_recompute(index_id=par.pk, year=2023)
    assert results(par, 2023) == {"A": (D("30"), 1, 2, None), "D2": (D("20"), 2, 2, None)}
    assert results_recompute(index_id=par.pk, year=2023) == 0


def test_a_rank_that_changes_alone_leaves_the_results_time_of_change(par, departments):
    """`updated_at` (which moves results_as_of) moves with a result's value, not with its rank
    alone, on both databases: PostgreSQL writes both in one statement."""
    m = methodology(par, 2023)
    score(m, departments[0], {"1.1": "10"})
    score(m, departments[1], {"1.1": "20"})
    results_recompute(index_id=par.pk, year=2023)
    before = dict(Result.objects.values_list("unit__code", "updated_at"))
    Score.objects.filter(assessment__unit=departments[0]).update(final_score=D(30))
    results_recompute(index_id=par.pk, year=2023)
    after = {r.unit.code: r for r in Result.objects.select_related("unit")}
    assert (after["A"].rank, after["D2"].rank) == (1, 2)
    assert after["D2"].updated_at == before["D2"]
    assert after["A"].updated_at > before["A"]


@pytest.mark.needs_postgres
def test_a_first_computation_writes_each_result_once_with_its_rank(par, departments):
    """One statement inserts each result with its value and its rank: five rows changed, not an
    insert and then a rank update of each (bench/README.md, "Recompute in one statement")."""
    m = methodology(par, 2023)
    for n, unit in enumerate(departments):
        score(m, unit, {"1.1": str(10 + n)})
    assert results_recompute(index_id=par.pk, year=2023) == 5
    assert sorted(Result.objects.values_list("rank", flat=True)) == [1, 2, 3, 4, 5]


@pytest.mark.needs_postgres
def test_a_recompute_is_two_statements_on_postgresql(par, departments):
    """The lock with what the statement is built from, and the statement (the transaction's own
    BEGIN and COMMIT apart, here the test's savepoint): each statement sent was planned and waited
    for on its own, and that overhead, not the work, kept the recompute above 1.2 × the bare SQL
    (bench/README.md, "Recompute in one statement")."""
    for year in (2023, 2024):
        m = methodology(par, year)
        for n, unit in enumerate(departments):
            score(m, unit, {"1.1": str(10 + n)})
    results_recompute(index_id=par.pk, year=2024)

    def statements():
        with CaptureQueriesContext(connection) as captured:
            results_recompute(index_id=par.pk, year=2023)
        return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]

    assert len(statements()) == 2  # from nothing, the next year there
    assert len(statements()) == 2  # nothing changed
