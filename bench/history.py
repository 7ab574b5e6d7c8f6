"""Years of national dossiers (issue 22 item 6): do the incremental statistics and the dossier pages
cost the same whatever the length of the history behind them?

    python bench/history.py                                   # 10 M dossiers, then 30 M: about an hour
    python bench/history.py --sizes 3000000,10000000          # smaller steps
    python bench/history.py --keep                            # leave the database for EXPLAIN

PostgreSQL only (`reformdash_bench_history` on 127.0.0.1, dropped at the end unless --keep). The
units are the country's real ones, as `bench/run.py --national` imports them (no scores). The
dossiers are written by one INSERT … SELECT generate_series per month, in SQL: ten years of the
country at the density of the target (100 M dossiers in 120 months: DENSITY a month, shared by the
units of KINDS existing in the month). Each size is the most recent months at that density: 10 M
is the last 12 months before the current one, 30 M the last 36; the sizes differ by history alone,
so what a reader or the incremental job reads should not change between them. The indexes are
dropped while the rows are written and built again after (as a restore would), then ANALYZE, then
the full statistics job (timed once: the nightly job reads every month, it grows with history).

At each size, each figure is the median of --runs runs after a warm-up, next to bare SQL over the
same rows (bench/baselines.py's GROUP BY for the statistics; for a page, the same rows read by one
hand-written statement), and the table's and its indexes' size.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import fresh_database, setup_django, use_database  # noqa: E402

URL = "postgres://postgres@127.0.0.1:5432/reformdash_bench_history"
REPORT = ROOT / "var" / "bench" / "history.json"
# 100 M dossiers in ten years.
DENSITY = 100_000_000 // 120
SOURCE = "hist"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000000,30000000", help="dossiers at each step, ascending")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--reuse", action="store_true", help="start from the database an earlier --keep left (its months are kept)"
    )
    parser.add_argument("--no-measure", action="store_true", help="build the sizes only")
    parser.add_argument(
        "--full-job", action="store_true", help="run and time the full statistics job even when no month was added"
    )
    parser.add_argument("--report", type=Path, default=REPORT)
    options = parser.parse_args()
    options.sizes = [int(size) for size in options.sizes.split(",")]
    return options


def units_import():
    """The country's units, old and new, and 20 departments under each province (demo.synthetic)."""
    from demo.synthetic import NATIONAL, _departments, _provinces
    from units.importers.admin_units import admin_units_import

    admin_units_import(province_codes=None, legacy=True)
    _departments(_provinces(NATIONAL), NATIONAL.departments_per_province)


def _add_months(month, count):
    year, number = divmod((month // 100) * 12 + month % 100 - 1 + count, 12)
    return year * 100 + number + 1


def months_of(size, current):
    """The months the first `size` dossiers fill at DENSITY, the latest first: those before `current`."""
    count = -(-size // DENSITY)
    return [_add_months(current, -k) for k in range(1, count + 1)]


def month_units(month):
    from demo.synthetic import KINDS, existing_at
    from dossiers import measures
    from units.models import Unit

    start, _end = measures.month_bounds(month)
    return list(Unit.objects.filter(existing_at(start.date()), kind__in=KINDS).values_list("pk", flat=True))


# One month of dossiers at DENSITY over the month's units, in order of arrival, as a one-stop
# system writes them. Every dossier ends as demo.synthetic_dossiers' do: most before their due date
# (5–20 days), a tenth 2.5–2.8 times its allowed time, 4 % returned and 1 % withdrawn; those whose
# end is after now are still pending. 5 % waited 1–5 days for the citizen.
MONTH_INSERT = """
INSERT INTO dossiers_dossier (
    source, external_id, unit_id, procedure_code, procedure_name, received_at, due_at, completed_at,
    status, channel, fully_online, fee_required, paid_online, supplement_requests, supplement_days,
    result_entered, received_month, completed_month, effective_completed_at, effective_due_at, updated_at)
WITH raw AS (
    SELECT u.id AS unit_id, u.code, g,
           %(start)s::timestamptz + random() * (%(end)s::timestamptz - %(start)s::timestamptz) AS received_at,
           (5 + floor(random() * 16))::int AS days,
           random() AS r_end, random() AS r_status, random() AS r_channel, random() AS r_fee, random() AS r_sup
    FROM units_unit u CROSS JOIN generate_series(1, %(per_unit)s) g
    WHERE u.id = ANY(%(units)s)
), timed AS (
    SELECT raw.*,
           received_at + days * interval '1 day' AS due_at,
           received_at + days * (0.3 + r_end * CASE WHEN r_end > 0.9 THEN 2.5 ELSE 0.8 END) * interval '1 day' AS end_at,
           CASE WHEN r_sup > 0.95 THEN 1 + floor(r_sup * 1000)::int %% 5 ELSE 0 END AS sup_days
    FROM raw
), ended AS (
    SELECT timed.*, CASE WHEN end_at <= %(now)s THEN end_at END AS completed_at FROM timed
)
SELECT %(source)s, code || '-' || %(month)s || '-' || g, unit_id, 'P' || (g %% 40), '', received_at, due_at,
       completed_at,
       CASE WHEN completed_at IS NULL THEN 'pending' WHEN r_status < 0.04 THEN 'returned'
            WHEN r_status < 0.05 THEN 'withdrawn' ELSE 'completed' END,
       CASE WHEN r_channel < 0.4 THEN 'online' WHEN r_channel < 0.45 THEN 'postal' ELSE 'in_person' END,
       r_channel < 0.1, r_fee < 0.3, r_fee < 0.05, CASE WHEN sup_days > 0 THEN 1 + g %% 2 ELSE 0 END, sup_days,
       r_status > 0.2, %(month)s,
       to_char(completed_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYYMM')::int,
       completed_at - sup_days * interval '1 day', due_at + sup_days * interval '1 day', %(now)s
FROM ended
ORDER BY received_at
"""


def _indexes_drop(cursor):
    """Drop the dossier table's indexes and unique constraint but its primary key; return the SQL
    that builds them again."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'dossiers_dossier'::regclass AND contype = 'u'"
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'dossiers_dossier' "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'dossiers_dossier'::regclass)"
    )
    indexes = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE dossiers_dossier DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [
        f'ALTER TABLE dossiers_dossier ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints
    ] + [definition for _name, definition in indexes]


def fill(months, *, now):
    """Write DENSITY dossiers in each of `months` (not written yet); returns how many."""
    from django.db import connection, transaction

    from dossiers import measures

    written = 0
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET session_replication_role = replica")  # no foreign-key trigger per row
        builds = _indexes_drop(cursor)
        for month in sorted(months):
            units = month_units(month)
            start, end = measures.month_bounds(month)
            with transaction.atomic():
                cursor.execute(
                    MONTH_INSERT,
                    {
                        "start": start,
                        "end": end,
                        "per_unit": -(-DENSITY // len(units)),
                        "units": units,
                        "now": now,
                        "source": SOURCE,
                        "month": month,
                    },
                )
                written += cursor.rowcount
            print(f"  {month}: {cursor.rowcount:,} dossiers, {len(units):,} units", flush=True)
        started = time.perf_counter()
        for sql in builds:
            cursor.execute(sql)
        print(f"  indexes built in {time.perf_counter() - started:.0f} s", flush=True)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("VACUUM ANALYZE dossiers_dossier")
    return written


def sizes():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_table_size('dossiers_dossier'), pg_indexes_size('dossiers_dossier'), "
            "pg_total_relation_size('dossiers_dossiermonth'), (SELECT COUNT(*) FROM dossiers_dossiermonth)"
        )
        table, indexes, months, month_rows = cursor.fetchone()
    gb = 1024**3
    return {
        "table_gb": round(table / gb, 2),
        "indexes_gb": round(indexes / gb, 2),
        "dossier_month_gb": round(months / gb, 3),
        "dossier_month_rows": month_rows,
    }


def load_average():
    return [round(value, 2) for value in os.getloadavg()]


def main():
    options = arguments()
    use_database(URL) if options.reuse else fresh_database(URL)
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench import history_figures
    from dossiers import measures
    from dossiers.models import Dossier
    from dossiers.stats import dossier_stats_full

    call_command("migrate", verbosity=0)
    now = timezone.now()
    current = measures.month_of(now)
    if not options.reuse:
        started = time.perf_counter()
        units_import()
        print(f"units imported in {time.perf_counter() - started:.0f} s", flush=True)
    report = {"when": now.isoformat(timespec="seconds"), "density_per_month": DENSITY, "sizes": []}
    for size in options.sizes:
        have = set(Dossier.objects.order_by().values_list("received_month", flat=True).distinct())
        wanted = [month for month in months_of(size, current) if month not in have]
        if wanted:
            started = time.perf_counter()
            written = fill(wanted, now=now)
            print(f"{written:,} dossiers written in {time.perf_counter() - started:.0f} s", flush=True)
        if wanted or options.full_job:
            started = time.perf_counter()
            dossier_stats_full(now=now)
            full = time.perf_counter() - started
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE dossiers_dossiermonth")
        else:
            full = None
        total = Dossier.objects.count()
        step = {"dossiers": total, "load_before": load_average(), "full_job_s": full and round(full, 1)}
        step.update(sizes())
        print(f"size: {step}", flush=True)
        if options.no_measure:
            continue
        step["figures"] = history_figures.measure(runs=options.runs, now=now)
        step["load_after"] = load_average()
        report["sizes"].append(step)
        options.report.parent.mkdir(parents=True, exist_ok=True)
        options.report.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print(json.dumps(report, ensure_ascii=False, default=str))
    if not options.keep:
        connection.close()
        _drop()


def _drop():
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute('DROP DATABASE IF EXISTS "reformdash_bench_history"')
    admin.close()


if __name__ == "__main__":
    main()
