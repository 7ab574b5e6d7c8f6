"""What-if on a scorecard: the value, band and rank a unit would have this year with other scores
(or another dossier rate), and the fewest points it would need for the next band or a chosen rank.

The answer is the recompute's own (indicators.recompute): the scores are written, the index and
year recomputed and the unit's result read inside a transaction that is then rolled back, so the
value, band and rank are those a real recompute with these scores would give, by the same SQL, and
nothing is saved (no score, result, audit row or job survives: on_commit callbacks of a rolled-back
block never run). Where the points should go to gain the most is proposed here from each area's
weight and maximum (a fractional knapsack: the areas that give the most value per point first),
then checked the same way, by a recompute with the proposal rolled back: the page reports what
the recompute gave, not what the proposal expected.

A what-if recomputes a whole index and year, under its lock: on PostgreSQL readers are not held
up (they read the last committed results), a real recompute of the same year waits for it.
"""

import dataclasses
from decimal import ROUND_CEILING, Decimal

from django.db import transaction

from indicators.models import Aggregation, Band, Criterion, Direction, Result, Score
from indicators.recompute import results_recompute, results_rerank

CENT = Decimal("0.01")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A unit's result as a recompute gives it: value, band, rank among group_size."""

    value: Decimal | None
    band: str | None
    rank: int | None
    group_size: int | None


@dataclasses.dataclass(frozen=True)
class Need:
    """What reaching a target takes: the value to reach, the fewest points to add (None for a
    dossier rate, whose target is the rate itself), whether the year's maximum allows it, and the
    outcome of a recompute with those points added where they weigh most."""

    target_value: Decimal
    points: Decimal | None
    reachable: bool
    checked: Outcome | None = None
    # How the target is read: "at_least" (higher is better), "at_most" (a rank where lower is
    # better: equal values share it) or "below" (a band where lower is better: its upper bound is
    # not in it).
    relation: str = "at_least"


@dataclasses.dataclass(frozen=True)
class Answer:
    outcome: Outcome
    next_band: str | None = None
    to_next_band: Need | None = None
    to_rank: Need | None = None


class _RolledBack(Exception):
    """Raised to leave the transaction by its rollback, carrying what was read inside it."""

    def __init__(self, value):
        super().__init__()
        self.value = value


def _in_rollback(work):
    """work()'s return value, computed in a transaction that is rolled back whatever it wrote."""
    try:
        with transaction.atomic():
            raise _RolledBack(work())
    except _RolledBack as done:
        return done.value


def leaf_criteria(methodology):
    """The methodology's scored criteria (those without sub-criteria), in the sheet's order."""
    return list(Criterion.objects.filter(methodology=methodology, children__isnull=True).order_by("position", "code"))


def current_scores(*, assessment):
    """{criterion id: (score, not applicable)}: the appraised score where there is one, else the
    self-assessed one (what the council would grant if it agreed), the starting point of a what-if."""
    return {
        score.criterion_id: (
            score.final_score if score.final_score is not None else score.self_score,
            score.not_applicable,
        )
        for score in Score.objects.filter(assessment=assessment)
    }


def _write_scores(assessment, scores):
    """The assessment's final scores replaced by `scores` ({criterion id: (score, not applicable)}):
    one UPDATE batch and one INSERT batch, not a query per criterion."""
    existing = {score.criterion_id: score for score in Score.objects.filter(assessment=assessment)}
    changed, new = [], []
    for criterion_id, (value, not_applicable) in scores.items():
        score = existing.get(criterion_id)
        if score is None:
            new.append(
                Score(
                    assessment=assessment, criterion_id=criterion_id, final_score=value, not_applicable=not_applicable
                )
            )
        else:
            score.final_score, score.not_applicable = value, not_applicable
            changed.append(score)
    Score.objects.bulk_update(changed, ["final_score", "not_applicable"])
    Score.objects.bulk_create(new)


def _outcome(unit, methodology):
    result = (
        Result.objects.filter(unit=unit, index_id=methodology.index_id, year=methodology.year)
        .select_related("band")
        .first()
    )
    if result is None:
        return Outcome(None, None, None, None)
    return Outcome(result.value, result.band.name if result.band else None, result.rank, result.group_size)


def _others_best_first(unit, methodology, direction):
    """The ranked values of the unit's group but its own, best first."""
    result = Result.objects.filter(unit=unit, index_id=methodology.index_id, year=methodology.year).first()
    if result is None or result.rank is None:
        return []
    order = "-value" if direction == Direction.HIGHER else "value"
    return list(
        Result.objects.filter(
            index_id=methodology.index_id,
            year=methodology.year,
            rank__isnull=False,
            group_parent_id=result.group_parent_id,
            unit__kind=unit.kind,
        )
        .exclude(unit=unit)
        .order_by(order)
        .values_list("value", flat=True)
    )


def _next_band(methodology, value, direction):
    """(name, value to reach) of the nearest better band than the one `value` is in, or None."""
    bands = Band.objects.filter(index_id=methodology.index_id, year=methodology.year, unit_kind=methodology.unit_kind)
    if direction == Direction.HIGHER:
        above = [band for band in bands if band.min_value is not None and band.min_value > value]
        best = min(above, key=lambda band: band.min_value, default=None)
        return (best.name, best.min_value) if best else None
    # Lower is better: a band's range is [min, max); to enter it the value must fall below its max.
    below = [band for band in bands if band.max_value is not None and band.max_value <= value]
    best = max(below, key=lambda band: band.max_value, default=None)
    return (best.name, best.max_value) if best else None


def _rank_target(others, rank, direction):
    """The value that gives rank `rank` or better: that of the rank-th best other unit (equal
    values share a rank). None when the group is too small for the rank to be in question."""
    if rank < 1 or rank > len(others):
        return None
    return others[rank - 1]


# --- The fewest points ---------------------------------------------------------------------------


@dataclasses.dataclass
class _Area:
    id: int
    weight: Decimal
    is_leaf: bool
    applicable_max: Decimal
    leaves: list  # [(criterion id, headroom)] of its applicable leaves with room left


def _areas(methodology, scores):
    """The methodology's areas with what each leaf could still gain under `scores`."""
    criteria = list(Criterion.objects.filter(methodology=methodology))
    parent = {c.pk: c.parent_id for c in criteria}
    has_children = {c.parent_id for c in criteria if c.parent_id}
    areas = {
        c.pk: _Area(c.pk, c.weight or Decimal(0), c.pk not in has_children, Decimal(0), [])
        for c in criteria
        if c.parent_id is None
    }

    def area_of(criterion_id):
        while parent[criterion_id] is not None:
            criterion_id = parent[criterion_id]
        return criterion_id

    for c in criteria:
        if c.pk in has_children:
            continue
        value, not_applicable = scores.get(c.pk, (None, False))
        if not_applicable:
            continue
        area = areas[area_of(c.pk)]
        area.applicable_max += c.max_points
        room = c.max_points - (value or 0)
        if room > 0:
            area.leaves.append((c.pk, room))
    return list(areas.values())


def _value_per_point(methodology, areas):
    """{area id: how much one more point in the area raises the value}, by the composite rules of
    indicators.recompute: sum, points over the applicable maximum; weighted, the area's weight
    share of its value; mean, its share of the mean. An area that is itself a leaf holds a value
    as entered, so a point is a point of its value."""
    applicable = [area for area in areas if area.applicable_max > 0]
    if methodology.aggregation == Aggregation.SUM:
        total = sum(area.applicable_max for area in applicable)
        return {area.id: Decimal(100) / total for area in applicable}

    def per_point(area):
        return Decimal(1) if area.is_leaf else Decimal(100) / area.applicable_max

    if methodology.aggregation == Aggregation.MEAN:
        return {area.id: per_point(area) / len(applicable) for area in applicable}
    all_weights = sum(area.weight for area in areas)
    applicable_weights = sum(area.weight for area in applicable)
    if not applicable_weights:
        return {}
    return {area.id: area.weight * all_weights / applicable_weights * per_point(area) for area in applicable}


def _proposal(methodology, scores, gap):
    """(points, new scores) adding the fewest points that raise the value by `gap`, taken first
    where a point weighs most; points None when the year's maximum is not enough."""
    areas = _areas(methodology, scores)
    gains = _value_per_point(methodology, areas)
    new = dict(scores)
    added = Decimal(0)
    for area in sorted(areas, key=lambda area: gains.get(area.id, 0), reverse=True):
        gain = gains.get(area.id)
        if not gain or gap <= 0:
            continue
        for criterion_id, room in area.leaves:
            if gap <= 0:
                break
            take = min(room, (gap / gain).quantize(CENT, rounding=ROUND_CEILING))
            value, not_applicable = new.get(criterion_id, (None, False))
            new[criterion_id] = ((value or 0) + take, not_applicable)
            added += take
            gap -= take * gain
    return (added if gap <= 0 else None), new


# --- The what-if ---------------------------------------------------------------------------------


def what_if_scores(*, assessment, scores, rank=None):
    """The Answer for the assessment's unit with `scores` ({criterion id: (score or None, not
    applicable)}, every leaf of the methodology) as its final scores; with `rank`, also what rank
    `rank` would take. Nothing is saved."""
    unit, methodology = assessment.unit, assessment.methodology
    direction = methodology.index.direction

    def compute(with_scores):
        _write_scores(assessment, with_scores)
        results_recompute(index_id=methodology.index_id, year=methodology.year)
        return _outcome(unit, methodology), _others_best_first(unit, methodology, direction)

    outcome, others = _in_rollback(lambda: compute(scores))

    def need(target):
        # Points raise a value: a score-computed index is higher-is-better (a lower-is-better one is
        # a dossier rate, what_if_rate).
        if outcome.value is None or target is None or direction != Direction.HIGHER:
            return None
        if outcome.value >= target:
            return Need(target, Decimal(0), True, outcome)
        points, proposed = _proposal(methodology, scores, target - outcome.value)
        if points is None:
            return Need(target, None, False)
        return Need(target, points, True, _in_rollback(lambda: compute(proposed))[0])

    band = _next_band(methodology, outcome.value, direction) if outcome.value is not None else None
    return Answer(
        outcome=outcome,
        next_band=band[0] if band else None,
        to_next_band=need(band[1]) if band else None,
        to_rank=need(_rank_target(others, rank, direction)) if rank else None,
    )


def what_if_rate(*, unit, methodology, rate, rank=None):
    """The Answer for a unit of a dossier-computed index had its year's rate been `rate`: its
    result set to it and the year re-ranked by the recompute's ranking (the other units' rates
    are the stored ones), rolled back. Targets are rates, not points."""
    direction = methodology.index.direction

    def compute():
        Result.objects.update_or_create(
            unit=unit, index_id=methodology.index_id, year=methodology.year, defaults={"value": rate}
        )
        results_rerank(index_id=methodology.index_id, year=methodology.year)
        return _outcome(unit, methodology), _others_best_first(unit, methodology, direction)

    outcome, others = _in_rollback(compute)
    band = _next_band(methodology, rate, direction)

    def need(target, relation):
        if target is None:
            return None
        return Need(target, None, True, relation=relation)

    lower = direction == Direction.LOWER
    return Answer(
        outcome=outcome,
        next_band=band[0] if band else None,
        to_next_band=need(band[1], "below" if lower else "at_least") if band else None,
        to_rank=need(_rank_target(others, rank, direction), "at_most" if lower else "at_least") if rank else None,
    )


def supports_what_if(methodology):
    """Published indices are taken from a decision, not computed: nothing to recompute."""
    return methodology is not None and methodology.aggregation != Aggregation.PUBLISHED
