"""Reads of indices, methodologies, criteria and results."""

from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce

from indicators.models import Criterion, Result
from indicators.recompute import T, area_totals_cte, area_totals_params
from reformdash.lib.fields import as_decimal
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


def area_subtotals(*, methodology, units=None):
    """Per unit and area (top-level criterion): points, applicable maximum and % — for the area
    charts and the scorecard. One GROUP BY in the database; `units` narrows it (a queryset)."""
    sql = area_totals_cte() + f"""
        SELECT t.unit_id, area.code, area.title, t.points, t.applicable_max,
               CASE WHEN t.applicable_max > 0 THEN ROUND(t.points * 100.0 / t.applicable_max, 6) END AS percent
        FROM area_totals t JOIN {T['criterion']} area ON area.id = t.area_id
    """
    params = area_totals_params(methodology)
    if units is not None:
        units_sql, units_params = units.values("id").query.sql_with_params()
        sql += f" WHERE t.unit_id IN ({units_sql})"
        params += list(units_params)
    sql += " ORDER BY t.unit_id, area.position, area.code"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            {
                "unit_id": unit_id,
                "code": code,
                "title": title,
                "points": as_decimal(points),
                "applicable_max": as_decimal(applicable_max),
                "percent": as_decimal(percent),
            }
            for unit_id, code, title, points, applicable_max, percent in cursor.fetchall()
        ]
