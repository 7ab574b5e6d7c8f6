"""How PostgreSQL runs the full statistics job's count over every dossier (dossiers/stats.py):
in parallel workers when the table is large enough, and in memory (bench/README.md, "The full
job's count in parallel")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers import measures, stats
from dossiers.stats import dossier_stats_full
from tests.dossiers.test_stats import example  # noqa: F401 (the fixture: dossiers of every kind)

pytestmark = pytest.mark.django_db


def _own_count(queries):
    """The full job's statement that counts every dossier, without its CREATE … AS."""
    sql = next(query["sql"] for query in queries if "dossier_stats_own AS" in query["sql"])
    return sql.split(" AS", 1)[1]


def test_the_count_over_every_dossier_may_run_in_parallel_workers(example):  # noqa: F811
    """The baseline's GROUP BY runs in two workers beside the leader; the job's must be allowed to
    as well: no temporary table read (parallel workers cannot read one), nothing that fences a
    subquery (OFFSET). Forced here on a small table by making parallel plans free."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's parallel query: SQLite has none")
    with CaptureQueriesContext(connection) as queries:
        dossier_stats_full()
    select = _own_count(queries)
    last = measures.month_of(timezone.now())
    with connection.cursor() as cursor:
        for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
            cursor.execute(f"SET LOCAL {setting} = 0")
        cursor.execute("EXPLAIN " + select, [last])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The counting itself in the workers (a partial aggregate under the Gather), not only the scan.
    assert "Gather" in plan and "Partial" in plan and "Parallel Seq Scan" in plan, plan


def test_the_full_job_counts_with_its_own_memory_for_its_transaction(example):  # noqa: F811
    """At the default 4 MB the national count spilled to disk in 33 batches; the job sets more for
    its own transaction (here the test's, which holds the job's)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's work_mem")
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        before = cursor.fetchone()[0]
        dossier_stats_full()
        cursor.execute("SHOW work_mem")
        during = cursor.fetchone()[0]
    assert (before, during) == ("4MB", getattr(stats, "FULL_JOB_WORK_MEM", before + ", unchanged"))
