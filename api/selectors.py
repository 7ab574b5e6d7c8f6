"""Reads of the JSON API that the apps' own selectors do not already make; visibility always
through units.access.units_visible_to."""

from django.db.models import Q

from indicators.models import Index, Methodology, Result
from indicators.official import with_official_state
from indicators.scorecard import (
    lineage_history,
    lost_points_of_year,
    reorganised_on,
    result_revisions,
    unit_area_subtotals,
)
from indicators.targets import with_targets
from units.access import units_visible_to
from units.models import Unit
from units.selectors import units_valid_in


def indices_with_years(*, user):
    """Every index, each with `.years`: the years it has results of units the user may see,
    ascending. Two queries, however many results."""
    indices = list(Index.objects.order_by("code"))
    pairs = (
        Result.objects.filter(unit__in=units_visible_to(user=user))
        .values_list("index_id", "year")
        .distinct()
        .order_by("index_id", "year")
    )
    years = {}
    for index_id, year in pairs:
        years.setdefault(index_id, []).append(year)
    for index in indices:
        index.years = years.get(index.pk, [])
    return indices


def units_listed(*, user, year=None, kind=None, parent=None):
    """The units the user may see, with their parent loaded, in code order (stable for paging);
    narrowed to those that existed in `year`, of `kind`, directly under `parent`."""
    units = units_visible_to(user=user, queryset=Unit.objects.select_related("parent"))
    if year is not None:
        units = units_valid_in(year=year, queryset=units)
    if kind:
        units = units.filter(kind=kind)
    if parent is not None:
        units = units.filter(parent=parent)
    return units.order_by("code")


def group_parents_visible_to(*, user):
    """The units whose children a user may ask for: those he sees, and the parents of those (so
    that the head of a district can ask for the districts of his province and find his own)."""
    visible = units_visible_to(user=user)
    return Unit.objects.filter(Q(pk__in=visible) | Q(pk__in=visible.values("parent_id")))


def unit_scorecard(*, unit, index, year, user):
    """A unit's result on an index in a year (or None), its area sub-totals under that year's
    methodology for its kind, the leaf criteria on which it lost points that year, biggest loss
    first, each with its losing streak, and its history on the index with its predecessors' (as
    `user` may read it): the scorecard page's own reads (indicators.scorecard).
    The caller has checked that the user may see the unit."""
    result = with_targets(
        with_official_state(
            Result.objects.filter(unit=unit, index=index, year=year).select_related("band", "publication")
        ),
        direction=index.direction,
    ).first()
    methodology = Methodology.objects.filter(index=index, year=year, unit_kind=unit.kind).first()
    return {
        "result": result,
        "areas": unit_area_subtotals(unit=unit, methodology=methodology) if methodology else [],
        "lost_points": lost_points_of_year(unit=unit, index=index, year=year),
        "revisions": result_revisions(result=result) if result is not None else [],
        "history": lineage_history(unit=unit, index=index, user=user),
        "predecessors_until": reorganised_on(unit=unit),
    }
