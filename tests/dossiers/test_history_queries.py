"""Queries every dossier page makes read no more when the history is longer (issue 22 item 6,
bench/README.md "Ten years of dossiers")."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers import measures, stats
from dossiers.measures import COUNTS
from dossiers.models import Dossier, DossierMonth, DossierMonthDirty, Scope
from dossiers.selectors import dossier_stats_as_of
from dossiers.services import dossier_derive
from dossiers.stats import dossier_stats_incremental
from units.models import Unit, UnitKind


def _plan(sql):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.django_db
def test_when_the_statistics_were_computed_is_one_look_into_an_index(tree):
    """Twenty-five years of months for five units: the latest computed_at is read from the index
    on it, not by a scan of every unit-month (3 million rows in ten years of the country)."""
    start = timezone.now() - datetime.timedelta(days=10_000)
    units = [tree.nation, tree.province, tree.dept_a, tree.district_b, tree.commune_b1]
    months = [year * 100 + month for year in range(2000, 2025) for month in range(1, 13)]
    DossierMonth.objects.bulk_create(
        DossierMonth(
            unit=unit, month=month, scope=scope, received=1, computed_at=start + datetime.timedelta(hours=number)
        )
        for number, (unit, month, scope) in enumerate(
            (unit, month, scope) for unit in units for month in months for scope in Scope.values
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dossiers_dossiermonth")
    with CaptureQueriesContext(connection) as queries:
        latest = dossier_stats_as_of()
    assert latest == start + datetime.timedelta(hours=len(units) * len(months) * 2 - 1)
    plan = _plan(queries[-1]["sql"])
    assert "dossiermonth_computed_at" in plan, plan


# Many units' months of dossiers, written as bench/history.py writes them (in SQL): months of
# history, DOSSIERS_A_MONTH dossiers a unit-month, every one ended five days after it came in.
_HISTORY_INSERT = """
INSERT INTO dossiers_dossier (
    source, external_id, unit_id, procedure_code, procedure_name, received_at, due_at, completed_at,
    status, channel, fully_online, fee_required, paid_online, supplement_requests, supplement_days,
    result_entered, received_month, completed_month, effective_completed_at, effective_due_at, updated_at)
SELECT 'history', u.id || '-' || k || '-' || g, u.id, '', '', r.at, r.at + interval '10 days',
       r.at + interval '5 days', 'completed', 'in_person', false, false, false, 0, 0, true,
       to_char(r.at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYYMM')::int,
       to_char((r.at + interval '5 days') AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYYMM')::int,
       r.at + interval '5 days', r.at + interval '10 days', now()
FROM units_unit u CROSS JOIN generate_series(1, %(months)s) k CROSS JOIN generate_series(1, %(per_month)s) g
CROSS JOIN LATERAL (SELECT %(start)s::timestamptz + (k - 1) * interval '1 month' + g * interval '1 hour' AS at) r
WHERE u.kind = 'commune'
"""
UNITS = 4000
MONTHS = 12
DOSSIERS_A_MONTH = 5


def _history(tree, now):
    """UNITS communes with MONTHS months of ended dossiers before the current one, and one pending
    overdue dossier each, received yesterday; analysed. Returns (communes, dossiers written)."""
    Unit.objects.bulk_create(
        Unit(code=f"C{n}", name=f"Xã {n}", kind=UnitKind.COMMUNE, parent=tree.district_b) for n in range(UNITS)
    )
    start, _end = measures.month_bounds(_months_before(measures.month_of(now), MONTHS))
    with connection.cursor() as cursor:
        cursor.execute(_HISTORY_INSERT, {"months": MONTHS, "per_month": DOSSIERS_A_MONTH, "start": start})
        history = cursor.rowcount
    communes = list(Unit.objects.filter(kind=UnitKind.COMMUNE))
    Dossier.objects.bulk_create(
        dossier_derive(
            Dossier(
                source="day",
                external_id=str(unit.pk),
                unit=unit,
                received_at=now - datetime.timedelta(days=1),
                due_at=now - datetime.timedelta(hours=1),
                status="pending",
                channel="online",
            )
        )
        for unit in communes
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dossiers_dossier")
        cursor.execute("ANALYZE units_unit")
    return communes, history


def _months_before(month, count):
    index = month // 100 * 12 + month % 100 - 1 - count
    return index // 12 * 100 + index % 12 + 1


def _dossiers_read():
    """Dossiers read so far in this transaction, through an index or by a scan."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(idx_tup_fetch, 0) + COALESCE(seq_tup_read, 0) FROM pg_stat_xact_user_tables "
            "WHERE relname = 'dossiers_dossier'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_national_day_is_counted_through_the_months_indexes_not_each_units_history(tree):
    """A day's import that marks every unit dirty is counted from the dossiers of the month
    (the BitmapOr of the month's indexes), not from every dossier the units ever had through
    the index on the unit (bench/README.md, "Ten years of dossiers")."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    now = timezone.now()
    current = measures.month_of(now)
    communes, history = _history(tree, now)
    DossierMonthDirty.objects.bulk_create(DossierMonthDirty(unit=unit, month=current) for unit in communes)
    before = _dossiers_read()
    dossier_stats_incremental(now=now)
    read = _dossiers_read() - before
    assert DossierMonth.objects.filter(month=current, scope=Scope.OWN).count() == len(communes)
    # What counts in the month: the day's dossiers and the last month's ending in it.
    assert read < history / 5, (read, history)


@pytest.mark.django_db
@pytest.mark.parametrize("within", [None, "history_computed"], ids=["full job", "incremental"])
def test_the_delete_of_stale_rows_stays_a_hashed_join_beyond_work_mem(tree, within):
    """The statistics' delete of rows no longer computed: at three years of the country the own
    rows' (unit, month) pairs no longer fit in work_mem, where PostgreSQL stops hashing a NOT IN's
    list and tests every row against all of it (the full job ran for minutes without end). Made
    here with work_mem at its least and 10,000 rows. The full job finds them in the full join of
    its one write (a hash or merge join at any size), the incremental one with NOT EXISTS."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner: SQLite keeps NOT IN, which it indexes")
    now = timezone.now()
    units = [tree.nation, tree.province, tree.dept_a, tree.district_b, tree.commune_b1]
    DossierMonth.objects.bulk_create(
        DossierMonth(unit=unit, month=100_000 + number, scope=Scope.OWN, received=1, computed_at=now)
        for unit in units
        for number in range(2000)
    )
    columns = ", ".join(COUNTS)
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64kB'")
        cursor.execute(
            f"CREATE TEMPORARY TABLE history_computed AS SELECT unit_id, month, {columns} "
            "FROM dossiers_dossiermonth WHERE scope = 'own'"
        )
        cursor.execute("ANALYZE history_computed")
        stats._write(cursor, computed="history_computed", scope=Scope.OWN, within=within, now=now)
        written = [query for query in queries if query["sql"].lstrip().startswith(("DELETE", "WITH diff"))][-1]
        cursor.execute("EXPLAIN " + written["sql"])  # as it ran, its parameters in it
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DROP TABLE history_computed")
    assert ("Full Join" if within is None else "Anti Join") in plan, plan
    assert DossierMonth.objects.count() == 10_000
