"""The figures of bench/history.py at one size: the incremental statistics job and the queries of
the dossier pages, each next to bare SQL reading the same rows."""

from django.db import connection

from bench import baselines
from bench.figures import _add_months, _compared, _fetch, _first_working_day_end
from bench.load import _bench_user
from bench.measure import median_time
from demo.synthetic import KINDS, existing_at
from demo.synthetic_dossiers import dossiers_generate
from dossiers import measures, selectors
from dossiers.models import Dossier, DossierMonthDirty, Scope
from dossiers.stats import dossier_stats_incremental
from indicators.targets import _RATES, _dossier_rates
from notifications.digest import digest_figures
from units.models import Unit, UnitKind

SEED = 1
WORKING_DAYS_A_MONTH = 22
# Hồ Chí Minh City: 168 communes and 20 departments since 1/7/2025, the largest province.
PROVINCE = "79"
PAGE = 51  # a page of 50 and the one that tells there is a next (LazyPaginator)

_PENDING_OVERDUE = (
    "completed_at IS NULL AND received_at < %(now)s AND (supplement_requests > 1 OR effective_due_at < %(now)s)"
)
OVERDUE_PAGE = f"""
SELECT * FROM dossiers_dossier WHERE unit_id = ANY(%(units)s) AND {_PENDING_OVERDUE}
ORDER BY %(now)s - effective_due_at DESC, id DESC LIMIT {PAGE}"""
OVERDUE_COUNT = f"SELECT COUNT(*) FROM dossiers_dossier WHERE unit_id = ANY(%(units)s) AND {_PENDING_OVERDUE}"
OVERDUE_BY_UNIT = f"""
SELECT unit_id, COUNT(*) FROM dossiers_dossier WHERE unit_id = ANY(%(units)s) AND {_PENDING_OVERDUE}
GROUP BY unit_id"""
LATE_PAGE = f"""
SELECT * FROM dossiers_dossier
WHERE unit_id = ANY(%(units)s) AND status = 'completed' AND completed_month = %(month)s
  AND (supplement_requests > 1 OR effective_completed_at > due_at)
ORDER BY effective_completed_at - due_at DESC, id DESC LIMIT {PAGE}"""
MONTH_ROWS = """
SELECT unit_id, SUM(received), SUM(completed_late), SUM(pending_overdue) FROM dossiers_dossiermonth
WHERE scope = 'own' AND month BETWEEN %(first)s AND %(last)s AND unit_id = ANY(%(units)s) GROUP BY unit_id"""
AS_OF = "SELECT MAX(computed_at) FROM dossiers_dossiermonth"
LATEST_MONTH = "SELECT MAX(month) FROM dossiers_dossiermonth WHERE received > 0 AND month <= %(month)s"


def _readers(province):
    # The load test's users (one home for who a benchmark's reader is): staff reads every unit.
    return {"staff": _bench_user("history-staff", staff=True), "head": _bench_user("history-head", head_of=province)}


def _subtree(unit):
    ids, level = {unit.pk}, {unit.pk}
    while level:
        level = set(Unit.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        ids |= level
    return sorted(ids)


def _page(queryset):
    return lambda: list(queryset()[:PAGE])


def measure(*, runs, now):
    current = measures.month_of(now)
    previous = _add_months(current, -1)
    day = _first_working_day_end(current)
    start, _end = measures.month_bounds(current)
    units = list(Unit.objects.filter(existing_at(start.date()), kind__in=KINDS).order_by("code"))
    per_unit_day = max(
        1, round(Dossier.objects.filter(received_month=previous).count() / len(units) / WORKING_DAYS_A_MONTH)
    )
    results = []
    sources = []
    days = iter(range(1, 1000))

    def new_day(month):
        def generate():
            sources.append(f"hist-day-{next(days)}")
            dossiers_generate(
                units=units, months=[month], per_unit_month=per_unit_day, seed=SEED, source=sources[-1], now=day
            )

        return generate

    per_day = per_unit_day * len(units)
    ours = median_time(dossier_stats_incremental, runs=runs, before=new_day(current))
    bare = median_time(_fetch(baselines.DOSSIER_STATS_SOURCE, [sources[-1]]), runs=runs)
    results.append(_compared("incremental, one day", f"{per_day:,} new dossiers in {current}", ours, bare))
    in_previous = Dossier.objects.filter(received_month=previous).count()
    ours = median_time(dossier_stats_incremental, runs=runs, before=new_day(previous))
    bare = median_time(_fetch(baselines.DOSSIER_STATS_SOURCE, [sources[-1]]), runs=runs)
    results.append(
        _compared("incremental, a full month", f"{per_day:,} more in {previous} ({in_previous:,})", ours, bare)
    )
    # The days' dossiers are not part of the history: take them away and recount their months.
    Dossier.objects.filter(source__in=sources).delete()
    DossierMonthDirty.objects.bulk_create(
        [DossierMonthDirty(unit=unit, month=month) for unit in units for month in (previous, current)],
        ignore_conflicts=True,
    )
    dossier_stats_incremental(now=now)

    province = Unit.objects.get(code=PROVINCE, kind=UnitKind.PROVINCE)
    ids = _subtree(province)
    communes = Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE)
    readers = _readers(province)
    params = {"units": ids, "now": now, "month": previous, "first": current // 100 * 100 + 1, "last": current}
    for who, user in readers.items():
        pages = [
            (
                "overdue dossiers, first page",
                _page(lambda user=user: selectors.overdue_dossiers(unit=province, user=user, now=now)),
                OVERDUE_PAGE,
            ),
            (
                "late dossiers of last month, first page",
                _page(
                    lambda user=user: selectors.late_dossiers(
                        unit=province, user=user, months=[previous], scope=Scope.TOTAL
                    )
                ),
                LATE_PAGE,
            ),
            (
                "overdue count (overview)",
                lambda user=user: selectors.overdue_counts(units=[province], user=user, now=now),
                OVERDUE_COUNT,
            ),
        ]
        for name, ours_work, bare_sql in pages:
            ours = median_time(ours_work, runs=runs)
            bare = median_time(_fetch(bare_sql, params), runs=runs)
            results.append(_compared(f"{name} ({who})", f"{PROVINCE}, {len(ids)} units", ours, bare))
    shared = [
        (
            "digest: overdue per unit",
            lambda: digest_figures(root_ids=[province.pk], now=now),
            OVERDUE_BY_UNIT,
        ),
        (
            "early warning: rates so far",
            lambda: _dossier_rates(
                units=communes, year=current // 100, current=current, projection=None, names=set(_RATES)
            ),
            MONTH_ROWS,
        ),
        ("statistics as of (every dossier page)", selectors.dossier_stats_as_of, AS_OF),
        ("latest month (every dossier page)", lambda: selectors.latest_dossier_month(now=now), LATEST_MONTH),
    ]
    for name, ours_work, bare_sql in shared:
        ours = median_time(ours_work, runs=runs)
        bare = median_time(_fetch(bare_sql, params), runs=runs)
        results.append(_compared(name, f"{PROVINCE}", ours, bare))
    for result in results:
        print(
            f"  {result['figure']}: {result['ours_s']} s, bare {result['baseline_s']} s (×{result['ratio']})",
            flush=True,
        )
    return results


def explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
