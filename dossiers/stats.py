"""Monthly dossier statistics (DossierMonth), computed by the database from the dossiers.

What a unit-month counts, and the SQL that counts each on one dossier row in a month, belong to
the 766 measures (dossiers.measures: COUNTS, count_sql, counted_sql, counts_in_month_sql, months_counted_sql).
This module runs that SQL and keeps the table in step: dirty marks, scopes, upserts, the two jobs.

Scope `own` counts the unit's own dossiers, scope `total` those of the unit and of every unit under
it (the sum of the `own` rows of its subtree). A unit-month that counts nothing has no row, so "no
row" and "all zeros" never both occur, and the incremental and the full job write identical
tables. Months after the current one are never computed: their dirty marks wait for their month.

The full job counts every month in one pass, not one statement per month. A dossier counts in
several months (received in one, pending at the end of the next ones until it ends), so each
dossier is joined to a small table of months (StatsMonth: yyyymm, end, the moment its pending
dossiers are judged at) from the one it was received in to the one it ended in, or the current one
while it is pending, and one GROUP BY unit, month counts them all. The incremental job counts
each dirty month in one statement with the month as parameters, reading only the month's dirty
units' dossiers that count in it. The `own` counts go into a temporary table that one upsert and
one delete of stale rows read. Then the `total` rows: every unit with everything under it (a
recursive CTE over the tree, once for all months) joined to the `own` rows, one GROUP BY unit,
month, one upsert and one delete. No dossier is loaded into Python. The upserts touch only rows
whose counts changed, and the deletes only rows that no longer count anything: a second run
changes nothing, and `computed_at` is when the row's counts last changed.

Two jobs write the table, both in one transaction under one lock, so they never interleave:
- the incremental job (after every import) takes the dirty unit-months and recounts their `own`
  rows, reading the marked units' dossiers received, ended or pending in the month; and takes the
  dossiers imports created since it last ran (DossierAdded) and adds what they count to the stored
  `own` rows of the other unit-months, reading those dossiers alone, except the current month's
  stock, judged against now, which it recounts for the units they count in (their pending
  dossiers). Then the `total` rows of all those units and their ancestors for those months, from
  the `own` rows. A changed or deleted dossier is marked dirty and recounted: its old counts are
  gone. So a day's new dossiers cost what they count, whether their month is new or full
  (bench/README.md measures both). Writes of new dossiers hold the lock shared, so the job never
  counts a dossier it leaves to be added again;
- the nightly full job recomputes every unit-month from the first month a dossier was received
  to the current month. It also catches what time alone changes: a new month begins (pending
  dossiers become stock in it) and the month just ended is judged at its end, not at the moment
  the incremental job last ran; and units that moved under another parent.
"""

import contextlib
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from dossiers import measures
from dossiers.measures import COUNTS
from dossiers.models import Dossier, DossierAdded, DossierMonth, DossierMonthDirty, Scope, StatsMonth
from dossiers.services import dossier_stats_lock, touched_months
from dossiers.signals import dossier_months_changed
from units.models import Unit

T = {
    "dossier": Dossier._meta.db_table,
    "month": DossierMonth._meta.db_table,
    "dirty": DossierMonthDirty._meta.db_table,
    "added": DossierAdded._meta.db_table,
    "unit": Unit._meta.db_table,
    "months": StatsMonth._meta.db_table,  # month, end_at, at_: the months computed
}

# The job's temporary tables (per connection, dropped at the end of each job).
_DIRTY = "dossier_stats_dirty"  # unit_id, month: the dirty unit-months taken (incremental)
_UP = "dossier_stats_up"  # unit_id, month: those and every ancestor's same month (incremental)
_OWN = "dossier_stats_own"  # unit_id, month, counts…: the own counts computed
_TOTAL = "dossier_stats_total"  # unit_id, month, counts…: the total counts computed
_ADDED = "dossier_stats_added"  # dossier_id: the added dossiers taken (incremental)
_DELTA = "dossier_stats_delta"  # unit_id, month, counts…: what they count where nothing is recounted
_STOCK = "dossier_stats_stock"  # unit_id, pending…: the current month's stock of the units they count in
_TEMPORARY = (_DIRTY, _UP, _OWN, _TOTAL, _ADDED, _DELTA, _STOCK)

# Rows a statement inserts into a temporary table at most (fewer where the database takes fewer
# parameters: 999 for SQLite, as Django counts).
ROWS_PER_INSERT = 5000
# A month of the months table, as measures' SQL reads it.
_MONTH = measures.MonthSql(month="m.month", end="m.end_at", at="m.at_")


def _counts(m):
    """The select list of the counts in month `m` (a measures.MonthSql) over a GROUP BY's dossiers
    that count in it (measures.counted_sql)."""
    # COUNT … FILTER rather than SUM(CASE …): a tenth less of the full job's GROUP BY on PostgreSQL.
    # As integers, the type of DossierMonth's columns: the full job's totals sum them (a sum of
    # COUNT's bigints is a numeric, summed slower).
    return ",\n               ".join(
        f"CAST({counted} AS integer) AS {name}" for name, counted in measures.counted_sql(m).items()
    )


def _rows_insert(cursor, table, columns, rows):
    """Insert rows into a temporary table, as many a statement as the database takes parameters."""
    limit = connection.features.max_query_params or 30000
    size = max(1, min(ROWS_PER_INSERT, limit // len(columns)))
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([placeholders] * len(chunk))}",
            [value for row in chunk for value in row],
        )


def _analyse(cursor, table):
    """Give PostgreSQL the job's table's size: without statistics it plans a 13-row table of
    months as thousands of rows, and 174 dirty unit-months as 600 (a scan of every DossierMonth row
    instead of looking 174 up). SQLite's planner does without. The full job's counts, read whole,
    are not worth their ANALYZE."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def _months_fill(cursor, months, *, now):
    """The months table: each month with its end and the moment its pending dossiers are judged
    at, min(end, now) — now in the current month, so what is past its due date today is overdue
    today. Emptied first: the job before left its own (the lock makes each job its only user)."""
    adapt = connection.ops.adapt_datetimefield_value
    cursor.execute(f"DELETE FROM {T['months']}")
    rows = []
    for month in months:
        _, end = measures.month_bounds(month)
        rows.append((month, adapt(end), adapt(min(end, now))))
    _rows_insert(cursor, T["months"], ("month", "end_at", "at_"), rows)
    _analyse(cursor, T["months"])


def _own_fill(cursor, *, last):
    """The own counts of every unit-month from the first month of the months table to `last`, in
    one GROUP BY unit, month: each dossier joined to the months it counts in, which makes any
    other test of a month needless."""
    # SQLite would walk the dossiers in the order of an index on (unit, …), fetching each row from
    # the table out of order: a plain scan is a quarter to half faster (500 against 680–1,100 ms
    # for 100,000 dossiers, on loaded cores). PostgreSQL scans the table anyway.
    scan = " NOT INDEXED" if connection.vendor == "sqlite" else ""
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {_OWN} AS
        SELECT d.unit_id, m.month,
               {_counts(_MONTH)}
        FROM {T["dossier"]} d{scan}
        JOIN {T["months"]} m ON {measures.months_counted_sql(_MONTH, last="%s")}
        GROUP BY d.unit_id, m.month""",
        [last],
    )


def _own_fill_dirty(cursor, dirty, *, now):
    """The own counts of the dirty unit-months, one statement per month (a day's import: one),
    reading only the dossiers of the month's dirty units that count in it. With the month as
    parameters, PostgreSQL estimates from the month's own statistics and reads those dossiers
    through the indexes on (unit, month received), (unit, month completed) and (unit,
    completed_at) with the units in the indexes' conditions (a BitmapOr); joined to the month
    through a table of months, or to the units through a subquery, it read every dossier of
    those units instead (bench/README.md)."""
    adapt = connection.ops.adapt_datetimefield_value
    by_month = defaultdict(list)
    for unit_id, month in dirty:
        by_month[month].append(unit_id)
    m = measures.MONTH_PARAMETERS
    for number, (month, unit_ids) in enumerate(sorted(by_month.items())):
        _, end = measures.month_bounds(month)
        params = {"month": month, "end": adapt(end), "at": adapt(min(end, now))}
        if connection.vendor == "postgresql":
            units, params["units"] = "d.unit_id = ANY(%(units)s)", unit_ids
        else:  # SQLite looks the subquery's units up one by one in the same indexes.
            units = f"d.unit_id IN (SELECT unit_id FROM {_DIRTY} WHERE month = %(month)s)"
        select = f"""
            SELECT d.unit_id, %(month)s AS month,
                   {_counts(m)}
            FROM {T["dossier"]} d
            WHERE {measures.counts_in_month_sql(m, within=units)}
            GROUP BY d.unit_id"""
        with _bitmap_scans(cursor):
            cursor.execute(
                (f"CREATE TEMPORARY TABLE {_OWN} AS" if number == 0 else f"INSERT INTO {_OWN}") + select, params
            )


@contextlib.contextmanager
def _bitmap_scans(cursor):
    """PostgreSQL: no plain index scan for the statement, so that the month's dossiers are read
    through the BitmapOr of the month's indexes. With many dirty units (a national day's import
    marks thousands) the planner prices each row's test against the array of units too high for
    the bitmap and reads instead every dossier those units ever had through the index on the unit
    alone, sorted for the GROUP BY already: 45 s for 4,001 units at 11 million dossiers, and more
    with every month of history, against 1.3 s through the bitmaps (bench/README.md, "Ten years of
    dossiers"). SET LOCAL ends with the job's transaction; the setting is put back at once."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SET LOCAL enable_indexscan = off")
    yield  # after an error the transaction is lost, and the setting with it
    cursor.execute("SET LOCAL enable_indexscan = on")


def _own_add(cursor, added, *, now):
    """Add what the added dossiers (_take_added's `added`) count to the stored `own` rows, in the
    unit-months not being recounted (not in _DIRTY): one GROUP BY unit, month over those dossiers
    alone, each joined to the months it counts in, and one upsert that adds. Except the current
    month's stock, which is judged against now: the stock of the units they count in then is
    recounted (their pending dossiers, through the index (unit, completed_at)) and replaces the
    stored one, as a recount of those unit-months would. Each added dossier counts at least 1 in
    every row it reaches, so no row is left with nothing. Returns the months of the rows changed."""
    joined, first = added
    last = measures.month_of(now)
    _months_fill(cursor, measures.months_between(min(first, last), last), now=now)
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {_DELTA} AS
        SELECT d.unit_id, m.month,
               {_counts(_MONTH)}
        FROM {joined}
        JOIN {T["months"]} m ON {measures.months_counted_sql(_MONTH, last="%s")}
        WHERE (d.unit_id, m.month) NOT IN (SELECT unit_id, month FROM {_DIRTY})
        GROUP BY d.unit_id, m.month""",
        [last],
    )
    _analyse(cursor, _DELTA)
    cursor.execute(f"SELECT unit_id FROM {_DELTA} WHERE month = %s", [last])
    units = [unit_id for (unit_id,) in cursor.fetchall()]
    _, end = measures.month_bounds(last)
    adapt = connection.ops.adapt_datetimefield_value
    params = {"month": last, "end": adapt(end), "at": adapt(min(end, now))}
    if connection.vendor == "postgresql":
        within, params["units"] = "d.unit_id = ANY(%(units)s)", units
    else:
        within = f"d.unit_id IN (SELECT unit_id FROM {_DELTA} WHERE month = %(month)s)"
    stock_sql = measures.count_sql(measures.MONTH_PARAMETERS)
    stock = ", ".join(f"COUNT(*) FILTER (WHERE {stock_sql[name]}) AS {name}" for name in measures.STOCK)
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {_STOCK} AS
        SELECT d.unit_id, {stock}
        FROM {T["dossier"]} d
        WHERE {measures.pending_sql(measures.MONTH_PARAMETERS, within=within)}
        GROUP BY d.unit_id""",
        params,
    )
    stored = T["month"]
    selected, new = [], {}
    for name in COUNTS:
        if name in measures.STOCK:
            selected.append(f"CASE WHEN c.month = %(last)s THEN COALESCE(s.{name}, 0) ELSE c.{name} END")
            new[name] = (
                f"CASE WHEN excluded.month = %(last)s THEN excluded.{name} ELSE {stored}.{name} + excluded.{name} END"
            )
        else:
            selected.append(f"c.{name}")
            new[name] = f"{stored}.{name} + excluded.{name}"
    cursor.execute(
        f"""
        INSERT INTO {stored} (unit_id, month, scope, {", ".join(COUNTS)}, computed_at)
        SELECT c.unit_id, c.month, '{Scope.OWN.value}', {", ".join(selected)}, %(now)s
        FROM {_DELTA} c
        LEFT JOIN {_STOCK} s ON s.unit_id = c.unit_id AND c.month = %(last)s
        WHERE true
        ON CONFLICT (unit_id, month, scope) DO UPDATE SET
            {", ".join(f"{name} = {value}" for name, value in new.items())},
            computed_at = excluded.computed_at
        WHERE {" OR ".join(f"{stored}.{name} <> {value}" for name, value in new.items())}
        RETURNING month""",
        {"last": last, "now": adapt(now)},
    )
    return [month for (month,) in cursor.fetchall()]


def _total_fill(cursor, *, incremental, added=False):
    """The total counts: for each unit, the sum of the `own` rows of the unit and of everything
    under it, every month at once. Incremental: only the dirty unit-months (and, `added`, those the
    added dossiers were added to: _DELTA) and the same months of their ancestors (the table _UP).
    The tree walk uses UNION, not UNION ALL, so that even a cycle in bad data ends."""
    sums = ", ".join(f"SUM(own.{name}) AS {name}" for name in COUNTS)
    # The `own` rows: as stored, or in the full job the table _OWN it has just written them from,
    # which holds them alone (half the rows to read, and no scope to test).
    own_rows = f"{T['month']} own WHERE own.scope = '{Scope.OWN.value}'"
    if incremental:
        seeds = f"SELECT unit_id, month FROM {_DIRTY}"
        if added:
            seeds += f" UNION SELECT unit_id, month FROM {_DELTA}"
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE {_UP} AS
            WITH RECURSIVE up(unit_id, month) AS (
                {seeds}
                UNION
                SELECT u.parent_id, up.month FROM {T["unit"]} u JOIN up ON u.id = up.unit_id
                WHERE u.parent_id IS NOT NULL
            )
            SELECT unit_id, month FROM up"""
        )
        _analyse(cursor, _UP)
        roots = f"SELECT id FROM {T['unit']} WHERE id IN (SELECT unit_id FROM {_UP})"
        wanted = f"JOIN {_UP} wanted ON wanted.unit_id = tree.root_id AND wanted.month = own.month"
        leaves = ""
    else:
        # Every unit: the walk starts from those with a unit under them; a unit with none (most:
        # the communes, the departments) totals its own rows, copied. The country's totals:
        # 283–313 → 147–217 ms.
        roots = f"SELECT id FROM {T['unit']} WHERE id IN (SELECT parent_id FROM {T['unit']})"
        wanted = ""
        own_rows = f"{_OWN} own WHERE true"
        leaves = f"""
        UNION ALL
        SELECT own.unit_id, own.month, {", ".join(f"own.{name}" for name in COUNTS)}
        FROM {own_rows}
          AND NOT EXISTS (SELECT 1 FROM {T["unit"]} child WHERE child.parent_id = own.unit_id)"""
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {_TOTAL} AS
        WITH RECURSIVE tree(root_id, id) AS (
            SELECT id, id FROM ({roots}) AS root
            UNION
            SELECT tree.root_id, u.id FROM {T["unit"]} u JOIN tree ON u.parent_id = tree.id
        )
        SELECT tree.root_id AS unit_id, own.month, {sums}
        FROM tree
        JOIN (SELECT * FROM {own_rows}) own ON own.unit_id = tree.id
        {wanted}
        GROUP BY tree.root_id, own.month{leaves}"""
    )


def _write(cursor, *, computed, scope, within, now):
    """Make the rows of `scope` those of the table `computed`: an upsert that touches only rows
    whose counts differ, and a delete of the rows it lacks — among the unit-months of the table
    `within`, or all of them when None. Returns the months of the rows changed, one per row."""
    columns = ", ".join(COUNTS)
    assignments = ", ".join(f"{name} = excluded.{name}" for name in COUNTS)
    differs = " OR ".join(f"{T['month']}.{name} <> excluded.{name}" for name in COUNTS)
    if within is None and connection.vendor == "postgresql":
        return _write_whole(cursor, computed=computed, scope=scope, now=now, assignments=assignments, differs=differs)
    # Only the rows that are new or differ reach the upsert: a join finds them in one pass, where
    # the upsert would look up and compare every row one at a time (a nightly full job changes
    # few). The upsert's own test stays for a row written meanwhile. The WHERE also lets SQLite
    # tell the upsert's ON CONFLICT from the join's ON.
    stored_differs = " OR ".join(f"stored.{name} <> c.{name}" for name in COUNTS)
    cursor.execute(
        f"""
        INSERT INTO {T["month"]} (unit_id, month, scope, {columns}, computed_at)
        SELECT c.unit_id, c.month, '{scope.value}', {", ".join(f"c.{name}" for name in COUNTS)}, %s
        FROM {computed} c
        LEFT JOIN {T["month"]} stored
          ON stored.unit_id = c.unit_id AND stored.month = c.month AND stored.scope = '{scope.value}'
        WHERE stored.id IS NULL OR {stored_differs}
        ON CONFLICT (unit_id, month, scope) DO UPDATE SET {assignments}, computed_at = excluded.computed_at
        WHERE {differs}
        RETURNING month""",
        [connection.ops.adapt_datetimefield_value(now)],
    )
    months = [month for (month,) in cursor.fetchall()]
    # IN and NOT IN on (unit, month) rather than correlated EXISTS on SQLite: it then builds an
    # index on the temporary table once instead of scanning it for every row (128 ms → ms for 2,262
    # rows). Not on PostgreSQL: it hashes a NOT IN's subquery only while the hash fits in work_mem,
    # and beyond that tests every row against the whole list — the full job's delete at three
    # years of the country (300,000 own rows) ran for minutes without end. NOT EXISTS is an anti
    # join, hashed at any size. Neither column is ever NULL, so the two say the same.
    among = "" if within is None else f"AND (unit_id, month) IN (SELECT unit_id, month FROM {within})"
    if connection.vendor == "postgresql":
        stale = f"""NOT EXISTS (SELECT 1 FROM {computed} c
                      WHERE c.unit_id = {T["month"]}.unit_id AND c.month = {T["month"]}.month)"""
    else:
        stale = f"(unit_id, month) NOT IN (SELECT unit_id, month FROM {computed})"
    cursor.execute(
        f"""
        DELETE FROM {T["month"]}
        WHERE scope = '{scope.value}' {among}
          AND {stale}
        RETURNING month"""
    )
    return months + [month for (month,) in cursor.fetchall()]


def _write_whole(cursor, *, computed, scope, now, assignments, differs):
    """_write of every unit-month of `scope` on PostgreSQL (the full job): the computed and the
    stored rows compared in one full join, whose rows are what to upsert (computed, new or
    different) and what to delete (stored, no longer computed), written by one statement. The
    upsert's join and the delete's anti join read the stored rows twice: 125–145 → 73–84 ms a
    scope for the country's 52,000 unit-months with nothing changed. A full join is a hash or
    merge join at any size, never a row-by-row NOT IN."""
    columns = ", ".join(COUNTS)
    stored_differs = " OR ".join(f"stored.{name} <> c.{name}" for name in COUNTS)
    cursor.execute(
        f"""
        WITH diff AS (
            SELECT c.unit_id, c.month, {", ".join(f"c.{name}" for name in COUNTS)}, stored.id AS stored_id
            FROM {computed} c
            FULL JOIN (SELECT * FROM {T["month"]} WHERE scope = '{scope.value}') stored
              ON stored.unit_id = c.unit_id AND stored.month = c.month
            WHERE stored.id IS NULL OR c.unit_id IS NULL OR {stored_differs}
        ), upserted AS (
            INSERT INTO {T["month"]} (unit_id, month, scope, {columns}, computed_at)
            SELECT unit_id, month, '{scope.value}', {columns}, %s FROM diff WHERE unit_id IS NOT NULL
            ON CONFLICT (unit_id, month, scope) DO UPDATE SET {assignments}, computed_at = excluded.computed_at
            WHERE {differs}
            RETURNING month
        ), deleted AS (
            DELETE FROM {T["month"]} WHERE id IN (SELECT stored_id FROM diff WHERE unit_id IS NULL)
            RETURNING month
        )
        SELECT month FROM upserted UNION ALL SELECT month FROM deleted""",
        [connection.ops.adapt_datetimefield_value(now)],
    )
    return [month for (month,) in cursor.fetchall()]


def _temporary_drop(cursor):
    for table in _TEMPORARY:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _lock():
    """Serialise the statistics jobs, and keep them apart from the writes of new dossiers
    (dossier_stats_lock). SQLite: the transaction already holds the write lock from BEGIN
    IMMEDIATE (settings)."""
    dossier_stats_lock(shared=False)


# The full job's memory for its GROUP BYs on PostgreSQL, for its transaction alone (one job at a
# time: _lock). At the default 4 MB, counting the country's 52,000 unit-months of a million
# dossiers spilled to disk in 33 batches (62 MB written and read again): 6.0 → 3.6 s at 32 MB.
# Grows with units × months, not with dossiers: ten years of the country's 4,001 units hold 480,000.
FULL_JOB_WORK_MEM = "64MB"


def _memory_for_counting(cursor):
    if connection.vendor == "postgresql":
        cursor.execute("SELECT set_config('work_mem', %s, true)", [FULL_JOB_WORK_MEM])


def _take_added(cursor, *, last_month):
    """Take the added dossiers into the table _ADDED. Returns None when there are none, else
    (the SQL that joins them, as `d`, to their rows; the first month one was received in).

    One that counts in a month after `last_month` (received or ended after it: a clock ahead, or a
    job run late) is marked dirty instead, as an import marks a changed one, and recounted when its
    months come. The join names the range of their ids: PostgreSQL then reads them through the
    primary key, where it otherwise hashed them against a scan of every dossier (82 of 85 ms for
    3,480 new dossiers among 136,000)."""
    cursor.execute(f"CREATE TEMPORARY TABLE {_ADDED} (dossier_id bigint PRIMARY KEY)")
    if connection.vendor == "postgresql":
        cursor.execute(
            f"WITH taken AS (DELETE FROM {T['added']} RETURNING dossier_id) "
            f"INSERT INTO {_ADDED} (dossier_id) SELECT dossier_id FROM taken"
        )
    else:  # The transaction holds SQLite's write lock: nothing is added between the two.
        cursor.execute(f"INSERT INTO {_ADDED} (dossier_id) SELECT dossier_id FROM {T['added']}")
        cursor.execute(f"DELETE FROM {T['added']}")
    cursor.execute(f"SELECT MIN(dossier_id), MAX(dossier_id) FROM {_ADDED}")
    low, high = cursor.fetchone()
    if low is None:
        return None
    _analyse(cursor, _ADDED)
    joined = f"{_ADDED} a JOIN {T['dossier']} d ON d.id = a.dossier_id AND d.id BETWEEN {int(low)} AND {int(high)}"
    months = f"SELECT MIN(d.received_month), MAX(COALESCE(d.completed_month, d.received_month)) FROM {joined}"
    cursor.execute(months)
    first, latest = cursor.fetchone()
    if latest is not None and latest > last_month:
        later = f"SELECT a.dossier_id FROM {joined} WHERE d.received_month > %s OR d.completed_month > %s"
        cursor.execute(
            f"SELECT DISTINCT d.unit_id, d.received_month, d.completed_month FROM {T['dossier']} d "
            f"WHERE d.id IN ({later})",
            [last_month, last_month],
        )
        DossierMonthDirty.objects.bulk_create(
            [
                DossierMonthDirty(unit_id=unit_id, month=month)
                for unit_id, received, completed in cursor.fetchall()
                for month in touched_months(received_month=received, completed_month=completed, now_month=last_month)
            ],
            ignore_conflicts=True,
            batch_size=5000,
        )
        cursor.execute(f"DELETE FROM {_ADDED} WHERE dossier_id IN ({later})", [last_month, last_month])
        cursor.execute(months)
        first, _ = cursor.fetchone()
    return None if first is None else (joined, first)


def _take_dirty(cursor, *, last_month):
    """Delete the dirty marks of months up to `last_month` and return them as [(unit id, month)].

    DELETE … RETURNING takes exactly the rows it deletes: a mark committed meanwhile by an import
    stays for the next run."""
    cursor.execute(f"DELETE FROM {T['dirty']} WHERE month <= %s RETURNING unit_id, month", [last_month])
    return cursor.fetchall()


def _months_changed(months):
    """Tell the apps above (indicators: the indices computed from dossier statistics) which years'
    statistics changed. Called inside the job's transaction: see dossiers.signals."""
    years = {month // 100 for month in months}
    if years:
        dossier_months_changed.send(sender=DossierMonth, years=years)


def dossier_stats_incremental(*, now=None):
    """Bring up to date the unit-months that changed and deleted dossiers made stale (recounted)
    and those that added dossiers count in (what they count added), and the totals above them.

    The job of kind dossiers.stats. Returns the number of DossierMonth rows changed."""
    now = now or timezone.now()
    last = measures.month_of(now)
    changed = []
    with transaction.atomic():
        _lock()
        with connection.cursor() as cursor:
            _temporary_drop(cursor)
            added = _take_added(cursor, last_month=last)
            dirty = _take_dirty(cursor, last_month=last)
            if dirty or added:
                cursor.execute(f"CREATE TEMPORARY TABLE {_DIRTY} (unit_id bigint NOT NULL, month integer NOT NULL)")
                _rows_insert(cursor, _DIRTY, ("unit_id", "month"), dirty)
                _analyse(cursor, _DIRTY)
                if dirty:
                    _own_fill_dirty(cursor, dirty, now=now)
                    _analyse(cursor, _OWN)
                    changed += _write(cursor, computed=_OWN, scope=Scope.OWN, within=_DIRTY, now=now)
                if added:
                    changed += _own_add(cursor, added, now=now)
                _total_fill(cursor, incremental=True, added=added is not None)
                _analyse(cursor, _TOTAL)
                changed += _write(cursor, computed=_TOTAL, scope=Scope.TOTAL, within=_UP, now=now)
            _temporary_drop(cursor)
        _months_changed(changed)
    return len(changed)


def dossier_stats_full(*, now=None):
    """Recompute every unit-month, both scopes, from the first month a dossier was received to the
    current month, and drop every other row; clears the dirty marks up to the current month.

    The nightly job of kind dossiers.stats_full. Gives the same rows as the incremental job would
    have. Returns the number of DossierMonth rows changed."""
    now = now or timezone.now()
    last = measures.month_of(now)
    with transaction.atomic():
        _lock()
        with connection.cursor() as cursor:
            _memory_for_counting(cursor)
            _take_dirty(cursor, last_month=last)
            # Every dossier is counted below: none is left to be added (no import that records
            # added ones is in flight, _lock).
            cursor.execute(f"DELETE FROM {T['added']}")
            # One look into the index (unit, received_month) per unit rather than a scan of every
            # dossier: 1.8 ms against 39 ms for 100,000 dossiers on PostgreSQL.
            cursor.execute(
                f"SELECT MIN((SELECT MIN(d.received_month) FROM {T['dossier']} d WHERE d.unit_id = u.id)) "
                f"FROM {T['unit']} u"
            )
            first = cursor.fetchone()[0]
            _temporary_drop(cursor)
            # With no dossier at all, the months table still has the current month: nothing counts
            # in it, and every row is deleted as stale.
            _months_fill(cursor, measures.months_between(min(first or last, last), last), now=now)
            _own_fill(cursor, last=last)
            changed = _write(cursor, computed=_OWN, scope=Scope.OWN, within=None, now=now)
            _total_fill(cursor, incremental=False)
            changed += _write(cursor, computed=_TOTAL, scope=Scope.TOTAL, within=None, now=now)
            _temporary_drop(cursor)
        _months_changed(changed)
    return len(changed)
