"""Small builders for indicator tests: a methodology tree and a unit's scores in one line each,
and a PAR Index computed by the engine over several years."""

from decimal import Decimal as D

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
from indicators.recompute import results_recompute
from units.models import Unit, UnitKind


def methodology(index, year, aggregation=Aggregation.SUM, kind=UnitKind.DEPARTMENT, areas=None):
    """areas: {area_code: (max_points, weight, {leaf_code: max_points} or None)}."""
    m = Methodology.objects.create(index=index, year=year, unit_kind=kind, aggregation=aggregation)
    areas = areas or {"1": (D(60), None, {"1.1": D(40), "1.2": D(20)}), "2": (D(40), None, {"2.1": D(40)})}
    for position, (code, (max_points, weight, leaves)) in enumerate(areas.items()):
        area = Criterion.objects.create(
            methodology=m, code=code, title=f"Lĩnh vực {code}", max_points=max_points, weight=weight, position=position
        )
        for leaf_code, leaf_max in (leaves or {}).items():
            Criterion.objects.create(methodology=m, parent=area, code=leaf_code, title=leaf_code, max_points=leaf_max)
    return m


def score(m, unit, values):
    """values: {criterion_code: Decimal or 'NA'}."""
    assessment, _ = Assessment.objects.get_or_create(unit=unit, methodology=m)
    for code, value in values.items():
        criterion = Criterion.objects.get(methodology=m, code=code)
        if value == "NA":
            Score.objects.create(assessment=assessment, criterion=criterion, not_applicable=True)
        else:
            Score.objects.create(assessment=assessment, criterion=criterion, final_score=D(value))


def par_computed(tree, *, scores, extra_units=(), published_year):
    """A PAR Index computed by the real recompute from `scores` ({year: {unit code: (1.1, 1.2,
    2.1)}}, on methodology()'s criteria; "NA" for not applicable) for departments, districts and
    communes, with bands Tốt ≥ 80 > Khá per kind and year; `extra_units` [(code, name, kind,
    parent code)] are created under the tree first; and the province's published national rank,
    56 of 63 at 84,6, in `published_year`."""
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index", description="Bộ chỉ số")
    for code, name, kind, parent in extra_units:
        Unit.objects.create(code=code, name=name, kind=kind, parent=Unit.objects.get(code=parent))
    units = {unit.code: unit for unit in Unit.objects.all()}
    for year, by_unit in scores.items():
        for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE):
            m = methodology(par, year, kind=kind)
            Band.objects.create(index=par, year=year, unit_kind=kind, name="Tốt", min_value=80, position=0)
            Band.objects.create(index=par, year=year, unit_kind=kind, name="Khá", max_value=80, position=1)
            for code, values in by_unit.items():
                if units[code].kind == kind:
                    score(m, units[code], dict(zip(("1.1", "1.2", "2.1"), values, strict=False)))
        results_recompute(index_id=par.pk, year=year)
    Result.objects.create(
        unit=tree.province,
        index=par,
        year=published_year,
        value=D("84.6"),
        source=ResultSource.PUBLISHED,
        official_rank=56,
        official_group_size=63,
    )
    return par


def publish_by_decision(methodologies, *, reference="QĐ 100/QĐ-UBND", on=None):
    """Publish the assessments of `methodologies` by a decision, as an administrator does it
    (assessments.workflow.methodology_publish): their results become official by it."""
    import datetime

    from django.contrib.auth.models import User

    from assessments.workflow import methodology_publish
    from indicators.models import Assessment, AssessmentStatus

    admin = User.objects.filter(username="publisher").first() or User.objects.create_superuser(
        username="publisher", password="x"
    )
    for m in methodologies:
        Assessment.objects.filter(methodology=m).update(status=AssessmentStatus.APPRAISED)
        methodology_publish(
            methodology=m, user=admin, decision_reference=reference, published_on=on or datetime.date(m.year + 1, 3, 1)
        )


# Department A and D2..D4 scored in 2025 on methodology()'s criteria: 84,6, 98, 50 and 80.
FOUR_DEPARTMENTS = {
    "A": ("30", "20", "34.6"),
    "D2": ("40", "20", "38"),
    "D3": ("20", "10", "20"),
    "D4": ("35", "15", "30"),
}


def four_departments_2025(par, tree, aggregation=Aggregation.SUM, areas=None):
    """(methodology, {code: unit}): FOUR_DEPARTMENTS scored and computed, bands Tốt ≥ 90 > Khá ≥ 80 > TB."""
    m = methodology(par, 2025, aggregation, areas=areas)
    Band.objects.create(index=par, year=2025, unit_kind=UnitKind.DEPARTMENT, name="Tốt", min_value=90, position=0)
    Band.objects.create(
        index=par, year=2025, unit_kind=UnitKind.DEPARTMENT, name="Khá", min_value=80, max_value=90, position=1
    )
    Band.objects.create(index=par, year=2025, unit_kind=UnitKind.DEPARTMENT, name="TB", max_value=80, position=2)
    units = {"A": tree.dept_a}
    for code in ("D2", "D3", "D4"):
        units[code] = Unit.objects.create(code=code, name=f"Sở {code}", kind=UnitKind.DEPARTMENT, parent=tree.province)
    for code, (a, b, c) in FOUR_DEPARTMENTS.items():
        score(m, units[code], {"1.1": a, "1.2": b, "2.1": c})
    results_recompute(index_id=par.pk, year=2025)
    return m, units
