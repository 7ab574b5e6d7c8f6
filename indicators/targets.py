"""Targets read with the results they are about (indicators.models.Target).

Which target a result answers to is decided here and only here, in SQL so that a ranking of
3,321 communes reads its targets in the same query: the unit's own target for the index and year,
else its group's (its kind under its parent), else its kind's (every unit of the kind). The
chosen target is a whole row: a unit's own target of a value alone does not inherit its group's rank.
"""

import dataclasses
from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, When
from django.utils.translation import gettext

from indicators.models import Direction, Result, Target
from reformdash.lib.numbers import in_unit, number
from units.access import units_visible_to


def target_of(field, *, index=None, year=None):
    """The `field` of the target a row about a unit answers to, as a subquery on the row (its
    `unit_id`, and `unit`'s kind and parent): of the targets of the index and year that are its
    own, its group's or its kind's, the first in that order (own: unit set; group: parent set;
    kind: neither). `index` and `year`: the row's own (index_id, year: a result) unless given (an
    index id and a year: a month's dossier statistics, notifications.alerts)."""
    candidates = Target.objects.filter(
        Q(unit_id=OuterRef("unit_id"))
        | Q(unit__isnull=True, unit_kind=OuterRef("unit__kind"), parent_id=OuterRef("unit__parent_id"))
        | Q(unit__isnull=True, unit_kind=OuterRef("unit__kind"), parent__isnull=True),
        index_id=OuterRef("index_id") if index is None else index,
        year=OuterRef("year") if year is None else year,
    )
    ordered = candidates.order_by(F("unit_id").asc(nulls_last=True), F("parent_id").asc(nulls_last=True))
    return Subquery(ordered.values(field)[:1])


def with_targets(results, *, direction=None):
    """The Result queryset with target_id, target_value, target_rank and target_distance (how far
    the value is ahead of its target, in the index's direction: negative when short of it).
    `direction`: the index's, when every result is of one index (a ranking): the index is then not
    joined to every row to read it."""
    ahead, behind = F("value") - F("target_value"), F("target_value") - F("value")
    if direction is None:
        distance = Case(When(index__direction=Direction.LOWER, then=behind), default=ahead)
    else:
        distance = behind if direction == Direction.LOWER else ahead
    return results.annotate(
        target_id=target_of("pk"), target_value=target_of("value"), target_rank=target_of("rank")
    ).annotate(
        # NULL when either side is: SQL's arithmetic says so itself.
        target_distance=ExpressionWrapper(distance, output_field=DecimalField(max_digits=20, decimal_places=6))
    )


@dataclasses.dataclass(frozen=True)
class TargetState:
    """A result against its target: each part met or not (None: that part is not set, or the
    result has nothing to compare, such as no rank yet)."""

    value: Decimal | None
    rank: int | None
    distance: Decimal | None
    value_met: bool | None
    rank_met: bool | None

    @property
    def shortfall(self):
        """How much value is missing to the target value (positive), or None when not short."""
        return -self.distance if self.distance is not None and self.distance < 0 else None

    @property
    def met(self):
        """Met when every part set is met; None while a part cannot be judged."""
        parts = [part for part, set_ in ((self.value_met, self.value), (self.rank_met, self.rank)) if set_ is not None]
        if any(part is None for part in parts):
            return None
        return all(parts)


def target_state(result):
    """The TargetState of a result read through with_targets, or None when it has no target."""
    if getattr(result, "target_id", None) is None:
        return None
    distance = result.target_distance
    rank = result.shown_rank
    return TargetState(
        value=result.target_value,
        rank=result.target_rank,
        distance=distance,
        value_met=None if distance is None else distance >= 0,
        rank_met=None if result.target_rank is None or rank is None else rank <= result.target_rank,
    )


def target_values_by_year(*, unit, index):
    """{year: target value} of the unit on the index, for the years it has a result: the trend
    chart's target line."""
    rows = with_targets(Result.objects.filter(unit=unit, index=index)).values_list("year", "target_value")
    return {year: value for year, value in rows if value is not None}


# --- In words: the scorecard, the overview and the rankings table say a target the same way -------


def target_text(state, index):
    """ "≥ 90,00 % · hạng 20 trở lên": the target of `state` on `index`; "" without one."""
    if state is None:
        return ""
    parts = []
    if state.value is not None:
        parts.append(f"{'≤' if index.direction == Direction.LOWER else '≥'} {in_unit(state.value, index)}")
    if state.rank is not None:
        parts.append(gettext("rank %(rank)s or better") % {"rank": state.rank})
    return " · ".join(parts)


def verdict_text(state):
    """ "met", "not met (1,20 short)" or "not yet judged"; "" without a target."""
    if state is None:
        return ""
    if state.met:
        return gettext("met")
    if state.met is None:
        return gettext("not yet judged")
    if state.shortfall:
        return gettext("not met (%(gap)s short)") % {"gap": number(state.shortfall)}
    return gettext("not met")


def verdict_class(state):
    return "target-open" if state is None or state.met is None else ("target-met" if state.met else "target-missed")


def group_target(*, index, year, kind, parent=None):
    """The target set for a group as a whole (the kind under `parent`, else the kind): the line of
    the group's chart. None without one, or for the kind under every parent ("(all)"), whose
    groups may each have their own."""
    if parent is None:
        return Target.objects.filter(index=index, year=year, unit__isnull=True, unit_kind=kind, parent=None).first()
    candidates = Target.objects.filter(Q(parent=parent) | Q(parent__isnull=True), index=index, year=year)
    return candidates.filter(unit__isnull=True, unit_kind=kind).order_by(F("parent_id").asc(nulls_last=True)).first()


# --- Early warning -------------------------------------------------------------------------------


def early_warnings(*, user, year):
    """The results of `year` computed from dossiers (a year still running is computed on its months
    so far: indicators.recompute's dossier composite) that miss their target, of the units `user`
    may see, worst first within each index. During the year, the year to date is the projection:
    a unit whose rate so far is short of its target is heading below it unless it changes course."""
    results = with_targets(
        Result.objects.filter(
            year=year, index__dossier_measure__gt="", unit__in=units_visible_to(user=user)
        ).select_related("unit", "index")
    )
    missed = Q(target_distance__lt=0) | Q(target_rank__isnull=False, rank__gt=F("target_rank"))
    return results.filter(missed).order_by("index__code", "target_distance", "unit__name", "unit__code")
