"""Writes of dossiers: the derived columns, and marking the unit-months a write made stale."""

import zlib

from django.db import connection
from django.utils import timezone

from dossiers import measures
from dossiers.models import Dossier, DossierAdded, DossierMonthDirty
from jobs.services import job_request

STATS_INCREMENTAL = "dossiers.stats"
STATS_FULL = "dossiers.stats_full"


def dossier_derive(dossier):
    """Set the columns the statistics read (month received, month ended, end time less the
    citizen's supplement time, due date plus it) from the dossier's own fields. Call before saving."""
    for name, value in derived_values(
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        completed_at=dossier.completed_at,
        supplement_days=dossier.supplement_days,
    ).items():
        setattr(dossier, name, value)
    return dossier


def derived_values(*, received_at, due_at, completed_at, supplement_days):
    """{column: value} of the derived columns (dossier_derive's) from a dossier's own values."""
    return {
        "received_month": measures.month_of(received_at),
        "completed_month": measures.month_of(completed_at) if completed_at else None,
        "effective_completed_at": measures.effective_completion(completed_at, supplement_days),
        "effective_due_at": measures.effective_due(due_at, supplement_days),
    }


def touched_months(*, received_month, completed_month, now_month=None):
    """The months whose statistics a dossier counts in: from the month it came in to the month it
    was completed, or to this month while it is still pending (it is stock at each month end)."""
    last = completed_month or now_month or measures.month_of(timezone.now())
    return measures.months_between(received_month, max(last, received_month))


def dossier_months_mark_dirty(*, pairs):
    """Record (unit_id, month) pairs as stale and ask for the incremental statistics job.

    Call inside the transaction that writes the dossiers: the pairs and the job commit with them.
    One pending job covers every dirty pair, however many imports add to them."""
    pairs = set(pairs)
    if not pairs:
        return 0
    DossierMonthDirty.objects.bulk_create(
        [DossierMonthDirty(unit_id=unit_id, month=month) for unit_id, month in pairs],
        ignore_conflicts=True,
        batch_size=5000,
    )
    dossier_stats_request()
    return len(pairs)


def dossiers_added_record(*, where="1 = 1", params=(), written=None):
    """Record the dossiers matching `where` (SQL on the dossier row `d`), which the caller has just
    created, as added: the statistics job adds what they count instead of recounting their
    unit-months (dossiers/stats.py), and is asked for. Call inside the transaction that created
    them, under dossier_stats_lock(shared=True), and only for dossiers no job has counted yet.

    PostgreSQL: `written` is instead the statement that creates them, `INSERT … RETURNING id`: the
    ids it returns are recorded in the same statement, with no second look-up of the rows just
    written (50,000 index probes of a batch of new dossiers, 2–3 s at load 5-7)."""
    quote = connection.ops.quote_name
    added_table = quote(DossierAdded._meta.db_table)
    rows = quote(Dossier._meta.db_table)
    prefix = ""
    if written is not None:
        prefix, rows = f"WITH written AS ({written}) ", "written"
    with connection.cursor() as cursor:
        cursor.execute(
            f"{prefix}INSERT INTO {added_table} (dossier_id) "
            f"SELECT d.id FROM {rows} d WHERE {where} "
            "ON CONFLICT (dossier_id) DO NOTHING",
            params,
        )
        added = cursor.rowcount
    if added:
        dossier_stats_request()
    return added


def dossier_stats_lock(*, shared):
    """PostgreSQL: the statistics jobs take this transaction-scoped advisory lock alone, the writes
    of new dossiers shared. A job then never runs while a transaction that records added dossiers
    is in flight, so a dossier it counts from the table is never also one it leaves in the added
    queue to be added again. SQLite: BEGIN IMMEDIATE (settings) already serialises every writer."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
            cursor.execute(f"SELECT {function}(%s)", [zlib.crc32(b"dossiers:stats")])


def dossier_stats_request():
    """Ask for the incremental statistics job, which recomputes every stale unit-month (one pending
    job covers them all). Call in the transaction that marked them."""
    job_request(kind=STATS_INCREMENTAL, key="all", arguments={})
