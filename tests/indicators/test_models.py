"""What the database refuses about scores, results, bands and methodologies, even when model
validation is bypassed (imports, bulk writes, `.update()`), and what the models compute."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from indicators.models import (
    Aggregation,
    Assessment,
    Band,
    Criterion,
    Index,
    Methodology,
    Result,
    ResultSource,
    Score,
)
from units.models import UnitKind


@pytest.fixture
def par(db):
    return Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")


@pytest.fixture
def methodology(par):
    return Methodology.objects.create(index=par, year=2024, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.SUM)


@pytest.fixture
def criterion(methodology):
    return Criterion.objects.create(
        methodology=methodology, code="1", title="Công tác chỉ đạo", max_points=Decimal("10")
    )


@pytest.fixture
def assessment(tree, methodology):
    return Assessment.objects.create(unit=tree.dept_a, methodology=methodology)


@pytest.fixture
def other_criterion(par):
    """A criterion of the 2025 methodology: not one the 2024 assessment may score."""
    other = Methodology.objects.create(index=par, year=2025, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.SUM)
    return Criterion.objects.create(methodology=other, code="1", title="Công tác chỉ đạo", max_points=Decimal("10"))


# What the database says when it refuses, on PostgreSQL and on SQLite: each test names the rule it
# expects, so a write refused for another reason (a duplicate code, say) does not pass by accident.
SCORE_UNIQUE = (
    r"score_unique_assessment_criterion"
    r"|UNIQUE constraint failed: indicators_score\.assessment_id, indicators_score\.criterion_id"
)
RESULT_UNIQUE = (
    r"result_unique_unit_index_year"
    r"|UNIQUE constraint failed: indicators_result\.unit_id, indicators_result\.index_id, indicators_result\.year"
)
METHODOLOGY_UNIQUE = (
    r"methodology_unique_index_year_kind|UNIQUE constraint failed: indicators_methodology\.index_id, "
    r"indicators_methodology\.year, indicators_methodology\.unit_kind"
)
WITHIN_MAX = "score_within_max"
IN_METHODOLOGY = "score_criterion_in_methodology|belongs to another methodology"
MAX_COVERS_SCORES = "criterion_max_covers_scores"


def _refused(write, because):
    """Run `write` in a savepoint and prove the database refuses it for the reason `because` (a regex)."""
    with pytest.raises(IntegrityError, match=because), transaction.atomic():
        write()


# --- Score: uniqueness and CHECK constraints ---------------------------------------------------


def test_an_assessment_has_one_score_per_criterion(assessment, criterion):
    Score.objects.create(assessment=assessment, criterion=criterion, self_score=Decimal("5"))
    _refused(
        lambda: Score.objects.create(assessment=assessment, criterion=criterion, self_score=Decimal("6")), SCORE_UNIQUE
    )
    assert Score.objects.get().self_score == Decimal("5")


@pytest.mark.parametrize("field", ["self_score", "final_score"])
def test_a_negative_score_is_refused(assessment, criterion, field):
    _refused(
        lambda: Score.objects.create(assessment=assessment, criterion=criterion, **{field: Decimal("-0.000001")}),
        f"score_{field}_not_negative",
    )
    assert not Score.objects.exists()


def test_a_zero_score_is_allowed(assessment, criterion):
    Score.objects.create(assessment=assessment, criterion=criterion, self_score=Decimal("0"), final_score=Decimal("0"))
    assert Score.objects.get().final_score == Decimal("0")


def test_a_criterion_marked_not_applicable_cannot_have_an_appraised_score(assessment, criterion):
    _refused(
        lambda: Score.objects.create(
            assessment=assessment, criterion=criterion, not_applicable=True, final_score=Decimal("3")
        ),
        "score_not_applicable_has_no_score",
    )


def test_a_criterion_marked_not_applicable_without_a_score_is_allowed(assessment, criterion):
    Score.objects.create(assessment=assessment, criterion=criterion, not_applicable=True)
    assert Score.objects.get().not_applicable is True


def test_marking_a_scored_criterion_not_applicable_by_update_is_refused(assessment, criterion):
    score = Score.objects.create(assessment=assessment, criterion=criterion, final_score=Decimal("3"))
    _refused(lambda: Score.objects.filter(pk=score.pk).update(not_applicable=True), "score_not_applicable_has_no_score")


# --- Score: the triggers of migration 0002 ---------------------------------------------------


@pytest.mark.parametrize("field", ["self_score", "final_score"])
def test_a_score_above_the_criterions_maximum_is_refused_on_insert(assessment, criterion, field):
    _refused(
        lambda: Score.objects.create(assessment=assessment, criterion=criterion, **{field: Decimal("10.000001")}),
        WITHIN_MAX,
    )
    assert not Score.objects.exists()


@pytest.mark.parametrize("field", ["self_score", "final_score"])
def test_a_score_above_the_maximum_is_refused_in_a_bulk_insert(assessment, criterion, field):
    _refused(
        lambda: Score.objects.bulk_create(
            [Score(assessment=assessment, criterion=criterion, **{field: Decimal("11")})]
        ),
        WITHIN_MAX,
    )
    assert not Score.objects.exists()


@pytest.mark.parametrize("field", ["self_score", "final_score"])
def test_a_score_above_the_criterions_maximum_is_refused_on_update(assessment, criterion, field):
    score = Score.objects.create(assessment=assessment, criterion=criterion, **{field: Decimal("9")})
    _refused(lambda: Score.objects.filter(pk=score.pk).update(**{field: Decimal("10.000001")}), WITHIN_MAX)
    score.refresh_from_db()
    assert getattr(score, field) == Decimal("9")


def test_a_score_above_the_maximum_is_refused_on_save_without_validation(assessment, criterion):
    score = Score.objects.create(assessment=assessment, criterion=criterion, final_score=Decimal("9"))
    score.final_score = Decimal("12.5")
    _refused(score.save, WITHIN_MAX)


def test_an_upsert_above_the_maximum_is_refused_on_the_score_it_updates(assessment, criterion, methodology):
    # An import's INSERT … ON CONFLICT DO UPDATE: the rows it updates are checked as the rows it inserts.
    other = Criterion.objects.create(methodology=methodology, code="2", title="Khác", max_points=Decimal("10"))
    score = Score.objects.create(assessment=assessment, criterion=criterion, final_score=Decimal("9"))

    def upsert():
        Score.objects.bulk_create(
            [
                Score(assessment=assessment, criterion=other, final_score=Decimal("5")),
                Score(assessment=assessment, criterion=criterion, final_score=Decimal("10.5")),
            ],
            update_conflicts=True,
            unique_fields=["assessment", "criterion"],
            update_fields=["final_score"],
        )

    _refused(upsert, WITHIN_MAX)
    score.refresh_from_db()
    assert score.final_score == Decimal("9")
    assert not Score.objects.filter(criterion=other).exists()  # the whole statement, not the bad row alone


def test_a_bulk_insert_with_one_score_of_another_methodology_is_refused_whole(assessment, criterion, other_criterion):
    _refused(
        lambda: Score.objects.bulk_create(
            [
                Score(assessment=assessment, criterion=criterion, final_score=Decimal("1")),
                Score(assessment=assessment, criterion=other_criterion, final_score=Decimal("1")),
            ]
        ),
        IN_METHODOLOGY,
    )
    assert not Score.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has row triggers only")
def test_the_score_rules_are_checked_once_per_statement_on_postgresql(db):
    # Per row, an import's upsert ran the rules' two look-ups twice for each score it changed
    # (as the insert it tried, then as the update): 100,000 scores took 3.9 s, per statement 2.1 s.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, (tgtype & 1) = 1 FROM pg_trigger "
            "WHERE tgrelid = 'indicators_score'::regclass AND NOT tgisinternal ORDER BY tgname"
        )
        triggers = cursor.fetchall()
    assert triggers == [("indicators_score_check_insert", False), ("indicators_score_check_update", False)]


def test_a_score_equal_to_the_maximum_is_allowed(assessment, criterion):
    Score.objects.create(
        assessment=assessment, criterion=criterion, self_score=Decimal("10"), final_score=Decimal("10.000000")
    )
    assert Score.objects.get().final_score == Decimal("10")


def test_a_score_with_a_fractional_maximum_is_checked_to_the_last_decimal(assessment, methodology):
    half = Criterion.objects.create(
        methodology=methodology, code="2", title="Cải cách TTHC", max_points=Decimal("14.5")
    )
    Score.objects.create(assessment=assessment, criterion=half, final_score=Decimal("14.5"))
    _refused(lambda: Score.objects.filter(criterion=half).update(final_score=Decimal("14.500001")), WITHIN_MAX)


def test_a_criterion_from_another_methodology_is_refused_on_insert(assessment, other_criterion):
    _refused(
        lambda: Score.objects.create(assessment=assessment, criterion=other_criterion, self_score=Decimal("1")),
        IN_METHODOLOGY,
    )
    assert not Score.objects.exists()


def test_moving_a_score_to_a_criterion_of_another_methodology_is_refused(assessment, criterion, other_criterion):
    score = Score.objects.create(assessment=assessment, criterion=criterion, self_score=Decimal("1"))
    _refused(lambda: Score.objects.filter(pk=score.pk).update(criterion=other_criterion), IN_METHODOLOGY)
    score.refresh_from_db()
    assert score.criterion_id == criterion.pk


def test_moving_an_assessment_with_scores_to_another_methodology_is_refused(assessment, criterion, other_criterion):
    # The rule "a score's criterion belongs to its assessment's methodology" must hold from the
    # assessment's side too, or one UPDATE detaches every score from its methodology.
    Score.objects.create(assessment=assessment, criterion=criterion, self_score=Decimal("1"))
    _refused(
        lambda: Assessment.objects.filter(pk=assessment.pk).update(methodology=other_criterion.methodology),
        IN_METHODOLOGY,
    )


def test_moving_a_scored_criterion_to_another_methodology_is_refused(assessment, methodology, other_criterion):
    # A code the other methodology does not use, so only the methodology rule can refuse the move.
    moved = Criterion.objects.create(methodology=methodology, code="9", title="Khác", max_points=Decimal("10"))
    Score.objects.create(assessment=assessment, criterion=moved, self_score=Decimal("1"))
    _refused(
        lambda: Criterion.objects.filter(pk=moved.pk).update(methodology=other_criterion.methodology), IN_METHODOLOGY
    )


@pytest.mark.parametrize("field", ["self_score", "final_score"])
def test_lowering_a_maximum_below_a_recorded_score_is_refused(assessment, criterion, field):
    Score.objects.create(assessment=assessment, criterion=criterion, **{field: Decimal("8")})
    _refused(
        lambda: Criterion.objects.filter(pk=criterion.pk).update(max_points=Decimal("7.999999")), MAX_COVERS_SCORES
    )
    criterion.refresh_from_db()
    assert criterion.max_points == Decimal("10")


def test_lowering_a_maximum_to_exactly_the_recorded_score_is_allowed(assessment, criterion):
    Score.objects.create(
        assessment=assessment, criterion=criterion, self_score=Decimal("7.5"), final_score=Decimal("8")
    )
    Criterion.objects.filter(pk=criterion.pk).update(max_points=Decimal("8"))
    criterion.refresh_from_db()
    assert criterion.max_points == Decimal("8")


def test_lowering_a_maximum_through_save_below_a_recorded_score_is_refused(assessment, criterion):
    Score.objects.create(assessment=assessment, criterion=criterion, final_score=Decimal("8"))
    criterion.max_points = Decimal("5")
    _refused(criterion.save, MAX_COVERS_SCORES)


def test_lowering_a_maximum_is_allowed_when_only_other_criteria_have_higher_scores(assessment, criterion, methodology):
    other = Criterion.objects.create(methodology=methodology, code="2", title="Khác", max_points=Decimal("20"))
    Score.objects.create(assessment=assessment, criterion=other, final_score=Decimal("18"))
    Score.objects.create(assessment=assessment, criterion=criterion, final_score=Decimal("2"))
    Criterion.objects.filter(pk=criterion.pk).update(max_points=Decimal("3"))
    assert Criterion.objects.get(pk=criterion.pk).max_points == Decimal("3")


# --- Score: model validation ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["self_score", "final_score"])
def test_full_clean_puts_a_score_above_the_maximum_on_that_field(assessment, criterion, field):
    score = Score(assessment=assessment, criterion=criterion, **{field: Decimal("10.5")})
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        score.full_clean()
    assert caught.value.message_dict == {field: ["The score is above the criterion's maximum of 10."]}


def test_full_clean_writes_the_maximum_the_vietnamese_way(assessment, methodology):
    half = Criterion.objects.create(
        methodology=methodology, code="3", title="Tổ chức bộ máy", max_points=Decimal("14.5")
    )
    score = Score(assessment=assessment, criterion=half, final_score=Decimal("15"))
    with translation.override("vi"), pytest.raises(ValidationError) as caught:
        score.full_clean()
    assert caught.value.message_dict["final_score"] == ["Điểm vượt quá điểm tối đa 14,5 của tiêu chí."]


def test_full_clean_accepts_a_score_equal_to_the_maximum(assessment, criterion):
    Score(
        assessment=assessment, criterion=criterion, self_score=Decimal("10"), final_score=Decimal("9.75")
    ).full_clean()


def test_full_clean_refuses_a_criterion_from_another_methodology(assessment, other_criterion):
    score = Score(assessment=assessment, criterion=other_criterion, self_score=Decimal("1"))
    with pytest.raises(ValidationError) as caught:
        score.full_clean()
    assert list(caught.value.message_dict) == ["criterion"]


# --- Decimal precision ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [Decimal("84.604321"), Decimal("0.000001"), Decimal("100.000000"), Decimal("999999999.999999")]
)
def test_a_value_keeps_six_decimal_places(tree, par, value):
    result = Result.objects.create(unit=tree.dept_a, index=par, year=2024, value=value)
    assert Result.objects.get(pk=result.pk).value == value


def test_values_one_millionth_apart_stay_apart_and_order_correctly(tree, par):
    Result.objects.create(unit=tree.dept_a, index=par, year=2024, value=Decimal("84.604321"))
    Result.objects.create(unit=tree.district_b, index=par, year=2024, value=Decimal("84.604322"))
    assert list(Result.objects.order_by("-value").values_list("unit__code", flat=True)) == ["B", "A"]
    assert Result.objects.filter(value=Decimal("84.604321")).get().unit == tree.dept_a


def test_a_score_keeps_six_decimal_places(assessment, criterion):
    Score.objects.create(assessment=assessment, criterion=criterion, final_score=Decimal("9.999999"))
    assert Score.objects.get().final_score == Decimal("9.999999")


# --- Result -----------------------------------------------------------------------------------


def test_a_unit_has_one_result_per_index_and_year(tree, par):
    Result.objects.create(unit=tree.dept_a, index=par, year=2024, value=Decimal("80"))
    _refused(lambda: Result.objects.create(unit=tree.dept_a, index=par, year=2024, value=Decimal("81")), RESULT_UNIQUE)
    Result.objects.create(unit=tree.dept_a, index=par, year=2025, value=Decimal("82"))
    assert Result.objects.filter(unit=tree.dept_a).count() == 2


def test_a_rank_beyond_the_group_size_is_refused(tree, par):
    _refused(
        lambda: Result.objects.create(
            unit=tree.dept_a, index=par, year=2024, value=Decimal("80"), rank=21, group_size=20
        ),
        "result_rank_within_group",
    )


def test_a_rank_below_one_is_refused(tree, par):
    _refused(
        lambda: Result.objects.create(
            unit=tree.dept_a, index=par, year=2024, value=Decimal("80"), rank=0, group_size=20
        ),
        "result_rank_within_group",
    )


def test_a_rank_without_its_group_size_is_refused(tree, par):
    # docs/design.md §4: every rank carries its group size (56/63); a bare 56 says nothing.
    _refused(
        lambda: Result.objects.create(unit=tree.dept_a, index=par, year=2024, value=Decimal("80"), rank=3),
        "result_rank_within_group",
    )
    _refused(
        lambda: Result.objects.create(
            unit=tree.province, index=par, year=2024, source=ResultSource.PUBLISHED, official_rank=56
        ),
        "result_official_rank_within_group",
    )


def test_a_rank_equal_to_the_group_size_is_allowed(tree, par):
    Result.objects.create(unit=tree.dept_a, index=par, year=2024, value=Decimal("80"), rank=20, group_size=20)
    assert Result.objects.get().rank == 20


def test_an_update_that_shrinks_the_group_below_the_rank_is_refused(tree, par):
    result = Result.objects.create(unit=tree.dept_a, index=par, year=2024, value=Decimal("80"), rank=5, group_size=20)
    _refused(lambda: Result.objects.filter(pk=result.pk).update(group_size=4), "result_rank_within_group")


def test_an_official_rank_beyond_the_official_group_size_is_refused(tree, par):
    _refused(
        lambda: Result.objects.create(
            unit=tree.province,
            index=par,
            year=2024,
            source=ResultSource.PUBLISHED,
            official_rank=64,
            official_group_size=63,
        ),
        "result_official_rank_within_group",
    )


def test_an_official_rank_of_56_among_63_is_allowed(tree, par):
    Result.objects.create(
        unit=tree.province,
        index=par,
        year=2024,
        source=ResultSource.PUBLISHED,
        official_rank=56,
        official_group_size=63,
    )
    assert Result.objects.get().official_rank == 56


def test_a_computed_result_without_a_value_is_refused(tree, par):
    _refused(
        lambda: Result.objects.create(unit=tree.dept_a, index=par, year=2024, source=ResultSource.COMPUTED),
        "result_computed_has_value",
    )


def test_a_published_result_without_a_value_is_allowed(tree, par):
    Result.objects.create(
        unit=tree.province,
        index=par,
        year=2024,
        source=ResultSource.PUBLISHED,
        official_rank=56,
        official_group_size=63,
    )
    assert Result.objects.get().value is None


def test_a_year_outside_1990_to_2100_is_refused(tree, par):
    _refused(
        lambda: Result.objects.create(unit=tree.dept_a, index=par, year=2200, value=Decimal("80")),
        "result_year_in_range",
    )


# --- Band and Methodology ---------------------------------------------------------------------


@pytest.mark.parametrize("low, high", [("90", "90"), ("90", "80")], ids=["equal", "reversed"])
def test_a_band_whose_lower_bound_is_not_below_its_upper_bound_is_refused(par, low, high):
    _refused(
        lambda: Band.objects.create(
            index=par, year=2024, unit_kind=UnitKind.PROVINCE, name="B", min_value=Decimal(low), max_value=Decimal(high)
        ),
        "band_min_below_max",
    )


def test_a_band_without_any_bound_is_refused(par):
    _refused(
        lambda: Band.objects.create(index=par, year=2024, unit_kind=UnitKind.PROVINCE, name="?"), "band_has_a_bound"
    )


def test_bands_open_on_one_side_are_allowed(par):
    Band.objects.create(index=par, year=2024, unit_kind=UnitKind.PROVINCE, name="A", min_value=Decimal("90"))
    Band.objects.create(
        index=par, year=2024, unit_kind=UnitKind.PROVINCE, name="B", min_value=Decimal("80"), max_value=Decimal("90")
    )
    Band.objects.create(index=par, year=2024, unit_kind=UnitKind.PROVINCE, name="C", max_value=Decimal("80"))
    assert Band.objects.count() == 3


def test_an_index_has_one_methodology_per_year_and_unit_kind(methodology):
    _refused(
        lambda: Methodology.objects.create(
            index=methodology.index, year=2024, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.WEIGHTED
        ),
        METHODOLOGY_UNIQUE,
    )
    Methodology.objects.create(
        index=methodology.index, year=2024, unit_kind=UnitKind.DISTRICT, aggregation=Aggregation.SUM
    )
    Methodology.objects.create(
        index=methodology.index, year=2025, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.SUM
    )
    assert Methodology.objects.count() == 3


# --- Index.name -------------------------------------------------------------------------------


def test_an_index_is_named_in_english_on_english_pages(par):
    with translation.override("en"):
        assert par.name == "PAR Index"
        assert str(par) == "PAR Index"


def test_an_index_is_named_in_vietnamese_on_vietnamese_pages(par):
    with translation.override("vi"):
        assert par.name == "Chỉ số CCHC"


def test_an_index_without_an_english_name_keeps_its_vietnamese_name_in_english(db):
    sipas = Index.objects.create(code="sipas", name_vi="Chỉ số SIPAS")
    with translation.override("en"):
        assert sipas.name == "Chỉ số SIPAS"


# --- Result.shown_rank and rank_change ---------------------------------------------------------


def test_shown_rank_is_the_computed_rank_without_an_official_one():
    result = Result(rank=3, group_size=20)
    assert (result.shown_rank, result.shown_group_size) == (3, 20)


def test_shown_rank_prefers_the_official_rank():
    result = Result(rank=2, group_size=5, official_rank=56, official_group_size=63)
    assert (result.shown_rank, result.shown_group_size) == (56, 63)


def test_moving_from_fifth_to_second_is_a_gain_of_three_places():
    assert Result(rank=2, group_size=20, previous_rank=5, rank_comparable=True).rank_change == 3


def test_moving_from_second_to_fifth_is_a_loss_of_three_places():
    assert Result(rank=5, group_size=20, previous_rank=2, rank_comparable=True).rank_change == -3


def test_keeping_the_same_rank_is_no_change():
    assert Result(rank=4, group_size=20, previous_rank=4, rank_comparable=True).rank_change == 0


def test_rank_change_counts_from_the_official_rank_when_there_is_one():
    assert Result(official_rank=56, official_group_size=63, previous_rank=58, rank_comparable=True).rank_change == 2


def test_rank_change_is_unknown_without_last_years_rank():
    assert Result(rank=1, group_size=20).rank_change is None


def test_rank_change_is_unknown_without_this_years_rank():
    assert Result(previous_rank=7).rank_change is None


def test_rank_change_is_unknown_when_last_years_group_is_not_comparable():
    result = Result(rank=1, group_size=1, previous_rank=2, previous_group_size=17, rank_comparable=False)
    assert (result.rank_change, result.rank_not_comparable) == (None, True)
