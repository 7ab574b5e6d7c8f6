"""Reads of the monthly dossier statistics: a period's counts and rates per unit, and rankings.

A period is a list of consecutive months (a month, a quarter, a year). Over it the flows
(received, completed, …) are summed, and the stock (pending on time / overdue) is the one at the
end of its last month: a dossier pending for three months is one pending dossier, not three.
The rates are the measures of the 766 index (dossiers.measures: MEASURES), the same SQL the
indices computed from dossiers use, rounded to six decimals in the database so that ties are
decided on the values shown and stored.
"""

import datetime

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from dossiers import measures
from dossiers.measures import COUNTS, MEASURES, completed_late_q, pending_overdue_q, pending_q
from dossiers.models import Dossier, DossierMonth, DossierStatus, Scope
from reformdash.lib.fields import as_decimal
from units.access import units_in_subtrees, units_visible_to
from units.models import LineageKind, Unit, UnitKind, UnitLineage
from units.selectors import period_cut, units_valid_in

_T_MONTH = DossierMonth._meta.db_table
_T_UNIT = Unit._meta.db_table


def months_of_quarter(year, quarter, *, now=None):
    """The months of a quarter (1–4), as yyyymm; in the current quarter, up to the current month."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"no quarter {quarter!r}")
    first = year * 100 + 3 * quarter - 2
    return measures.months_between(first, min(first + 2, measures.month_of(now or timezone.now())))


def months_of_year(year, *, now=None):
    """The months of a year, as yyyymm; in the current year, up to the current month."""
    return measures.months_between(year * 100 + 1, min(year * 100 + 12, measures.month_of(now or timezone.now())))


def _period(months):
    """(first, last) of a list of consecutive months; ValueError when they are not consecutive."""
    months = sorted(months)
    if not months:
        raise ValueError("a period needs at least one month")
    if months != measures.months_between(months[0], months[-1]):
        raise ValueError(f"the months of a period must be consecutive: {months}")
    return months[0], months[-1]


def _rates_sql():
    """One column per measure, in %, rounded to six decimals; NULL with nothing to divide by."""
    return ",\n               ".join(
        f"CASE WHEN {rated.denominator_sql} > 0 THEN {rated.rate_sql} END AS {measure}"
        for measure, rated in MEASURES.items()
    )


def _period_cte():
    """CTEs `period` (unit_id, counts…) and `rated` (… and one column per measure).
    Named parameters: scope, first, last."""
    rates = _rates_sql()
    return f"""
    WITH period AS (
        SELECT dm.unit_id,
               {measures.period_counts_sql(last="%(last)s")}
        FROM {_T_MONTH} dm
        WHERE dm.scope = %(scope)s AND dm.month BETWEEN %(first)s AND %(last)s
        GROUP BY dm.unit_id
    ),
    rated AS (
        SELECT period.*,
               {rates}
        FROM period
    )"""


def _row(columns, values):
    row = dict(zip(columns, values, strict=True))
    for name in COUNTS:
        if name in row:
            row[name] = row[name] or 0
    for measure in MEASURES:
        if measure in row:
            row[measure] = as_decimal(row[measure])
    if "completed_on_time" in row:
        for total, names in measures.TOTALS.items():
            row[total] = sum(row[name] for name in names)
    return row


def _fetch(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [_row(columns, values) for values in cursor.fetchall()]


def _unit_ids(units):
    """Ids of `units`: a queryset of units, or an iterable of units or ids."""
    if isinstance(units, QuerySet):
        return list(units.values_list("pk", flat=True))
    return [getattr(unit, "pk", unit) for unit in units]


def period_stats(*, months, scope=Scope.OWN, units=None):
    """Per unit id, a dict of the period's counts (flows summed over the months, stock of the last
    month; also `completed` and `pending`) and rates in % (Decimal, or None with nothing to divide
    by): overdue_rate, online_rate, fully_online_rate, online_payment_rate, results_entered_rate.

    `units` None: every unit with statistics in the period. Otherwise exactly those units (a
    queryset or a list of units or ids), with zeros and no rates for a unit without dossiers."""
    first, last = _period(months)
    params = {"first": first, "last": last, "scope": str(scope)}
    if units is None:
        sql = _period_cte() + " SELECT rated.* FROM rated ORDER BY rated.unit_id"
    else:
        ids = _unit_ids(units)
        if not ids:
            return {}
        names = [f"unit_{i}" for i in range(len(ids))]
        params.update(zip(names, ids, strict=True))
        sql = (
            _period_cte()
            + f"""
        SELECT u.id AS unit_id, {", ".join(f"rated.{name}" for name in COUNTS + tuple(MEASURES))}
        FROM {_T_UNIT} u LEFT JOIN rated ON rated.unit_id = u.id
        WHERE u.id IN ({", ".join(f"%({name})s" for name in names)})
        ORDER BY u.id"""
        )
    return {row.pop("unit_id"): row for row in _fetch(sql, params)}


def dossier_ranking(*, months, kind, parent=None, measure="overdue_rate", scope=Scope.OWN):
    """The units of a kind (under `parent`, when given) that exist at the period's end, ranked by
    the measure within each group of one kind and one parent: ascending for the overdue rate,
    descending for the others. Equal values share a rank and the next rank is skipped (1224).

    A list of dicts — unit_id, code, name, parent_id, rank, group_size (units ranked in the
    group), value, and the period's counts — in rank order, group by group. Units without
    dossiers have no value and no rank and come last in their group."""
    if measure not in MEASURES:
        raise ValueError(f"unknown dossier measure {measure!r}")
    first, last = _period(months)
    period_end = timezone.localtime(measures.month_bounds(last)[1]).date()  # the day after the period
    # Ranked: the units that exist at the period's end. One that ended inside it (a commune merged
    # on 1 July 2025, in a ranking of 2025) is in no group of it; its successor is.
    period_last_day = period_end - datetime.timedelta(days=1)
    order = "ASC" if MEASURES[measure].lower_is_better else "DESC"
    params = {
        "first": first,
        "last": last,
        "scope": str(scope),
        "kind": str(kind),
        "period_end": period_end,
        "period_last_day": period_last_day,
    }
    where = ""
    if parent is not None:
        where = " AND u.parent_id = %(parent)s"
        params["parent"] = getattr(parent, "pk", parent)
    counts = ", ".join(f"rated.{name}" for name in COUNTS)
    # Units without a value are partitioned apart, so they neither take a rank nor count in the
    # group's size; they are given no rank below.
    sql = (
        _period_cte()
        + f"""
    , ranked AS (
        SELECT u.id AS unit_id, u.code, u.name, u.parent_id, rated.{measure} AS value, {counts},
               RANK() OVER (PARTITION BY u.kind, u.parent_id, CASE WHEN rated.{measure} IS NULL THEN 1 ELSE 0 END
                            ORDER BY rated.{measure} {order}) AS rnk,
               COUNT(rated.{measure}) OVER (PARTITION BY u.kind, u.parent_id) AS group_size
        FROM {_T_UNIT} u
        LEFT JOIN rated ON rated.unit_id = u.id
        WHERE u.kind = %(kind)s
          AND (u.valid_from IS NULL OR u.valid_from < %(period_end)s)
          AND (u.valid_to IS NULL OR u.valid_to >= %(period_last_day)s){where}
    )
    SELECT unit_id, code, name, parent_id,
           CASE WHEN value IS NULL THEN NULL ELSE rnk END AS rank, group_size, value, {", ".join(COUNTS)}
    FROM ranked
    ORDER BY CASE WHEN parent_id IS NULL THEN 0 ELSE 1 END, parent_id, CASE WHEN value IS NULL THEN 1 ELSE 0 END, rnk, code
    """
    )
    rows = _fetch(sql, params)
    for row in rows:
        row["value"] = as_decimal(row["value"])
    return rows


def monthly_rates(*, unit, months, scope=Scope.TOTAL, now=None):
    """For each of `months` (consecutive yyyymm) up to the current one, in order, the unit's counts
    of that month and its rates as a one-month period: a dict {month, counts…, completed, pending,
    rates…} as in period_stats. A month without statistics has zero counts and no rates (None), so
    a chart shows a gap rather than a drop to zero. A month after the current one is left out,
    whatever rows exist for it: no chart plots a month to come. One query."""
    first, last = _period(months)
    last = min(last, measures.month_of(now or timezone.now()))
    if last < first:
        return []
    months = measures.months_between(first, last)
    params = {"unit": getattr(unit, "pk", unit), "scope": str(scope)}
    params.update({f"month_{i}": month for i, month in enumerate(months)})
    # The months are a derived table so that a month without a row still comes back; UNION ALL
    # of literals works alike on SQLite and PostgreSQL, where VALUES … AS m(month) does not.
    calendar = " UNION ALL ".join(f"SELECT %(month_{i})s AS month" for i in range(len(months)))
    counts = ", ".join(f"dm.{name}" for name in COUNTS)
    sql = f"""
    WITH calendar AS ({calendar}),
    period AS (
        SELECT calendar.month, {counts}
        FROM calendar
        LEFT JOIN {_T_MONTH} dm
               ON dm.month = calendar.month AND dm.unit_id = %(unit)s AND dm.scope = %(scope)s
    )
    SELECT period.*,
           {_rates_sql()}
    FROM period
    ORDER BY period.month"""
    return _fetch(sql, params)


_T_LINEAGE = UnitLineage._meta.db_table

# The predecessors whose dossiers are wholly the unit's past, walked back from %(unit)s: a link
# that is no split, from a predecessor with no other successor (merges and renames). A split's old
# unit went to several successors, and its dossiers cannot be shared out among them.
_ATTRIBUTABLE_CTE = f"""
    attributable(id) AS (
        SELECT link.predecessor_id FROM {_T_LINEAGE} link
        WHERE link.successor_id = %(unit)s AND link.kind <> 'split'
          AND NOT EXISTS (SELECT 1 FROM {_T_LINEAGE} other
                          WHERE other.predecessor_id = link.predecessor_id AND other.successor_id <> link.successor_id)
        UNION
        SELECT link.predecessor_id FROM {_T_LINEAGE} link JOIN attributable ON link.successor_id = attributable.id
        WHERE link.kind <> 'split'
          AND NOT EXISTS (SELECT 1 FROM {_T_LINEAGE} other
                          WHERE other.predecessor_id = link.predecessor_id AND other.successor_id <> link.successor_id)
    )"""


_UNKNOWN = object()  # lineage_monthly_rates: `start` not given


def lineage_start_month(*, unit):
    """The first month (yyyymm) of the unit as it is now — its valid_from, else the latest date a
    predecessor passed into it — or None when it has no predecessor: the months before it are
    its predecessors'."""
    links = UnitLineage.objects.filter(successor=unit).aggregate(latest=Max("date"), count=Count("pk"))
    if not links["count"]:
        return None
    start = unit.valid_from or links["latest"]
    return start.year * 100 + start.month


def split_predecessors(*, unit):
    """The unit's direct predecessors whose dossiers are not attributable to it (split, or passed to
    several successors): their series are shown as their own, not added to the unit's."""
    several = UnitLineage.objects.filter(predecessor=OuterRef("predecessor")).exclude(successor=OuterRef("successor"))
    links = UnitLineage.objects.filter(successor=unit).filter(Q(kind=LineageKind.SPLIT) | Exists(several))
    return Unit.objects.filter(pk__in=links.values("predecessor")).order_by("name", "code")


def lineage_monthly_rates(*, unit, months, scope=Scope.TOTAL, now=None, start=_UNKNOWN):
    """monthly_rates of the unit, continued back across a reorganisation: each month before the unit
    began (lineage_start_month) counts its own rows plus those of every predecessor it wholly
    succeeded (merge or rename, at any depth), numerators and denominators summed per month before
    the rate is taken (never a mean of rates). Each row also says `composed`: True for a month
    whose counts include a predecessor's. Without predecessors, monthly_rates. `start`, when the
    caller knows it, spares the query of lineage_start_month. One query more."""
    if start is _UNKNOWN:
        start = lineage_start_month(unit=unit)
    if start is None:
        return [{**row, "composed": False} for row in monthly_rates(unit=unit, months=months, scope=scope, now=now)]
    first, last = _period(months)
    last = min(last, measures.month_of(now or timezone.now()))
    if last < first:
        return []
    months = measures.months_between(first, last)
    params = {"unit": getattr(unit, "pk", unit), "scope": str(scope), "start": start}
    params.update({f"month_{i}": month for i, month in enumerate(months)})
    calendar = " UNION ALL ".join(f"SELECT %(month_{i})s AS month" for i in range(len(months)))
    sums = ", ".join(f"SUM(dm.{name}) AS {name}" for name in COUNTS)
    # The rows of the unit and of its predecessors are read first, a few units through the index
    # on (unit, month, scope): with "the unit's, or a predecessor's before the start" in the
    # join's condition, PostgreSQL scanned the whole table (103,000 rows at the national size,
    # 18 ms; now 0.3 ms).
    sql = f"""
    WITH RECURSIVE calendar AS ({calendar}),
    {_ATTRIBUTABLE_CTE},
    lineage_rows AS (
        SELECT dm.unit_id, dm.month, {", ".join(f"dm.{name}" for name in COUNTS)}
        FROM {_T_MONTH} dm
        WHERE dm.scope = %(scope)s AND dm.month BETWEEN %(month_0)s AND %(month_{len(months) - 1})s
          AND dm.unit_id IN (SELECT %(unit)s UNION ALL SELECT id FROM attributable)
    ),
    period AS (
        SELECT calendar.month, {sums},
               SUM(CASE WHEN dm.unit_id <> %(unit)s THEN 1 ELSE 0 END) AS predecessor_rows
        FROM calendar
        LEFT JOIN lineage_rows dm
               ON dm.month = calendar.month AND (dm.unit_id = %(unit)s OR calendar.month < %(start)s)
        GROUP BY calendar.month
    )
    SELECT period.*,
           {_rates_sql()}
    FROM period
    ORDER BY period.month"""
    rows = _fetch(sql, params)
    for row in rows:
        row["composed"] = bool(row.pop("predecessor_rows"))
    return rows


def dossier_ranking_cut(*, months, kind, parent=None):
    """units.selectors.PeriodCut of the units of `kind` (under `parent`, at any depth, when given)
    over the period: those that ended inside it are not ranked (dossier_ranking), those that began
    inside it are. For the ranking page's note; counts, no names."""
    first, last = _period(months)
    first_day = measures.month_bounds(first)[0].date()
    last_day = timezone.localtime(measures.month_bounds(last)[1]).date() - datetime.timedelta(days=1)
    units = Unit.objects.filter(kind=kind)
    if parent is not None:
        units = units_in_subtrees(roots=Unit.objects.filter(pk=getattr(parent, "pk", parent)), queryset=units)
    return period_cut(first=first_day, last=last_day, queryset=units)


def dossier_ranking_visible(*, user, months, kind, parent=None, measure="overdue_rate", scope=Scope.OWN):
    """dossier_ranking with only the rows of units the user may see. Ranks and group sizes stay
    those of the whole group: a rank is a fact of the group, but no other unit's row is shown."""
    rows = dossier_ranking(months=months, kind=kind, parent=parent, measure=measure, scope=scope)
    if not rows:
        return rows
    candidates = Unit.objects.filter(pk__in=[row["unit_id"] for row in rows])
    visible = set(units_visible_to(user=user, queryset=candidates).values_list("pk", flat=True))
    return [row for row in rows if row["unit_id"] in visible]


def dossier_map_points(*, rows):
    """The dots of a dossier ranking's map, from its rows (dossier_ranking_visible: only units the
    reader may see): (points, unplaced) as reformdash.lib.maps.unit_map_figure takes them less
    the link ("unit_code" instead), in rank order; unplaced, how many rows have no coordinates.
    One query for the units' places."""
    places = {
        unit["pk"]: unit
        for unit in Unit.objects.filter(pk__in=[row["unit_id"] for row in rows]).values(
            "pk", "latitude", "longitude", "population", "area_km2"
        )
    }
    points, unplaced = [], 0
    for row in rows:
        place = places.get(row["unit_id"])
        if place is None or place["latitude"] is None or place["longitude"] is None:
            unplaced += 1
            continue
        points.append(
            {
                "unit_code": row["code"],
                "name": row["name"],
                "latitude": place["latitude"],
                "longitude": place["longitude"],
                "population": place["population"],
                "area_km2": place["area_km2"],
                "value": row["value"],
                "rank": row["rank"],
                "group_size": row["group_size"],
                "band": None,
            }
        )
    return points, unplaced


def dossier_stats_as_of():
    """When the monthly statistics were last computed (the latest DossierMonth.computed_at), or None."""
    return DossierMonth.objects.aggregate(latest=Max("computed_at"))["latest"]


def latest_dossier_month(*, now=None):
    """The latest yyyymm month, up to the current one, in which dossiers were received, or None:
    what the pages show when asked nothing. Not merely the latest month with statistics: dossiers
    left pending are counted in every month up to now, long after the one-stop system stopped
    sending any; and never a month to come, whatever rows exist for it."""
    current = measures.month_of(now or timezone.now())
    months = DossierMonth.objects.filter(received__gt=0, month__lte=current)
    return months.aggregate(latest=Max("month"))["latest"]


# From the top of the tree down: a user's first unit in this order is the one his pages open on.
_KIND_DEPTH = [
    UnitKind.NATION,
    UnitKind.MINISTRY,
    UnitKind.PROVINCE,
    UnitKind.DEPARTMENT,
    UnitKind.DISTRICT,
    UnitKind.COMMUNE,
]
SCOPE_KINDS = (UnitKind.PROVINCE, UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE)


def scope_units_visible_to(*, user, year=None):
    """The units whose dossier statistics a user may choose to look at (a province, a department,
    a district, a commune, with the units under it), highest level first, then by name; with a
    year, only those that existed in it."""
    depth = Case(*(When(kind=kind, then=Value(i)) for i, kind in enumerate(_KIND_DEPTH)), default=Value(99))
    units = units_visible_to(user=user)
    if year is not None:
        units = units_valid_in(year=year, queryset=units)
    return units.filter(kind__in=SCOPE_KINDS).annotate(depth=depth).order_by("depth", "name", "code")


def default_scope_unit(*, user, months):
    """The unit a user's dossier chart shows when he chose none: his highest unit that existed
    then, preferring one with dossiers received in the months (a province merged away keeps its
    statistics; a province outside the data has none), or None when he sees no unit."""
    first, last = _period(months)
    received = DossierMonth.objects.filter(
        unit=OuterRef("pk"), month__gte=first, month__lte=last, scope=Scope.TOTAL, received__gt=0
    )
    units = scope_units_visible_to(user=user, year=first // 100)
    return units.annotate(has_dossiers=Exists(received)).order_by("-has_dossiers", "depth", "name", "code").first()


def _subtree_sql():
    # The unit and everything under it, in one recursive query alike on SQLite and PostgreSQL;
    # UNION stops at rows already seen, so even a cycle in bad data ends.
    return (
        f"WITH RECURSIVE subtree(id) AS ("
        f" SELECT id FROM {_T_UNIT} WHERE id = %s"
        f" UNION"
        f" SELECT child.id FROM {_T_UNIT} child JOIN subtree ON child.parent_id = subtree.id"
        f") SELECT id FROM subtree"
    )


def _dossiers_of(*, unit, user, scope):
    """The dossiers of the unit (scope own) or of it and the units under it (scope total) that the
    user may see. The units' ids are read first, a short list, so that the dossiers are read by
    index ranges (unit_id = ? AND …) on their (unit, …) indexes whatever the planner's statistics."""
    if scope == Scope.OWN:
        units = Unit.objects.filter(pk=unit.pk)
    else:
        units = Unit.objects.filter(pk__in=RawSQL(_subtree_sql(), [unit.pk]))
    ids = list(units_visible_to(user=user, queryset=units).values_list("pk", flat=True))
    return Dossier.objects.filter(unit_id__in=ids).select_related("unit")


def _overdue_by(since, due="due_at"):
    """How long after its due date a dossier was done (or is still not): a duration."""
    return ExpressionWrapper(since - F(due), output_field=DurationField())


def overdue_dossiers(*, unit, user, now=None, scope=Scope.TOTAL):
    """The unit's dossiers pending and overdue now (dossiers.measures: pending_overdue at `now`),
    annotated with `overdue_by` (now − due date moved by the citizen's time), most overdue first.
    A queryset: page it.

    The conditions are those of the monthly statistics' pending stock, on the index
    (unit, received_at, completed_at): received before now, not completed by now."""
    now = now or timezone.now()
    return (
        _dossiers_of(unit=unit, user=user, scope=scope)
        .filter(pending_q(now))
        .filter(pending_overdue_q(now))
        .annotate(overdue_by=_overdue_by(Value(now, output_field=DateTimeField()), due="effective_due_at"))
        .order_by("-overdue_by", "-id")
    )


def overdue_counts(*, units, user, now=None):
    """{unit id: how many dossiers overdue_dossiers lists for it now (scope total: the unit and
    those under it)} of a few units (the overview: the reader's own). One query, a COUNT per unit
    over the dossiers pending and overdue in any of their subtrees that the user may see."""
    now = now or timezone.now()
    ids = [unit.pk for unit in units]
    if not ids:
        return {}
    # The units' ids first, as _dossiers_of reads them: under a subquery PostgreSQL scanned every
    # dossier of the history (1.6 s at 11 million); with the list it reads the pending ones
    # through the index (unit, completed_at).
    seen = list(
        units_visible_to(user=user, queryset=units_in_subtrees(roots=Unit.objects.filter(pk__in=ids))).values_list(
            "pk", flat=True
        )
    )
    overdue = Dossier.objects.filter(unit_id__in=seen).filter(pending_q(now)).filter(pending_overdue_q(now))
    counts = overdue.aggregate(
        **{f"unit_{pk}": Count("pk", filter=Q(unit_id__in=RawSQL(_subtree_sql(), [pk]))) for pk in ids}
    )
    return {pk: counts[f"unit_{pk}"] for pk in ids}


def late_dossiers(*, unit, user, months, scope=Scope.TOTAL):
    """The unit's dossiers completed late during the months (dossiers.measures: completed_late),
    annotated with `overdue_by` (completion less the citizen's time − due date), latest first;
    read by the index (unit, completed_month)."""
    first, last = _period(months)
    return (
        _dossiers_of(unit=unit, user=user, scope=scope)
        .filter(status=DossierStatus.COMPLETED, completed_month__gte=first, completed_month__lte=last)
        .filter(completed_late_q())
        .annotate(overdue_by=_overdue_by(F("effective_completed_at")))
        .order_by("-overdue_by", "-id")
    )


def overdue_days(overdue_by):
    """Whole days overdue, a started day counting as one; None when not past the due date at all
    (a dossier overdue only for its supplement requests)."""
    if overdue_by is None or overdue_by <= datetime.timedelta(0):
        return None
    return overdue_by.days + (1 if overdue_by % datetime.timedelta(days=1) else 0)
