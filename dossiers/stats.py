"""Monthly dossier statistics (DossierMonth), computed by the database from the dossiers.

What a unit-month counts, and the SQL that counts each on one dossier row, belong to the 766
measures (dossiers.measures: COUNTS, COUNT_SQL). This module runs that SQL per unit and month and
keeps the table in step: dirty marks, scopes, upserts, the two jobs.

Scope `own` counts the unit's own dossiers, scope `total` those of the unit and of every unit under
it (the sum of the `own` rows of its subtree, found with a recursive CTE). A unit-month that
counts nothing has no row, so "no row" and "all zeros" never both occur, and the incremental and
the full job write identical tables. Months after the current one are never computed: their
dirty marks wait for their month.

Every count is one GROUP BY statement per month over the dossier rows (no dossier is loaded into
Python), and rows are written with an upsert that touches only rows whose counts changed, plus a
delete of rows that no longer count anything; a second run changes nothing. `computed_at` is
therefore when the row's counts last changed.

Two jobs write the table, both in one transaction under one lock, so they never interleave:
- the incremental job (after every import) takes the dirty unit-months and recomputes their
  `own` rows, then the `total` rows of those units and all their ancestors for those months;
- the nightly full job recomputes every unit-month from the first month a dossier was received
  to the current month. It also catches what time alone changes: a new month begins (pending
  dossiers become stock in it) and the month just ended is judged at its end, not at the moment
  the incremental job last ran; and units that moved under another parent.
"""

import zlib
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from dossiers import measures
from dossiers.measures import COUNT_SQL, COUNTS, COUNTS_IN_MONTH_SQL
from dossiers.models import Dossier, DossierMonth, DossierMonthDirty, Scope
from dossiers.signals import dossier_months_changed
from units.models import Unit

T = {
    "dossier": Dossier._meta.db_table,
    "month": DossierMonth._meta.db_table,
    "dirty": DossierMonthDirty._meta.db_table,
    "unit": Unit._meta.db_table,
}

# Unit ids go into statements as bound parameters, at most half of what the database takes
# (Django counts 999 for SQLite) and at most CHUNK: a chunk's totals recompute the ancestors it
# shares with other chunks (the province, the nation) again, so fewer, bigger chunks are faster
# (4,001 units of 1.8 million dossiers: 0.55 s in one chunk, 0.92 s in chunks of 500).
CHUNK = 5000


def _own_select(unit_filter):
    """SELECT (unit_id, counts…) of the units' own dossiers in %(month)s."""
    sums = ",\n               ".join(
        f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {name}" for name, condition in COUNT_SQL.items()
    )
    return f"""
        SELECT d.unit_id,
               {sums}
        FROM {T["dossier"]} d
        WHERE {unit_filter.format(column="d.unit_id")} AND {COUNTS_IN_MONTH_SQL}
        GROUP BY d.unit_id"""


# The own counts of a chunk are computed once into this temporary table, which the upsert and the
# delete of stale rows both read: counting twice was most of an incremental run at ten million
# dossiers (bench/README.md).
_OWN_COUNTS = "dossier_own_counts"
_OWN_FROM_TABLE = f"\n    WITH computed AS (SELECT * FROM {_OWN_COUNTS})"


def _own_counts_fill(cursor, unit_filter, params):
    cursor.execute(f"DROP TABLE IF EXISTS {_OWN_COUNTS}")
    cursor.execute(f"CREATE TEMPORARY TABLE {_OWN_COUNTS} AS {_own_select(unit_filter)}", params)


def _total_cte(unit_filter):
    """CTE `computed` (unit_id, counts…): for the given units and all their ancestors, the sum of
    the `own` rows of %(month)s over the unit and everything under it. UNION, not UNION ALL, so
    even a cycle in bad data ends."""
    sums = ", ".join(f"SUM(own.{name}) AS {name}" for name in COUNTS)
    return f"""
    WITH RECURSIVE up(id) AS (
        SELECT id FROM {T["unit"]} WHERE {unit_filter.format(column="id")}
        UNION
        SELECT u.parent_id FROM {T["unit"]} u JOIN up ON u.id = up.id WHERE u.parent_id IS NOT NULL
    ),
    down(root_id, id) AS (
        SELECT id, id FROM up
        UNION
        SELECT down.root_id, u.id FROM {T["unit"]} u JOIN down ON u.parent_id = down.id
    ),
    computed AS (
        SELECT down.root_id AS unit_id, {sums}
        FROM down
        JOIN {T["month"]} own ON own.unit_id = down.id AND own.month = %(month)s AND own.scope = 'own'
        GROUP BY down.root_id
    )"""


def _upsert(cte, scope):
    """Write the CTE's rows for (%(month)s, scope); only rows whose counts differ are touched."""
    columns = ", ".join(COUNTS)
    assignments = ", ".join(f"{name} = excluded.{name}" for name in COUNTS)
    differs = " OR ".join(f"{T['month']}.{name} <> excluded.{name}" for name in COUNTS)
    # `WHERE 1 = 1` lets SQLite tell the upsert's ON CONFLICT from a join's ON.
    return (
        cte
        + f"""
    INSERT INTO {T["month"]} (unit_id, month, scope, {columns}, computed_at)
    SELECT unit_id, %(month)s, '{scope.value}', {columns}, %(now)s FROM computed WHERE 1 = 1
    ON CONFLICT (unit_id, month, scope) DO UPDATE SET {assignments}, computed_at = excluded.computed_at
    WHERE {differs}
    """
    )


def _delete_stale(cte, scope, unit_filter):
    """Delete the rows of (%(month)s, scope) among the units that the CTE no longer gives (a stale
    `total` row can belong to any ancestor of the units)."""
    return (
        cte
        + f"""
    DELETE FROM {T["month"]}
    WHERE month = %(month)s AND scope = '{scope.value}' AND {unit_filter.format(column="unit_id")}
      AND NOT EXISTS (SELECT 1 FROM computed WHERE computed.unit_id = {T["month"]}.unit_id)
    """
    )


def _execute(cursor, sql, params):
    """Run a write and return how many rows it changed (Python's sqlite3 before 3.12 reports -1
    for a write that starts with WITH; SQLite's own changes() counts it)."""
    cursor.execute(sql, params)
    if cursor.rowcount >= 0:
        return cursor.rowcount
    cursor.execute("SELECT changes()")
    return cursor.fetchone()[0]


def _unit_filter(unit_ids):
    """(SQL template on {column}, params) restricting to the units; None means every unit."""
    if unit_ids is None:
        return "1 = 1", {}
    names = [f"u{i}" for i in range(len(unit_ids))]
    placeholders = ", ".join(f"%({name})s" for name in names)
    return "{column} IN (" + placeholders + ")", dict(zip(names, unit_ids, strict=True))


def _month_recompute(cursor, *, month, unit_ids, now):
    """Recompute `own` of the units and `total` of them and their ancestors, for one month.
    `unit_ids` None: every unit. Returns rows changed."""
    _, end = measures.month_bounds(month)
    adapt = connection.ops.adapt_datetimefield_value
    base = {"month": month, "end": adapt(end), "at": adapt(min(end, now)), "now": adapt(now)}
    changed = 0
    size = min(CHUNK, (connection.features.max_query_params or 2 * CHUNK) // 2)
    chunks = [None] if unit_ids is None else [unit_ids[i : i + size] for i in range(0, len(unit_ids), size)]
    for chunk in chunks:
        unit_filter, unit_params = _unit_filter(chunk)
        params = {**base, **unit_params}
        _own_counts_fill(cursor, unit_filter, params)
        changed += _execute(cursor, _upsert(_OWN_FROM_TABLE, Scope.OWN), params)
        # Against the counts just made, not by asking each row "does any dossier still count?",
        # which reads the unit's whole history: 15 ms against 40 for 500 units.
        changed += _execute(cursor, _delete_stale(_OWN_FROM_TABLE, Scope.OWN, unit_filter), params)
    cursor.execute(f"DROP TABLE IF EXISTS {_OWN_COUNTS}")
    # Totals read the own rows just written, so they come after every chunk of them. With chunks,
    # a shared ancestor is computed more than once: the upsert writes it once, then finds it equal.
    for chunk in chunks:
        unit_filter, unit_params = _unit_filter(chunk)
        params = {**base, **unit_params}
        total = _total_cte(unit_filter)
        changed += _execute(cursor, _upsert(total, Scope.TOTAL), params)
        changed += _execute(cursor, _delete_stale(total, Scope.TOTAL, "{column} IN (SELECT id FROM up)"), params)
    return changed


def _lock():
    """Serialise the statistics jobs. PostgreSQL: a transaction-scoped advisory lock. SQLite: the
    transaction already holds the write lock from BEGIN IMMEDIATE (settings)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(b"dossiers:stats")])


def _take_dirty(cursor, *, last_month):
    """Delete the dirty marks of months up to `last_month` and return them as {month: [unit ids]}.

    DELETE … RETURNING takes exactly the rows it deletes: a mark committed meanwhile by an import
    stays for the next run."""
    cursor.execute(f"DELETE FROM {T['dirty']} WHERE month <= %s RETURNING unit_id, month", [last_month])
    taken = defaultdict(set)
    for unit_id, month in cursor.fetchall():
        taken[month].add(unit_id)
    return {month: sorted(units) for month, units in taken.items()}


def _months_changed(years):
    """Tell the apps above (indicators: the indices computed from dossier statistics) which years'
    statistics changed. Called inside the job's transaction: see dossiers.signals."""
    if years:
        dossier_months_changed.send(sender=DossierMonth, years=years)


def dossier_stats_incremental(*, now=None):
    """Recompute the unit-months new or changed dossiers made stale, and the totals above them.

    The job of kind dossiers.stats. Returns the number of DossierMonth rows changed."""
    now = now or timezone.now()
    changed, years = 0, set()
    with transaction.atomic():
        _lock()
        with connection.cursor() as cursor:
            for month, unit_ids in sorted(_take_dirty(cursor, last_month=measures.month_of(now)).items()):
                month_changed = _month_recompute(cursor, month=month, unit_ids=unit_ids, now=now)
                if month_changed:
                    years.add(month // 100)
                changed += month_changed
        _months_changed(years)
    return changed


def dossier_stats_full(*, now=None):
    """Recompute every unit-month, both scopes, from the first month a dossier was received to the
    current month, and drop every other row; clears the dirty marks up to the current month.

    The nightly job of kind dossiers.stats_full. Gives the same rows as the incremental job would
    have. Returns the number of DossierMonth rows changed."""
    now = now or timezone.now()
    last = measures.month_of(now)
    changed, years = 0, set()
    with transaction.atomic():
        _lock()
        with connection.cursor() as cursor:
            _take_dirty(cursor, last_month=last)
            cursor.execute(f"SELECT MIN(received_month) FROM {T['dossier']}")
            first = cursor.fetchone()[0]
            months = measures.months_between(first, last) if first is not None else []
            # Rows outside [first, last]: every row when there is no dossier at all.
            outside = f"FROM {T['month']} WHERE month < %s OR month > %s"
            bounds = [months[0] if months else last + 1, last]
            cursor.execute(f"SELECT DISTINCT month {outside}", bounds)
            years.update(month // 100 for (month,) in cursor.fetchall())
            changed += _execute(cursor, f"DELETE {outside}", bounds)
            for month in months:
                month_changed = _month_recompute(cursor, month=month, unit_ids=None, now=now)
                if month_changed:
                    years.add(month // 100)
                changed += month_changed
        _months_changed(years)
    return changed
