"""generate_synthetic: a synthetic country of the asked size, reproducible from its seed, that the
recompute ranks like any other (demo.synthetic)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from demo.synthetic import INDICES, leaf_maxima
from indicators.models import Assessment, AssessmentStatus, Criterion, Index, Methodology, Result, Score
from indicators.recompute import results_recompute
from units.models import Unit, UnitKind

SIZE = [
    "--provinces",
    "3",
    "--departments-per-province",
    "2",
    "--communes",
    "7",
    "--first-year",
    "2024",
    "--last-year",
    "2025",
]


def generate(*args):
    out = StringIO()
    call_command("generate_synthetic", *SIZE, *args, stdout=out)
    return out.getvalue()


def scores_of(prefix):
    """Every score as (unit code without the prefix, index suffix, year, criterion code, final)."""
    rows = Score.objects.filter(assessment__unit__code__startswith=f"{prefix}-").values_list(
        "assessment__unit__code",
        "assessment__methodology__index__code",
        "assessment__methodology__year",
        "criterion__code",
        "final_score",
    )
    return sorted(
        (unit.removeprefix(prefix), index.removeprefix(prefix.lower()), year, code, final)
        for unit, index, year, code, final in rows
    )


def test_leaf_maxima_add_up_to_the_area():
    assert sum(leaf_maxima(14.5, 12)) == pytest.approx(14.5)
    assert sum(leaf_maxima(7, 8)) == 7


@pytest.mark.django_db
def test_the_country_has_the_asked_size_and_a_score_on_every_leaf():
    output = generate()

    units = Unit.objects.filter(code__startswith="SYN")
    assert units.filter(kind=UnitKind.PROVINCE).count() == 3
    assert units.filter(kind=UnitKind.DEPARTMENT).count() == 6
    # 7 communes over 3 provinces: 3, 2, 2.
    communes = units.filter(kind=UnitKind.COMMUNE).values("parent__code").annotate(n=Count("id"))
    assert sorted(row["n"] for row in communes) == [2, 2, 3]
    assert Methodology.objects.filter(index__code__startswith="syn-").count() == len(INDICES) * 2 * 2
    assessments = Assessment.objects.filter(unit__code__startswith="SYN-")
    assert assessments.count() == 13 * len(INDICES) * 2
    assert set(assessments.filter(methodology__year=2024).values_list("status", flat=True)) == {
        AssessmentStatus.PUBLISHED
    }
    # The last year is still open: appraised, not yet published, so scores can be imported into it.
    assert set(assessments.filter(methodology__year=2025).values_list("status", flat=True)) == {
        AssessmentStatus.APPRAISED
    }
    leaves = Criterion.objects.filter(
        methodology__index__code="syn-par",
        methodology__year=2025,
        methodology__unit_kind=UnitKind.COMMUNE,
        children__isnull=True,
    )
    assert leaves.count() == 90
    scores = Score.objects.filter(assessment__unit__code__startswith="SYN-")
    expected = 13 * 2 * sum(sum(count for _max, count in spec.areas) for spec in INDICES)
    assert scores.count() == expected
    assert f"scores {expected}" in output
    # Within each criterion's maximum (the database trigger checks it too).
    assert not [s for s in scores.select_related("criterion") if not 0 <= s.final_score <= s.criterion.max_points]


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_scores_whatever_the_prefix():
    generate("--seed", "5", "--prefix", "AAA")
    generate("--seed", "5", "--prefix", "BBB")
    generate("--seed", "6", "--prefix", "CCC")

    assert scores_of("AAA") == scores_of("BBB")
    assert scores_of("AAA") != scores_of("CCC")


@pytest.mark.django_db
def test_a_prefix_that_exists_is_refused_and_nothing_is_written():
    generate()
    before = Score.objects.count()

    with pytest.raises(CommandError, match="exists already"):
        generate()

    assert Score.objects.count() == before
    assert Index.objects.filter(code__startswith="syn-").count() == len(INDICES)


@pytest.mark.django_db
def test_the_recompute_ranks_every_unit_within_its_province():
    generate()
    index = Index.objects.get(code="syn-par")

    results_recompute(index_id=index.pk, year=2025)

    results = Result.objects.filter(index=index, year=2025).select_related("unit")
    assert results.count() == 13
    departments = [r for r in results if r.unit.kind == UnitKind.DEPARTMENT]
    assert all(r.group_size == 2 and r.rank in (1, 2) and 0 < r.value <= 100 for r in departments)


@pytest.mark.django_db
def test_a_size_that_makes_no_sense_is_refused():
    with pytest.raises(CommandError, match="first-year"):
        call_command("generate_synthetic", "--first-year", "2025", "--last-year", "2020", stdout=StringIO())
    assert not Unit.objects.filter(code__startswith="SYN").exists()
