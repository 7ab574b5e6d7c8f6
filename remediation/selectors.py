"""Reads of the remediation plans: a plan with its items' verification, the criteria a unit may
plan for, and the province's coverage (chronic losses without a plan, actions overdue).

Verification is computed in SQL when read, not stored at recompute: an item's outcome is the
next year's appraised score of the same criterion code (a subquery per item, on the indexed
score), so a score entered, imported, corrected or reopened next year shows on the plan at once,
with nothing to keep in step and no recompute that could miss it. Plans are few (a few items per
unit and year), so the subquery costs nothing a page would notice.
"""

from collections import Counter

from django.db.models import Case, F, Max, OuterRef, Prefetch, Q, Subquery, Value, When
from django.utils import timezone

from indicators.ledger import lost_points
from indicators.models import Score
from indicators.selectors import chronic_losses_visible
from remediation.models import ActionStatus, Outcome, Plan, PlanAction, PlanItem
from units.access import units_visible_to
from units.models import UnitKind

# The kinds of unit the province scores and so asks plans of.
PLANNED_KINDS = (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE)


def _next_year_score(prefix=""):
    """Scores of the same unit, index and criterion code in the year after the plan's: appraised
    (a final score: entered by the council or imported), and applicable."""
    return Score.objects.filter(
        assessment__unit_id=OuterRef(f"{prefix}plan__unit_id"),
        assessment__methodology__index_id=OuterRef(f"{prefix}plan__index_id"),
        assessment__methodology__year=OuterRef(f"{prefix}plan__year") + 1,
        criterion__code=OuterRef(f"{prefix}criterion__code"),
        final_score__isnull=False,
        not_applicable=False,
    )


def with_outcome(items, prefix=""):
    """The PlanItem queryset (or, with prefix "item__", PlanAction) with `next_score`, `next_max`
    and `outcome` (Outcome): recovered when next year's appraised score is the criterion's
    maximum, still losing when below it, not yet known without one."""
    scores = _next_year_score(prefix)
    return items.annotate(
        next_score=Subquery(scores.values("final_score")[:1]),
        next_max=Subquery(scores.values("criterion__max_points")[:1]),
    ).annotate(
        outcome=Case(
            When(next_score__isnull=True, then=Value(Outcome.UNKNOWN)),
            When(next_score__gte=F("next_max"), then=Value(Outcome.RECOVERED)),
            default=Value(Outcome.STILL_LOSING),
        )
    )


def plan_for(*, unit, index, year):
    """The unit's plan for the index and year with its items (each with its outcome) and their
    actions, or None."""
    items = with_outcome(PlanItem.objects.select_related("criterion")).prefetch_related("actions")
    return (
        Plan.objects.filter(unit=unit, index=index, year=year)
        .select_related("unit", "index", "created_by", "reviewed_by")
        .prefetch_related(Prefetch("items", queryset=items))
        .first()
    )


def plannable_losses(*, unit, index, year):
    """The leaf criteria the unit lost points on in the year (indicators.ledger), chronic ones
    marked, biggest loss first: what a plan may name."""
    return [row for row in lost_points(unit=unit, index=index) if row["year"] == year and row["lost"] > 0]


def plan_marks(*, unit, index, year):
    """(plan or None, {criterion code: item}) of the unit's plan for the index and year, each item
    with its outcome: what the scorecard shows beside its losses. One query: a plan always has an
    item (plan_create refuses one without), so its items bring it; a plain one before it, whether
    there is a plan at all: most units have none, and putting the outcomes' subqueries into SQL
    took 10 ms of a scorecard's 70 ms of CPU (bench/README.md, issue 22)."""
    if not Plan.objects.filter(unit=unit, index=index, year=year).exists():
        return None, {}
    items = with_outcome(
        PlanItem.objects.filter(plan__unit=unit, plan__index=index, plan__year=year).select_related("plan", "criterion")
    )
    items = {item.criterion.code: item for item in items}
    plan = next(iter(items.values())).plan if items else None
    return plan, items


def chronic_marks(*, index, year, unit_codes):
    """{(unit code, criterion code): outcome} of the items of the plans of `unit_codes` for the
    index and year: which chronic losses of the chronic-losses page have a plan, and how it went."""
    items = with_outcome(
        PlanItem.objects.filter(plan__index=index, plan__year=year, plan__unit__code__in=unit_codes)
    ).values_list("plan__unit__code", "criterion__code", "outcome")
    return {(unit_code, code): outcome for unit_code, code, outcome in items}


def latest_plan_year(*, user, index):
    """The latest year of a plan on the index of a unit the user may see, or None."""
    plans = Plan.objects.filter(index=index, unit__in=units_visible_to(user=user))
    return plans.aggregate(latest=Max("year"))["latest"]


def overdue_q(prefix="", today=None):
    """Past its deadline and not done, as a filter on PlanAction (or, with a prefix, a row
    reaching one): PlanAction.overdue in SQL, for these pages and the alerts (notifications.alerts)."""
    today = today or timezone.localdate()  # Vietnam's day (TIME_ZONE), not the server's
    return Q(**{f"{prefix}deadline__lt": today}) & ~Q(**{f"{prefix}status": ActionStatus.DONE})


def overdue_actions(*, user, index, year, today=None):
    """The actions past their deadline and not done, of the plans for the index and year of the
    units the user may see, oldest deadline first, each with its item's outcome."""
    actions = PlanAction.objects.filter(
        overdue_q(today=today),
        item__plan__index=index,
        item__plan__year=year,
        item__plan__unit__in=units_visible_to(user=user),
    )
    return actions.select_related("item__plan__unit", "item__plan__index", "item__criterion").order_by(
        "deadline", "item__plan__unit__name"
    )


def coverage(*, user, index, year, today=None):
    """The province's view of its remediation for the index and year, cut to the units the user
    may see: every chronic loss (indicators' chronic-losses rule, each kind of unit) with whether
    its unit has a plan naming it and that item's outcome, and the counts by unit and by criterion
    (chronic losses, with a plan, without, recovered, actions overdue)."""
    losses = []
    for kind in PLANNED_KINDS:
        for entry in chronic_losses_visible(index=index, year=year, kind=kind, user=user):
            for unit in entry["units"]:
                losses.append(
                    {
                        "unit_code": unit["code"],
                        "unit_name": unit["name"],
                        "code": entry["code"],
                        "title": entry["title"],
                        "streak": unit["streak"],
                    }
                )
    marks = chronic_marks(index=index, year=year, unit_codes={loss["unit_code"] for loss in losses})
    for loss in losses:
        loss["outcome"] = marks.get((loss["unit_code"], loss["code"]))
        loss["planned"] = loss["outcome"] is not None
    overdue = overdue_actions(user=user, index=index, year=year, today=today)
    overdue_by_unit = Counter(overdue.values_list("item__plan__unit__code", "item__plan__unit__name"))
    overdue_by_code = Counter(overdue.values_list("item__criterion__code", "item__criterion__title"))
    return {
        "losses": losses,
        "by_unit": _counted(losses, key="unit_code", label="unit_name", overdue=overdue_by_unit),
        "by_criterion": _counted(losses, key="code", label="title", overdue=overdue_by_code),
        "overdue": overdue,
    }


def _counted(losses, *, key, label, overdue):
    rows = {}
    for loss in losses:
        row = rows.setdefault(
            loss[key],
            {"code": loss[key], "name": loss[label], "chronic": 0, "planned": 0, "unplanned": 0, "recovered": 0},
        )
        row["chronic"] += 1
        row["planned" if loss["planned"] else "unplanned"] += 1
        row["recovered"] += loss["outcome"] == Outcome.RECOVERED
    # A unit (or criterion) with actions overdue but no chronic loss is listed too.
    for (code, name), count in overdue.items():
        rows.setdefault(code, {"code": code, "name": name, "chronic": 0, "planned": 0, "unplanned": 0, "recovered": 0})[
            "overdue"
        ] = count
    for row in rows.values():
        row.setdefault("overdue", 0)
    # The most unplanned first: where the province must push.
    return sorted(rows.values(), key=lambda row: (-row["unplanned"], -row["chronic"], row["code"]))
