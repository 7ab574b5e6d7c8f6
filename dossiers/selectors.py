"""Reads of the monthly dossier statistics: a period's counts and rates per unit, and rankings.

A period is a list of consecutive months (a month, a quarter, a year). Over it the flows
(received, completed, …) are summed, and the stock (pending on time / overdue) is the one at the
end of its last month: a dossier pending for three months is one pending dossier, not three.
The rates are the measures of the 766 index (dossiers/rules.py), the same SQL the indices
computed from dossiers use (indicators.recompute.DOSSIER_MEASURES), rounded to six decimals in
the database so that ties are decided on the values shown and stored.
"""

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from dossiers import rules
from dossiers.models import DossierMonth, Scope
from dossiers.stats import COUNTS
from indicators.recompute import DOSSIER_MEASURES
from reformdash.lib.fields import as_decimal
from units.models import Unit

MEASURES = tuple(DOSSIER_MEASURES)
# Lower is better only for the overdue rate; every other measure is a share to raise.
LOWER_IS_BETTER = {"overdue_rate"}

_T_MONTH = DossierMonth._meta.db_table
_T_UNIT = Unit._meta.db_table


def months_of_quarter(year, quarter, *, now=None):
    """The months of a quarter (1–4), as yyyymm; in the current quarter, up to the current month."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"no quarter {quarter!r}")
    first = year * 100 + 3 * quarter - 2
    return rules.months_between(first, min(first + 2, rules.month_of(now or timezone.now())))


def months_of_year(year, *, now=None):
    """The months of a year, as yyyymm; in the current year, up to the current month."""
    return rules.months_between(year * 100 + 1, min(year * 100 + 12, rules.month_of(now or timezone.now())))


def _period(months):
    """(first, last) of a list of consecutive months; ValueError when they are not consecutive."""
    months = sorted(months)
    if not months:
        raise ValueError("a period needs at least one month")
    if months != rules.months_between(months[0], months[-1]):
        raise ValueError(f"the months of a period must be consecutive: {months}")
    return months[0], months[-1]


def _period_cte():
    """CTEs `period` (unit_id, counts…) and `rated` (… and one column per measure).
    Named parameters: scope, first, last."""
    flows = ",\n               ".join(
        f"SUM(dm.{name}) AS {name}" for name in COUNTS if not name.startswith("pending_")
    )
    stock = ",\n               ".join(
        f"SUM(CASE WHEN dm.month = %(last)s THEN dm.{name} ELSE 0 END) AS {name}"
        for name in COUNTS
        if name.startswith("pending_")
    )
    rates = ",\n               ".join(
        f"CASE WHEN {denominator} > 0 THEN ROUND({numerator} * 100.0 / {denominator}, 6) END AS {measure}"
        for measure, (numerator, denominator) in DOSSIER_MEASURES.items()
    )
    return f"""
    WITH period AS (
        SELECT dm.unit_id,
               {flows},
               {stock}
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
    row = dict(zip(columns, values))
    for name in COUNTS:
        if name in row:
            row[name] = row[name] or 0
    for measure in MEASURES:
        if measure in row:
            row[measure] = as_decimal(row[measure])
    if "completed_on_time" in row:
        row["completed"] = row["completed_on_time"] + row["completed_late"]
        row["pending"] = row["pending_on_time"] + row["pending_overdue"]
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
        params.update(zip(names, ids))
        sql = (
            _period_cte()
            + f"""
        SELECT u.id AS unit_id, {", ".join(f"rated.{name}" for name in COUNTS + MEASURES)}
        FROM {_T_UNIT} u LEFT JOIN rated ON rated.unit_id = u.id
        WHERE u.id IN ({", ".join(f"%({name})s" for name in names)})
        ORDER BY u.id"""
        )
    return {row.pop("unit_id"): row for row in _fetch(sql, params)}


def dossier_ranking(*, months, kind, parent=None, measure="overdue_rate", scope=Scope.OWN):
    """The units of a kind (under `parent`, when given) that existed during the period, ranked by
    the measure within each group of one kind and one parent: ascending for the overdue rate,
    descending for the others. Equal values share a rank and the next rank is skipped (1224).

    A list of dicts — unit_id, code, name, parent_id, rank, group_size (units ranked in the
    group), value, and the period's counts — in rank order, group by group. Units without
    dossiers have no value and no rank and come last in their group."""
    if measure not in DOSSIER_MEASURES:
        raise ValueError(f"unknown dossier measure {measure!r}")
    first, last = _period(months)
    period_start = rules.month_bounds(first)[0].date()
    period_end = timezone.localtime(rules.month_bounds(last)[1]).date()  # the day after the period
    order = "ASC" if measure in LOWER_IS_BETTER else "DESC"
    params = {
        "first": first,
        "last": last,
        "scope": str(scope),
        "kind": str(kind),
        "period_start": period_start,
        "period_end": period_end,
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
          AND (u.valid_to IS NULL OR u.valid_to >= %(period_start)s){where}
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
