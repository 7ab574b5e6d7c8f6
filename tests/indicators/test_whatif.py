"""indicators.whatif: the what-if's value, band and rank are those a real recompute with the same
scores gives; nothing it computes is saved; the fewest points it proposes reach the target, and
a hundredth less does not."""

from decimal import Decimal as D

import pytest

from indicators.models import Aggregation, Assessment, Band, Criterion, Index, Result, Score
from indicators.recompute import results_recompute
from indicators.whatif import current_scores, what_if_rate, what_if_scores
from tests.indicators.builders import four_departments_2025 as build
from tests.indicators.builders import methodology
from units.models import Unit, UnitKind


@pytest.fixture
def par(db):
    return Index.objects.create(code="par", name_vi="Chỉ số CCHC")


def leaf(m, code):
    return Criterion.objects.get(methodology=m, code=code).pk


def snapshot():
    return (
        sorted(Score.objects.values_list("assessment_id", "criterion_id", "final_score", "not_applicable")),
        sorted(Result.objects.values_list("unit_id", "year", "value", "rank", "group_size", "band_id")),
    )


@pytest.mark.parametrize("aggregation", [Aggregation.SUM, Aggregation.MEAN])
def test_the_what_if_is_the_recompute_with_those_scores_and_saves_nothing(par, tree, aggregation):
    m, units = build(par, tree, aggregation)
    assessment = Assessment.objects.get(unit=units["D3"], methodology=m)
    scores = current_scores(assessment=assessment)
    scores[leaf(m, "1.1")] = (D("39.5"), False)
    scores[leaf(m, "2.1")] = (D("40"), False)
    before = snapshot()

    answer = what_if_scores(assessment=assessment, scores=scores)

    assert snapshot() == before
    # The same scores saved and recomputed for real give the same value, band and rank.
    Score.objects.filter(assessment=assessment, criterion_id=leaf(m, "1.1")).update(final_score=D("39.5"))
    Score.objects.filter(assessment=assessment, criterion_id=leaf(m, "2.1")).update(final_score=D("40"))
    results_recompute(index_id=par.pk, year=2025)
    real = Result.objects.select_related("band").get(unit=units["D3"], index=par, year=2025)
    assert (answer.outcome.value, answer.outcome.band, answer.outcome.rank, answer.outcome.group_size) == (
        real.value,
        real.band.name,
        real.rank,
        real.group_size,
    )
    assert answer.outcome.rank < 4  # it moved: the comparison is not of two unchanged results


def test_the_fewest_points_to_the_next_band_reach_it_and_a_hundredth_less_does_not(par, tree):
    m, units = build(par, tree)
    assessment = Assessment.objects.get(unit=units["A"], methodology=m)  # 84,6: Khá, 90 for Tốt
    scores = current_scores(assessment=assessment)

    answer = what_if_scores(assessment=assessment, scores=scores)

    assert answer.outcome.value == D("84.6")
    assert answer.next_band == "Tốt"
    need = answer.to_next_band
    assert (need.target_value, need.points, need.reachable) == (D("90"), D("5.4"), True)
    assert need.checked.band == "Tốt" and need.checked.value == D("90")
    short = dict(scores)
    short[leaf(m, "1.1")] = (D("35.39"), False)  # 30 + 5,39: a hundredth short
    assert what_if_scores(assessment=assessment, scores=short).outcome.band == "Khá"


def test_points_go_where_they_weigh_most_under_weights(par, tree):
    """Weighted: area 1 weighs 0,75, area 2 0,25; a point of area 1 (60 points) moves the value by
    0,75 × 100/60 = 1,25, of area 2 (40 points) by 0,25 × 100/40 = 0,625. Area 1 first."""
    areas = {"1": (D(60), D("0.75"), {"1.1": D(40), "1.2": D(20)}), "2": (D(40), D("0.25"), {"2.1": D(40)})}
    m, units = build(par, tree, Aggregation.WEIGHTED, areas=areas)
    assessment = Assessment.objects.get(unit=units["A"], methodology=m)
    answer = what_if_scores(assessment=assessment, scores=current_scores(assessment=assessment))
    need = answer.to_next_band
    assert need.checked.value >= need.target_value
    # Area 1 at 50/60: 0,75 × 83,33 = 62,5; area 2 at 34,6/40: 0,25 × 86,5 = 21,625; 84,125.
    # 90 needs 5,875 more: 4,7 points of area 1, at 1,25 each (it has 10 points of room).
    assert answer.outcome.value == D("84.125")
    assert need.points == D("4.7")


def test_a_target_beyond_the_year_maximum_is_out_of_reach(par, tree):
    m, units = build(par, tree)
    Band.objects.create(index=par, year=2025, unit_kind=UnitKind.DEPARTMENT, name="Tuyệt", min_value=101, position=9)
    Band.objects.filter(name="Tốt").update(max_value=101)
    assessment = Assessment.objects.get(unit=units["D2"], methodology=m)  # 98: Tốt
    answer = what_if_scores(assessment=assessment, scores=current_scores(assessment=assessment))
    assert answer.next_band == "Tuyệt"
    assert answer.to_next_band.reachable is False and answer.to_next_band.points is None


def test_the_points_for_a_chosen_rank(par, tree):
    m, units = build(par, tree)  # values: D2 98, A 84,6, D4 80, D3 50
    assessment = Assessment.objects.get(unit=units["D4"], methodology=m)
    answer = what_if_scores(assessment=assessment, scores=current_scores(assessment=assessment), rank=2)
    need = answer.to_rank
    assert need.target_value == D("84.6")  # equal to the second shares its rank
    assert need.points == D("4.6")
    assert need.checked.rank == 2


def test_a_dossier_rate_what_if_ranks_as_the_recompute_would(par, tree):
    """A rate set by hand and re-ranked: the result of the what-if equals the stored ranking with
    that value (lower is better here), and nothing stays."""
    overdue = Index.objects.create(
        code="overdue", name_vi="Tỷ lệ trễ hạn", direction="lower", dossier_measure="overdue_rate"
    )
    m = methodology(overdue, 2025, Aggregation.DOSSIERS, areas={})
    Band.objects.create(index=overdue, year=2025, unit_kind=UnitKind.DEPARTMENT, name="Tốt", max_value=2, position=0)
    Band.objects.create(index=overdue, year=2025, unit_kind=UnitKind.DEPARTMENT, name="Kém", min_value=2, position=1)
    others = [
        Unit.objects.create(code=f"D{i}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province)
        for i in range(2, 5)
    ]
    for unit, rate in zip([tree.dept_a, *others], ["5", "1", "3", "4"], strict=True):
        Result.objects.create(unit=unit, index=overdue, year=2025, value=D(rate))
    before = snapshot()
    answer = what_if_rate(unit=tree.dept_a, methodology=m, rate=D("1.5"), rank=1)
    assert snapshot() == before
    assert (answer.outcome.value, answer.outcome.band, answer.outcome.rank, answer.outcome.group_size) == (
        D("1.5"),
        "Tốt",
        2,
        4,
    )
    assert answer.to_rank.target_value == D("1") and answer.to_rank.relation == "at_most"
