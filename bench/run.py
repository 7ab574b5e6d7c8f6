"""`make bench`: reformdash's speed as ratios against the database's own time on the same data.

    python bench/run.py                      # Đà Nẵng and Huế, old and new (686 units), 100,000 dossiers: minutes
    python bench/run.py --national           # the whole country, old and new (16,089 units), 1,000,000 dossiers
    python bench/run.py --dossiers 10000000  # up to 10 million
    python bench/run.py --database sqlite:///var/bench.sqlite3
    python bench/run.py --national --reuse --only pages   # the pages again on the database the last run built
    python bench/run.py --history [--sizes 10000000,30000000]  # years of dossiers: bench/history.py

It builds a fresh database of its own (PostgreSQL `reformdash_bench` on 127.0.0.1 when reachable,
else an SQLite file under var/bench/; never the database the app uses), fills it with
generate_synthetic (Vietnam's real administrative units, with synthetic scores) and synthetic
dossiers, and measures each figure as the median of --runs runs
after a warm-up, next to a bare-SQL baseline over the same rows in the same run. It prints a
table and writes the JSON report to var/bench/report.json.

Jobs are queued, not run, while it measures (an in-memory broker no worker reads): each figure is
the work named and nothing the work would trigger after it. The exception is `freshness`, which
measures that chain: it sends its jobs to a real worker on Redis (--redis) while it runs.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "var" / "bench" / "report.json"
PG_URL = "postgres://postgres@127.0.0.1:5432/reformdash_bench"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", action="store_true", help="the full national size")
    parser.add_argument(
        "--dossiers", type=int, help="dossiers to generate (default 100,000; 1,000,000 with --national)"
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure, after one warm-up (at least 3)")
    parser.add_argument("--database", help=f"database URL (default {PG_URL} when reachable, else SQLite)")
    parser.add_argument("--load-seconds", type=int, default=60, help="how long the load test runs (default 60)")
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument(
        "--freshness-readers",
        type=int,
        default=50,
        help="freshness: the saves again while this many locust users read the pages (0: not)",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        help="the Redis of gunicorn (its cache, shared by its workers as in production) and of the "
        "freshness figure's worker (default $REDIS_URL, else redis://127.0.0.1:6379/0); its queue "
        "'celery' is emptied first",
    )
    parser.add_argument(
        "--only",
        help=f"comma-separated figures to measure, of {', '.join(FIGURES)} (default: all)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the database an earlier run built with the same size and dossiers, if there is one, "
        "instead of building it again (the national size takes 20 minutes to build)",
    )
    options = parser.parse_args()
    if options.runs < 3:
        parser.error("--runs: at least 3, the median of fewer says little")
    options.dossiers = (
        options.dossiers if options.dossiers is not None else (1_000_000 if options.national else 100_000)
    )
    if not 0 <= options.dossiers <= 10_000_000:
        parser.error("--dossiers: between 0 and 10,000,000")
    options.only = [name.strip() for name in options.only.split(",")] if options.only else list(FIGURES)
    if unknown := set(options.only) - set(FIGURES):
        parser.error(f"--only: no figure {', '.join(sorted(unknown))}; the figures are {', '.join(FIGURES)}")
    return options


# The figures in the order they run (bench/figures.ALL), by the names --only takes.
FIGURES = ("recompute", "dossier_stats", "pages", "freshness", "imports")


def _built_marker(url):
    """The file that says what an earlier run built in the database at `url`: --reuse reads it."""
    return ROOT / "var" / "bench" / f"built-{url.rsplit('/', 1)[-1]}.json"


def _reusable(url, options):
    """The build summary of the database at `url` when an earlier run built it with these options."""
    marker = _built_marker(url)
    if not options.reuse or not marker.exists():
        return None
    built = json.loads(marker.read_text(encoding="utf-8"))
    if built["national"] != options.national or built["dossiers"] != options.dossiers:
        return None
    return built["summary"]


def database_url(url):
    return url or (PG_URL if _postgres_reachable() else f"sqlite:///{ROOT / 'var' / 'bench' / 'bench.sqlite3'}")


def fresh_database(url):
    """Create the benchmark's database anew and point Django at it."""
    _built_marker(url).unlink(missing_ok=True)
    if url.startswith("sqlite:"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    else:
        from urllib.parse import urlsplit

        import psycopg2

        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        admin = psycopg2.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password or "",
            dbname="postgres",
        )
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
    return use_database(url)


def use_database(url):
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    return url


def _postgres_reachable():
    try:
        import psycopg2

        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=2).close()
        return True
    except psycopg2.Error:
        return False


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reformdash.settings")
    # Measured as production runs, here and in the import commands' child processes (which inherit
    # this environment): with DEBUG on, Django keeps the last 9,000 statements in memory, which an
    # import of a million dossiers showed as 600 MB of its own.
    os.environ.setdefault("DEBUG", "off")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    import django

    django.setup()
    from reformdash.celery import app

    # Queue jobs where nobody reads them: see the module docstring.
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://localhost/"


def main():
    options = arguments()
    url = database_url(options.database)
    summary = _reusable(url, options)
    use_database(url) if summary is not None else fresh_database(url)
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bench import figures, targets

    print(
        f"database: {connection.vendor} ({url.split('@')[-1]}); size: {'national' if options.national else 'small'}; "
        f"dossiers: {options.dossiers:,}; runs: {options.runs}",
        flush=True,
    )
    call_command("migrate", verbosity=0)
    if summary is not None:
        print(f"data: reused, as an earlier run built it: {summary}", flush=True)
        data = figures.reused(national=options.national, summary=summary)
    else:
        data = figures.build(national=options.national, dossiers=options.dossiers)
        marker = {"national": options.national, "dossiers": options.dossiers, "summary": data.summary}
        _built_marker(url).parent.mkdir(parents=True, exist_ok=True)
        _built_marker(url).write_text(json.dumps(marker) + "\n", encoding="utf-8")
    report = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "system": platform.platform(),
            "cpus": os.cpu_count(),
            "database": connection.vendor,
            "database_version": figures.database_version(),
        },
        "size": data.summary,
        "figures": [],
    }
    for figure in (figure for figure in figures.ALL if figure.__name__ in options.only):
        extra = {"seconds": options.load_seconds, "redis_url": options.redis} if figure is figures.pages else {}
        extra = (
            {"redis_url": options.redis, "readers": options.freshness_readers} if figure is figures.freshness else extra
        )
        result = figure(data, runs=options.runs, **extra)
        report["figures"].append(result)
        print(figures.line(result), flush=True)
    report["targets"] = targets.targets(report["figures"])
    options.report.parent.mkdir(parents=True, exist_ok=True)
    options.report.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(figures.table(report["figures"]))
    print("\nIssue 22's targets on this run (bench/targets.py):")
    print(targets.table(report["targets"]))
    print(f"\nJSON report: {options.report}")
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    csv.field_size_limit(1 << 20)
    if "--history" in sys.argv:
        # Its own database and figures (bench/history.py): the history's length, not the app's.
        sys.argv.remove("--history")
        sys.path.insert(0, str(ROOT))
        from bench import history

        history.main()
    else:
        main()
