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
    as well: it reads no temporary table (parallel workers cannot read one). Whether PostgreSQL
    picks a parallel plan depends on the table's size; whether it may is what its debug setting
    shows on any size: the whole statement run by a worker (a Gather on top) when it is
    parallel-safe, in the leader alone when not (checked by hand: with a temporary table of the
    same months, a HashAggregate on top)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's parallel query: SQLite has none")
    with CaptureQueriesContext(connection) as queries:
        dossier_stats_full()
    select = _own_count(queries)
    with connection.cursor() as cursor:
        # debug_parallel_query since PostgreSQL 16, force_parallel_mode before.
        setting = "debug_parallel_query" if connection.pg_version >= 160000 else "force_parallel_mode"
        cursor.execute(f"SET LOCAL {setting} = on")
        cursor.execute("EXPLAIN " + select, [measures.month_of(timezone.now())])
        plan = [row[0] for row in cursor.fetchall()]
    # A Gather on top, or the parallel plan PostgreSQL would choose anyway on a large table: the
    # counts finalised from the workers' partial ones (a Gather under them).
    assert plan[0].startswith(("Gather", "Finalize")), "\n".join(plan)


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
    assert (before, during) == ("4MB", stats.FULL_JOB_WORK_MEM)
