"""The benchmark's data and figures. Each figure returns a dict: name, what it measured, our
median, the baseline's median and the ratio (ours ÷ baseline), or time and peak memory for imports.
"""

import datetime
import math
import os
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from bench import baselines
from bench.freshness import freshness
from bench.load import pages
from bench.measure import child_time_and_peak, median_time, paired_median_times
from demo.synthetic import (
    KINDS,
    NATIONAL,
    PAR_CODE,
    SMALL,
    existing_at,
    synthetic_generate,
    table_statistics_refresh,
)
from demo.synthetic_dossiers import dossiers_generate, unit_month_dossiers, unit_rates
from dossiers import measures
from dossiers.importers.dossiers import COLUMNS as DOSSIER_COLUMNS
from dossiers.models import Dossier, DossierAdded
from dossiers.stats import dossier_stats_full, dossier_stats_incremental
from indicators.models import Criterion, Index, Result, Score
from indicators.recompute import results_recompute
from units.importers.admin_units import REORGANISATION_DATE
from units.models import Unit

SEED = 1
WORK = Path(settings.BASE_DIR) / "var" / "bench"
# One day of a year's dossiers: about 22 working days a month.
WORKING_DAYS_A_YEAR = 12 * 22
SCORE_IMPORT_ROWS = 100_000
IMPORT_MEMORY_TARGET_MB = 300


@dataclass
class Data:
    size: object
    units: list  # the units with dossiers in the current month (those of data.day)
    unit_months: list  # [(units, months)]: the months' dossier units, months grouped by the units valid in them
    months: list
    day: datetime.datetime  # the first working day of the current month, at its end
    per_unit_day: int
    summary: dict


def database_version():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        return cursor.fetchone()[0]


def build(*, national, dossiers):
    size = NATIONAL if national else SMALL
    started = timezone.now()
    counts = synthetic_generate(size=size, seed=SEED)
    months, unit_months = _months()
    unit_month_count = sum(len(units) * len(group) for units, group in unit_months)
    per_unit_month = math.ceil(dossiers / unit_month_count) if dossiers and unit_month_count else 0
    counts["dossiers"] = sum(
        dossiers_generate(units=units, months=group, per_unit_month=per_unit_month, seed=SEED, source="bench")
        for units, group in unit_months
    )
    dossier_stats_full()
    table_statistics_refresh()
    counts["built in s"] = round((timezone.now() - started).total_seconds(), 1)
    print("data: " + ", ".join(f"{key} {value:,}" for key, value in counts.items()), flush=True)
    return _data(size, months, unit_months, counts)


def reused(*, national, summary):
    """The Data of a database an earlier run built (`bench/run.py --reuse`), as build() returned it.
    The figures that write (recompute, dossier statistics, imports) left it consistent, not as built:
    the imports added dossiers, so the counts in `summary` are the build's."""
    months, unit_months = _months()
    return _data(NATIONAL if national else SMALL, months, unit_months, {**summary, "reused": True})


def _months():
    """The twelve months before the current one and [(units, months)] of the units with dossiers in them."""
    current = measures.month_of(timezone.localtime())
    months = measures.months_between(_add_months(current, -12), _add_months(current, -1))
    return months, _units_by_month(months)


def _data(size, months, unit_months, counts):
    current = measures.month_of(timezone.localtime())
    units = _dossier_units(current)
    per_unit_day = max(1, round(counts["dossiers"] / WORKING_DAYS_A_YEAR / len(units)))
    return Data(
        size=size,
        units=units,
        unit_months=unit_months,
        months=months,
        day=_first_working_day_end(current),
        per_unit_day=per_unit_day,
        summary=counts,
    )


def _dossier_units(month):
    """The units that receive dossiers (departments, districts, communes) existing on the month's
    first day: the old ones until 6/2025, the new ones from 7/2025."""
    start, _end = measures.month_bounds(month)
    return list(Unit.objects.filter(existing_at(start.date()), kind__in=KINDS).order_by("code"))


def _units_by_month(months):
    """[(units, months)]: the months in order, grouped where the same units exist."""
    groups = []
    for month in months:
        units = _dossier_units(month)
        if groups and [u.pk for u in groups[-1][0]] == [u.pk for u in units]:
            groups[-1][1].append(month)
        else:
            groups.append((units, [month]))
    return groups


def _add_months(month, delta):
    index = month // 100 * 12 + month % 100 - 1 + delta
    return index // 12 * 100 + index % 12 + 1


def _first_working_day_end(month):
    start, _end = measures.month_bounds(month)
    day = start
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day.replace(hour=17, minute=30)


def _compared(name, what, ours, baseline, **extra):
    return {
        "figure": name,
        "what": what,
        "ours_s": round(ours, 4),
        "baseline_s": round(baseline, 4),
        "ratio": round(ours / baseline, 2) if baseline else None,
        **extra,
    }


def _fetch(sql, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


# --- figures ---------------------------------------------------------------------------------


def recompute(data, *, runs):
    """A year of PAR results and ranks for every unit, from nothing, against one INSERT … SELECT
    computing and writing the same values and ranks (and against the SELECT alone, in the JSON);
    the results are checked equal to the SELECT's. The last year, on the units of 1/7/2025, then
    again with nothing changed (against the SELECT: nothing to write), and the year before the
    reorganisation on the old units (their districts too), when the size has it."""
    index = Index.objects.get(code=PAR_CODE)
    last = data.size.last_year
    before = REORGANISATION_DATE.year - 1
    years = [last] + ([before] if before in data.size.years and before != last else [])
    # Each year's results once, with the planner's statistics of the results table after each, as
    # autovacuum gives any database in use. Analysed only while it was empty (after the build),
    # the table is planned as one row: the old year's ranks and the next year's previous ranks
    # then read every result of the index for each of the year's (12,000 × 16,000 rows at the
    # national size): its rank update had run for more than four minutes when it was stopped.
    for year in years:
        results_recompute(index_id=index.pk, year=year)
        table_statistics_refresh(Result)
    results = _recompute_year(index, last, runs=runs, name="recompute", unchanged=True)
    if len(years) > 1:
        results += _recompute_year(index, before, runs=runs, name="recompute, old units")
    return results


def _recompute_year(index, year, *, runs, name, unchanged=False):
    params = [index.pk, year, index.pk, year]
    read = median_time(_fetch(baselines.RECOMPUTE, params), runs=runs)

    def clear():
        Result.objects.filter(index=index, year=year).delete()

    def write():
        with connection.cursor() as cursor:
            cursor.execute(baselines.RECOMPUTE_WRITTEN, [*params, index.pk, year])

    # From nothing, ours writes and commits every result: so does the baseline (RECOMPUTE_WRITTEN).
    written = median_time(write, runs=runs, before=clear)
    ours = median_time(lambda: results_recompute(index_id=index.pk, year=year), runs=runs, before=clear)
    expected = {
        unit_id: (round(Decimal(value), 6), rank) for unit_id, value, rank in _fetch(baselines.RECOMPUTE, params)()
    }
    stored = Result.objects.filter(index=index, year=year)
    kinds = ", ".join(
        f"{row['n']:,} {row['unit__kind']}s" for row in stored.values("unit__kind").annotate(n=Count("id")).order_by()
    )
    results = [
        _compared(
            name,
            f"{PAR_CODE} {year}: {kinds}, values and ranks, from nothing, written (× the SELECT alone:"
            f" {ours / read:.2f})",
            ours,
            written,
            agrees_with_baseline={r.unit_id: (round(r.value, 6), r.rank) for r in stored} == expected,
            read_baseline_s=round(read, 4),
            read_ratio=round(ours / read, 2),
        )
    ]
    if unchanged:
        again = median_time(lambda: results_recompute(index_id=index.pk, year=year), runs=runs)
        results.append(_compared(f"{name}, nothing changed", f"{PAR_CODE} {year}, run again", again, read))
    return results


def dossier_stats(data, *, runs):
    """Every unit-month of statistics, full, against one GROUP BY over every dossier; then the
    incremental job after one day of new dossiers, against the GROUP BY over that day, and after
    ten days' worth (ten times the dossiers, in the same unit-months), against the GROUP BY over
    those: how the incremental job grows with the new dossiers; and after one day's worth
    received in the last month, which holds a month of dossiers already: the incremental job
    recounts the unit-months it touches, so it grows with what counts in them too."""
    # The days an earlier run added (--reuse): gone, so that the same days can be added again.
    if Dossier.objects.filter(source__startswith="bench-day-").delete()[0]:
        dossier_stats_full()
    total = Dossier.objects.count()
    full, full_baseline = paired_median_times(dossier_stats_full, _fetch(baselines.DOSSIER_STATS_FULL), runs=runs)
    days = iter(range(1, 3 * (runs + 1) + 1))
    sources = []

    current = measures.month_of(data.day)

    def new_days(count, month=current):
        def generate():
            sources.append(f"bench-day-{next(days)}")
            dossiers_generate(
                units=data.units,
                months=[month],
                per_unit_month=data.per_unit_day * count,
                seed=SEED,
                source=sources[-1],
                now=data.day,
            )

        return generate

    incremental = median_time(dossier_stats_incremental, runs=runs, before=new_days(1))
    day_start = data.day.replace(hour=0, minute=0)
    day_baseline = median_time(_fetch(baselines.DOSSIER_STATS_DAY, [day_start]), runs=runs)
    ten_days = median_time(dossier_stats_incremental, runs=runs, before=new_days(10))
    ten_days_baseline = median_time(_fetch(baselines.DOSSIER_STATS_SOURCE, [sources[-1]]), runs=runs)
    previous = data.months[-1]
    in_previous = Dossier.objects.filter(received_month=previous).count()
    late_day = median_time(dossier_stats_incremental, runs=runs, before=new_days(1, previous))
    late_day_baseline = median_time(_fetch(baselines.DOSSIER_STATS_SOURCE, [sources[-1]]), runs=runs)
    per_day = data.per_unit_day * len(data.units)
    return [
        _compared("dossier statistics, full", f"{total:,} dossiers", full, full_baseline),
        _compared(
            "dossier statistics, incremental",
            f"one day: {per_day:,} new dossiers on {total:,}",
            incremental,
            day_baseline,
            target_s=1.0,
        ),
        _compared(
            "dossier statistics, incremental, 10 days",
            f"ten days' worth: {10 * per_day:,} new dossiers, the same unit-months",
            ten_days,
            ten_days_baseline,
        ),
        _compared(
            "dossier statistics, incremental, a full month",
            f"one day's worth ({per_day:,}) more in the last month ({in_previous:,})",
            late_day,
            late_day_baseline,
        ),
    ]


def imports(data, *, runs):
    """Imports run as the command line runs them, in a process of their own: time and peak memory."""
    WORK.mkdir(parents=True, exist_ok=True)
    results = []
    year = data.size.last_year
    scores_file, rows = _scores_csv(WORK / "scores.csv", year=year)
    seconds, peak, _out = _command("import_scores", str(scores_file), "--index", PAR_CODE, "--year", str(year))
    results.append(_imported("import of scores", rows, seconds, peak))
    count = 1_000_000 if data.size == NATIONAL else 100_000
    dossiers_file = _dossiers_csv(WORK / "dossiers.csv", data=data, count=count)
    # The rows of an earlier run (--reuse) out first: else they are found unchanged and nothing is written.
    # Their queue entries too (no statistics job runs here to take them): they reference the rows.
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Without fresh statistics the queue and the earlier run's dossiers look like one row
            # each, and the delete is a nested loop of the queue by the 100,000 dossiers (ten minutes).
            cursor.execute(f"ANALYZE {quote(DossierAdded._meta.db_table)}")
            cursor.execute(f"ANALYZE {quote(Dossier._meta.db_table)} (source)")
        cursor.execute(
            f"DELETE FROM {quote(DossierAdded._meta.db_table)} WHERE dossier_id IN "
            f"(SELECT id FROM {quote(Dossier._meta.db_table)} WHERE source = %s)",
            [_SOURCE],
        )
        cursor.execute(f"DELETE FROM {quote(Dossier._meta.db_table)} WHERE source = %s", [_SOURCE])
    seconds, peak, _out = _command("import_dossiers", str(dossiers_file))
    results.append(_imported("import of dossiers", count, seconds, peak))
    return results


def _imported(name, rows, seconds, peak):
    return {
        "figure": name,
        "what": f"{rows:,} rows from CSV",
        "ours_s": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "peak_mb": round(peak, 1),
        "target_peak_mb": IMPORT_MEMORY_TARGET_MB,
    }


def _command(*argv):
    env = {**os.environ, "PYTHONPATH": str(settings.BASE_DIR)}
    return child_time_and_peak(
        [sys.executable, str(Path(__file__).with_name("child.py")), *argv], env=env, cwd=settings.BASE_DIR
    )


def _scores_csv(path, *, year):
    """Long-form scores of the year's PAR, every one different from the stored one (half the
    maximum, or a quarter where half is stored: an earlier run's, with --reuse), so the import
    writes and audits every row."""
    leaves = Criterion.objects.filter(
        methodology__index__code=PAR_CODE, methodology__year=year, children__isnull=True
    ).values_list("methodology__unit_kind", "code", "max_points")
    by_kind = {}
    for kind, code, maximum in leaves:
        by_kind.setdefault(kind, []).append((code, *(_cents(maximum / share) for share in (2, 4))))
    assessed = Unit.objects.filter(
        assessments__methodology__index__code=PAR_CODE, assessments__methodology__year=year, kind__in=by_kind
    )
    units, rows = [], 0
    for unit in assessed.order_by("code"):
        if rows >= SCORE_IMPORT_ROWS:
            break
        units.append(unit)
        rows += len(by_kind[unit.kind])
    stored = {
        (unit_id, code): value
        for unit_id, code, value in Score.objects.filter(
            assessment__unit__in=units,
            assessment__methodology__index__code=PAR_CODE,
            assessment__methodology__year=year,
        ).values_list("assessment__unit_id", "criterion__code", "final_score")
    }
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("unit_code,criterion_code,score\n")
        for unit in units:
            for code, half, quarter in by_kind[unit.kind]:
                if rows == SCORE_IMPORT_ROWS:
                    return path, rows
                out.write(f"{unit.code},{code},{quarter if stored.get((unit.pk, code)) == half else half}\n")
                rows += 1
    return path, rows


def _cents(value):
    return value.quantize(Decimal("0.01"))


_SOURCE = "bench-import"


def _dossiers_csv(path, *, data, count):
    """`count` new dossiers of the base months in import_dossiers' columns, under a source of their own."""
    import csv

    per_unit_month = math.ceil(count / sum(len(units) * len(months) for units, months in data.unit_months))
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(DOSSIER_COLUMNS)
        for unit, months in ((unit, months) for units, months in data.unit_months for unit in units):
            rates = unit_rates(seed=SEED + 1, code=unit.code, kind=unit.kind)
            for month in months:
                for dossier in unit_month_dossiers(
                    unit=unit,
                    month=month,
                    count=per_unit_month,
                    seed=SEED + 1,
                    source=_SOURCE,
                    now=timezone.now(),
                    rates=rates,
                ):
                    if written == count:
                        return path
                    writer.writerow(_dossier_row(dossier, unit.code))
                    written += 1
    return path


def _dossier_row(dossier, unit_code):
    values = {"unit_code": unit_code}
    for column in DOSSIER_COLUMNS:
        if column == "unit_code":
            continue
        value = getattr(dossier, column)
        if isinstance(value, datetime.datetime):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = "1" if value else "0"
        values[column] = "" if value is None else value
    return [values[column] for column in DOSSIER_COLUMNS]


ALL = (recompute, dossier_stats, pages, freshness, imports)


# --- output ----------------------------------------------------------------------------------


def line(results):
    return "\n".join(
        f"  {r['figure']}: {r['ours_s']} s" + (f" (×{r['ratio']} baseline)" if r.get("ratio") else "") for r in results
    )


def table(figures):
    """The report as a table. `ours s` and `baseline s` are medians, except under load: p95 there."""
    rows = [r for results in figures for r in results]
    header = (
        f"{'figure':34} {'what':52} {'ours s':>9} {'baseline s':>10} {'ratio':>6} {'peak MB':>8} "
        f"{'median ms':>9} {'errors':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        # None (a figure with nothing to time: every request failed) is left blank, not "None".
        cell = {
            key: "" if r.get(key) is None else r[key]
            for key in ("ours_s", "baseline_s", "ratio", "peak_mb", "median_ms", "errors")
        }
        lines.append(
            f"{r['figure']:34} {r['what'][:52]:52} {cell['ours_s']:>9} {cell['baseline_s']:>10} "
            f"{cell['ratio']:>6} {cell['peak_mb']:>8} {cell['median_ms']:>9} {cell['errors']:>6}"
        )
    return "\n".join(lines)
