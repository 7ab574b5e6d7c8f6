"""Targets read with the results they are about (indicators.models.Target).

Which target a result answers to is decided here and only here, in SQL so that a ranking of
3,321 communes reads its targets in the same query: the unit's own target for the index and year,
else its group's (its kind under its parent), else its kind's (every unit of the kind). The
chosen target is a whole row: a unit's own target of a value alone does not inherit its group's rank.
"""

import dataclasses
from decimal import Decimal

from django.db import connection
from django.db.models import Case, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, When
from django.utils import timezone
from django.utils.translation import gettext

from dossiers.measures import MEASURES, ON_TIME, DossierMeasure, Projection, month_of, period_counts_sql
from dossiers.models import DossierMonth
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

# The rates the early warning reads for every unit: each dossier measure, and the on-time rate
# that feeds the 766 index's processing-progress points.
ON_TIME_RATE = "on_time_rate"
_RATES = {**MEASURES, ON_TIME_RATE: ON_TIME}


@dataclasses.dataclass(frozen=True)
class EarlyWarning:
    """A result of a year still running, with its target, against the year-end projection of its
    rate: `projected` (None while no month of the year has ended, or with nothing to divide by),
    the on-time rates so far and projected where the index is the overdue rate, and whether the
    unit is heading below its target."""

    result: Result
    projected: Decimal | None
    projected_distance: Decimal | None
    on_time_so_far: Decimal | None
    on_time_projected: Decimal | None

    @property
    def state(self):
        return target_state(self.result)

    @property
    def distance(self):
        """How far the unit is heading ahead of its target value (negative: short): by the
        projection, else (January, or no projection) by the year so far."""
        return self.result.target_distance if self.projected_distance is None else self.projected_distance

    @property
    def heading_below(self):
        """Heading below the target: the value it is heading for misses the target value, or its
        rank so far misses the target rank (ranks are not projected: they depend on every unit's
        projection, the reader's or not)."""
        state = self.state
        return bool((self.distance is not None and self.distance < 0) or state.rank_met is False)

    @property
    def short_so_far(self):
        return self.state.value_met is False

    @property
    def shortfall(self):
        return -self.distance if self.distance is not None and self.distance < 0 else None


def _decimal(value):
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


def _dossier_rates(*, units, year, current, projection, names):
    """{(basis, unit_id): {rate name: Decimal or None}} of the `units` (a Unit queryset), basis
    "so_far" (January to `current`, the month in progress, as the recompute counts a running year)
    and "projected" (dossiers.measures.Projection; absent without one). One statement: a GROUP BY
    per basis over DossierMonth, the rates computed in SQL by each measure's own formula."""
    units_sql, units_params = units.values("pk").query.sql_with_params()
    last = min(current, year * 100 + 12)  # a past year ends in its December
    rates = ",\n           ".join(
        f"CASE WHEN {measure.denominator_sql} > 0 THEN {measure.rate_sql} END AS {name}"
        for name, measure in _RATES.items()
        if name in names
    )
    table = DossierMonth._meta.db_table
    where = f"dm.scope = 'own' AND dm.month BETWEEN %s AND %s AND dm.unit_id IN ({units_sql})"
    parts = [
        f"""SELECT 'so_far' AS basis, unit_id, {rates} FROM (
            SELECT dm.unit_id, {period_counts_sql(last=str(int(last)))}
            FROM {table} dm WHERE {where} GROUP BY dm.unit_id) so_far"""
    ]
    params = [year * 100 + 1, last, *units_params]
    if projection is not None:
        parts.append(
            f"""SELECT 'projected' AS basis, unit_id, {rates} FROM (
            SELECT dm.unit_id, {projection.counts_sql()}
            FROM {table} dm WHERE {where} GROUP BY dm.unit_id) projected"""
        )
        params += [projection.first, projection.last_ended, *units_params]
    with connection.cursor() as cursor:
        cursor.execute("\nUNION ALL\n".join(parts), params)
        names = [name for name in _RATES if name in names]
        return {
            (basis, unit_id): dict(zip(names, map(_decimal, values), strict=True))
            for basis, unit_id, *values in cursor.fetchall()
        }


def early_warnings(*, user, year, current=None):
    """The EarlyWarnings of `year` for the units `user` may see: every result computed from
    dossiers that has a target and is heading below it (by the year-end projection) or is short of
    it so far, worst first within each index. `current`: the month in progress (yyyymm), now's by
    default. The results are the recompute's (a running year on its months so far, the month in
    progress included); the projection is dossiers.measures.Projection, read in one statement for
    all the reader's units. Two queries whatever the number of units."""
    current = current or month_of(timezone.now())
    units = units_visible_to(user=user)
    results = list(
        with_targets(
            Result.objects.filter(year=year, index__dossier_measure__gt="", unit__in=units).select_related(
                "unit", "index"
            )
        ).filter(target_id__isnull=False)
    )
    if not results:
        return []
    # Only the rates the results are of (and the on-time rate beside an overdue rate): each is a
    # column of every unit's row, read and converted for thousands of units.
    names = {result.index.dossier_measure for result in results}
    if DossierMeasure.OVERDUE_RATE in names:
        names.add(ON_TIME_RATE)
    rates = _dossier_rates(
        units=units, year=year, current=current, projection=Projection.of(year=year, current=current), names=names
    )
    warnings = []
    for result in results:
        measure = result.index.dossier_measure
        projected = rates.get(("projected", result.unit_id), {}).get(measure)
        projected_distance = None
        if projected is not None and result.target_value is not None:
            projected_distance = (
                result.target_value - projected
                if result.index.direction == Direction.LOWER
                else projected - result.target_value
            )
        on_time = measure == DossierMeasure.OVERDUE_RATE
        warning = EarlyWarning(
            result=result,
            projected=projected,
            projected_distance=projected_distance,
            on_time_so_far=rates.get(("so_far", result.unit_id), {}).get(ON_TIME_RATE) if on_time else None,
            on_time_projected=rates.get(("projected", result.unit_id), {}).get(ON_TIME_RATE) if on_time else None,
        )
        if warning.heading_below or warning.short_so_far:
            warnings.append(warning)
    # Worst first: the furthest short of its target (by the projection); a rank missed with the
    # value met or unset after those, by name.
    warnings.sort(
        key=lambda w: (
            w.result.index.code,
            not w.heading_below,
            w.distance is None,
            w.distance or 0,
            w.result.unit.name,
            w.result.unit.code,
        )
    )
    return warnings


def heading_below_count(*, user, year):
    """How many of the reader's results are heading below their target: the overview's count."""
    return sum(warning.heading_below for warning in early_warnings(user=user, year=year))
