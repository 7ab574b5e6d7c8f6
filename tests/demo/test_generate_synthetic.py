"""generate_synthetic: synthetic scores over Vietnam's real administrative units, old and new,
reproducible from the seed, that the recompute ranks like any other (demo.synthetic)."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from demo.synthetic import INDICES, leaf_maxima
from indicators.models import Assessment, AssessmentStatus, Criterion, Index, Methodology, Result, Score
from indicators.recompute import results_recompute
from units import admin_data
from units.models import Unit, UnitKind, UnitLineage

# Lai Châu: one of the smallest provinces, unchanged in 2025 (old province 12), so the test stays
# quick: 38 communes since 1/7/2025; 8 districts and 106 communes before.
PROVINCE = "12"
REORGANISED = datetime.date(2025, 7, 1)
SIZE = ["--provinces", PROVINCE, "--departments-per-province", "2", "--first-year", "2024", "--last-year", "2025"]


def generate(*args):
    out = StringIO()
    call_command("generate_synthetic", *SIZE, *args, stdout=out)
    return out.getvalue()


def scores():
    """Every score as (unit code, index code, year, criterion code, self score, final score)."""
    rows = Score.objects.values_list(
        "assessment__unit__code",
        "assessment__methodology__index__code",
        "assessment__methodology__year",
        "criterion__code",
        "self_score",
        "final_score",
    )
    return sorted(rows)


def assessed(year):
    """{kind: number of units} with a syn-par assessment in the year."""
    rows = (
        Assessment.objects.filter(methodology__index__code="syn-par", methodology__year=year)
        .values("unit__kind")
        .annotate(n=Count("id"))
    )
    return {row["unit__kind"]: row["n"] for row in rows}


def test_leaf_maxima_add_up_to_the_area():
    assert sum(leaf_maxima(14.5, 12)) == pytest.approx(14.5)
    assert sum(leaf_maxima(7, 8)) == 7


@pytest.mark.django_db
def test_the_real_units_old_and_new_get_a_score_on_every_leaf():
    output = generate()

    communes = {c.code for c in admin_data.communes(PROVINCE)}
    old_communes = {f"L{c.code}" for c in admin_data.legacy_communes({PROVINCE})}
    # The real codes, with their real parents: the new communes under the new province, the old
    # ones under their districts under the old province "L12".
    assert set(Unit.objects.filter(kind=UnitKind.COMMUNE, parent__code=PROVINCE).values_list("code", flat=True)) == (
        communes
    )
    assert set(
        Unit.objects.filter(kind=UnitKind.COMMUNE, parent__parent__code=f"L{PROVINCE}").values_list("code", flat=True)
    ) == (old_communes)
    assert UnitLineage.objects.filter(successor__code__in=communes).exists()
    # Only the departments are invented, coded as such, valid as long as their province.
    departments = Unit.objects.filter(kind=UnitKind.DEPARTMENT).order_by("code")
    assert [(d.code, d.parent.code, d.valid_from, d.valid_to) for d in departments] == [
        ("12-D01", "12", REORGANISED, None),
        ("12-D02", "12", REORGANISED, None),
        ("L12-D01", "L12", None, datetime.date(2025, 6, 30)),
        ("L12-D02", "L12", None, datetime.date(2025, 6, 30)),
    ]

    # 2024 scores the old tree (districts too), 2025 the new one.
    assert assessed(2024) == {"department": 2, "district": 8, "commune": len(old_communes)}
    assert assessed(2025) == {"department": 2, "commune": len(communes)}
    assert not Assessment.objects.filter(unit__valid_to__lt=datetime.date(2025, 12, 31), methodology__year=2025)
    assert not Assessment.objects.filter(unit__valid_from=REORGANISED, methodology__year=2024)
    assert Methodology.objects.filter(index__code__startswith="syn-").count() == len(INDICES) * (3 + 2)
    assessments = Assessment.objects.all()
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
    units = sum(assessed(2024).values()) + sum(assessed(2025).values())
    expected = units * sum(sum(count for _max, count in spec.areas) for spec in INDICES)
    assert Score.objects.count() == expected
    assert f"scores {expected}" in output
    # Within each criterion's maximum (the database trigger checks it too).
    assert not [
        s for s in Score.objects.select_related("criterion") if not 0 <= s.final_score <= s.criterion.max_points
    ]


def synthetic_remove():
    """Everything generate_synthetic wrote but the real units, which a second run uses as they are."""
    Score.objects.all().delete()
    Assessment.objects.all().delete()
    Criterion.objects.all().delete()
    Methodology.objects.all().delete()
    Index.objects.all().delete()
    Unit.objects.filter(kind=UnitKind.DEPARTMENT).delete()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_scores():
    generate("--seed", "5")
    first = scores()
    synthetic_remove()

    generate("--seed", "5")
    assert scores() == first

    synthetic_remove()
    generate("--seed", "6")
    assert scores() != first


@pytest.mark.django_db
def test_existing_synthetic_data_is_refused_and_nothing_is_written():
    generate()
    before = (Score.objects.count(), Unit.objects.count(), Assessment.objects.count())

    with pytest.raises(CommandError, match="exists already"):
        generate("--provinces", "11")  # another province: its units would be new

    assert (Score.objects.count(), Unit.objects.count(), Assessment.objects.count()) == before
    assert not Unit.objects.filter(code="11").exists()
    assert Index.objects.filter(code__startswith="syn-").count() == len(INDICES)


@pytest.mark.django_db
def test_an_unknown_province_is_refused_and_nothing_is_written():
    with pytest.raises(CommandError, match="unknown province"):
        generate("--provinces", "99")

    assert not Unit.objects.exists()
    assert not Index.objects.exists()


@pytest.mark.django_db
def test_the_recompute_ranks_every_unit_within_its_group_on_each_side_of_the_reorganisation():
    generate()
    index = Index.objects.get(code="syn-par")

    for year in (2024, 2025):
        results_recompute(index_id=index.pk, year=year)

    results = Result.objects.filter(index=index).select_related("unit", "unit__parent")
    by_year = {year: [r for r in results if r.year == year] for year in (2024, 2025)}
    assert len(by_year[2024]) == sum(assessed(2024).values())
    assert len(by_year[2025]) == sum(assessed(2025).values())
    for rows in by_year.values():
        groups = {}
        for r in rows:
            groups.setdefault((r.unit.kind, r.unit.parent_id), []).append(r)
        for members in groups.values():
            assert all(r.group_size == len(members) and 1 <= r.rank <= len(members) for r in members)
            assert all(0 < r.value <= 100 for r in members)
    # The new communes are ranked among the province's, the old ones among their district's.
    new_group = {r.group_size for r in by_year[2025] if r.unit.kind == UnitKind.COMMUNE}
    assert new_group == {len(admin_data.communes(PROVINCE))}
    assert all(r.unit.parent.kind == UnitKind.DISTRICT for r in by_year[2024] if r.unit.kind == UnitKind.COMMUNE)


@pytest.mark.django_db
def test_a_size_that_makes_no_sense_is_refused():
    with pytest.raises(CommandError, match="first-year"):
        call_command("generate_synthetic", "--first-year", "2025", "--last-year", "2020", stdout=StringIO())
    assert not Unit.objects.exists()
