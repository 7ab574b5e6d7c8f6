"""The CPU one request of each load-test page costs, alone: what the load test's queue is made of.

    python bench/page_cpu.py --database postgres://postgres@127.0.0.1:5432/reformdash_bench_pages
    python bench/page_cpu.py --database ... --cold      # the shared caches emptied before each request

The load test (bench/load.py) says whether 50 readers are served in time; on 2 cores shared with
the load generator its percentiles are mostly a queue, and what shortens the queue is the CPU a
request costs. This measures that, on a database an earlier `bench/run.py` built (it writes
nothing but the two readers' sessions and users): the load test's pages and readers
(`bench.load.readers_load`), each through Django's test client in this one process, warmed up by
`--warmup` requests, then the median Python CPU (`time.process_time`), wall time and queries of
`--runs` requests. The database's own CPU is in the wall time, not the CPU; on a PostgreSQL of
this machine it is also given apart ("server ms": the CPU its backend spent on the request, read
from /proc/<backend>/schedstat, which waiting for a core does not inflate), and `--queries` lists
each query of a page's last request with its own server CPU and wall time. The cache is this
process's memory unless REDIS_URL is set.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="the database URL of an earlier bench/run.py build")
    parser.add_argument("--runs", type=int, default=7, help="measured requests per page (default 7)")
    parser.add_argument("--warmup", type=int, default=2, help="requests before them (default 2)")
    parser.add_argument("--cold", action="store_true", help="empty the cache before each request")
    parser.add_argument("--only", help="comma-separated page names (default: all), e.g. 'head rankings all'")
    parser.add_argument("--queries", action="store_true", help="each query of a page's last request, its server CPU")
    return parser.parse_args()


def backend_cpu_ns():
    """CPU nanoseconds the PostgreSQL backend of this process's connection has used so far, or None
    when it cannot be read (SQLite, a server on another machine)."""
    from django.db import connection

    if connection.vendor != "postgresql" or connection.connection is None:
        return None
    try:
        with open(f"/proc/{connection.connection.info.backend_pid}/schedstat", encoding="ascii") as schedstat:
            return int(schedstat.read().split()[0])
    except OSError:
        return None


class QueryServerCpu:
    """An execute wrapper: each query's SQL, wall ms and its backend's CPU ms."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        started_server, started = backend_cpu_ns(), time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            wall, ended_server = time.perf_counter() - started, backend_cpu_ns()
            server = None if None in (started_server, ended_server) else (ended_server - started_server) / 1e6
            self.queries.append((sql, wall * 1000, server))


def measure(client, path, *, runs, warmup, cold):
    """(median CPU ms, median wall ms, median queries, median server ms or None, the last
    request's queries as QueryServerCpu.queries) of `runs` requests of `path` after `warmup`."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cpu, wall, queries, server = [], [], [], []
    for number in range(warmup + runs):
        if cold:
            cache.clear()
        # The backend of the request's connection: kept from one request to the next (CONN_MAX_AGE).
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid if connection.vendor == "postgresql" else None
        per_query = QueryServerCpu()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(per_query):
            started_server = backend_cpu_ns()
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            response = client.get(path, HTTP_HOST="127.0.0.1")
            spent_cpu, spent_wall = time.process_time() - started_cpu, time.perf_counter() - started_wall
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.get('Location', '')}")
        ended_server = backend_cpu_ns()
        same_backend = connection.connection is not None and connection.vendor == "postgresql"
        same_backend = same_backend and connection.connection.info.backend_pid == pid
        if number >= warmup:
            cpu.append(spent_cpu * 1000)
            wall.append(spent_wall * 1000)
            queries.append(len(captured))
            if same_backend and None not in (started_server, ended_server):
                server.append((ended_server - started_server) / 1e6)
    return (
        statistics.median(cpu),
        statistics.median(wall),
        statistics.median(queries),
        statistics.median(server) if server else None,
        per_query.queries,
    )


def main():
    options = arguments()
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = options.database
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "off")
    os.environ.setdefault("SECRET_KEY", "bench-page-cpu")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    # As bench/load.py's gunicorn: plain HTTP on 127.0.0.1, no redirect to https.
    os.environ.setdefault("SECURE_COOKIES", "off")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "off")
    # The files from static/ as bench/settings.py serves them: no collectstatic, no warning of it.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.load import readers_load
    from demo.synthetic import NATIONAL, SMALL

    assert NATIONAL.last_year == SMALL.last_year  # the year the load test reads, at either size
    load, province, group, _results = readers_load(NATIONAL.last_year)
    users = {"staff": "bench-staff", "head": "bench-head"}
    pages = {
        "rankings group": load["rankings_group"],
        "rankings all": load["rankings_all"],
        "scorecard": f"/units/{load['units'][len(load['units']) // 2]}/{load['scorecard_query']}",
    }
    only = {name.strip() for name in options.only.split(",")} if options.only else None
    print(
        f"{province.name}: {group} communes; {options.runs} requests after {options.warmup}, "
        f"cache {'emptied each time' if options.cold else 'kept'}"
    )
    print(f"{'page':<24} {'CPU ms':>8} {'wall ms':>8} {'queries':>8} {'server ms':>10}")
    rows = [("bare", "staff", "/bench/bare/")] + [
        (f"{role} {name}", role, path) for role in users for name, path in pages.items()
    ]
    for name, role, path in rows:
        if only and name not in only:
            continue
        client = Client()
        client.force_login(get_user_model().objects.get(username=users[role]))
        cpu, wall, queries, server, last = measure(
            client, path, runs=options.runs, warmup=options.warmup, cold=options.cold
        )
        server_text = f"{server:>10.1f}" if server is not None else f"{'-':>10}"
        print(f"{name:<24} {cpu:>8.1f} {wall:>8.1f} {queries:>8.0f} {server_text}", flush=True)
        if options.queries:  # server ms, wall ms, the statement
            for sql, query_wall, query_server in last:
                spent = f"{query_server:7.2f}" if query_server is not None else f"{'-':>7}"
                print(f"    {spent} {query_wall:7.2f}  {' '.join(sql.split())[:160]}")


if __name__ == "__main__":
    main()
