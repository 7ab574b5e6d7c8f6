"""Small builders for indicator tests: a methodology tree and a unit's scores in one line each."""

from decimal import Decimal as D

from indicators.models import Aggregation, Assessment, Criterion, Methodology, Score
from units.models import UnitKind


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
