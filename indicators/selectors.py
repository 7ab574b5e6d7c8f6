"""Reads of indices, methodologies, criteria and results."""

from django.db.models import F
from django.db.models.functions import Coalesce

from indicators.models import Criterion, Result
from units.models import UnitKind
from units.selectors import units_visible_to


def criteria_in_tree_order(*, methodology):
    """The methodology's criteria depth-first (area, its criteria, their sub-criteria, next area),
    each with `.depth` set (0 for an area). One query: the tree is tens of rows."""
    criteria = list(Criterion.objects.filter(methodology=methodology).order_by("position", "code"))
    children = {}
    for criterion in criteria:
        children.setdefault(criterion.parent_id, []).append(criterion)

    ordered = []

    def walk(parent_id, depth):
        for criterion in children.get(parent_id, ()):
            criterion.depth = depth
            ordered.append(criterion)
            walk(criterion.pk, depth + 1)

    walk(None, 0)
    return ordered


def national_standing(*, user):
    """Published and computed results of the province-level units the user may see, newest first:
    the province's own place among all provinces (PAR 56/63)."""
    return (
        Result.objects.filter(unit__in=units_visible_to(user=user), unit__kind=UnitKind.PROVINCE)
        .select_related("unit", "index", "band")
        .order_by("unit__name", "index__code", "-year")
    )


def ranking(*, index, year, kind=None, parent=None, user=None):
    """Results of an index and year in rank order (official rank first where published), with unit,
    band and parent loaded; narrowed to a group (kind, parent) and to what `user` may see."""
    results = Result.objects.filter(index=index, year=year).select_related("unit__parent", "band", "index")
    if kind:
        results = results.filter(unit__kind=kind)
    if parent is not None:
        results = results.filter(unit__parent=parent)
    if user is not None:
        results = results.filter(unit__in=units_visible_to(user=user))
    shown_rank = Coalesce("official_rank", "rank")
    return results.annotate(shown_rank_value=shown_rank).order_by(
        F("shown_rank_value").asc(nulls_last=True), "unit__name", "unit__code"
    )
