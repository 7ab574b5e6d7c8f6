"""`make bench`: reformdash's speed as ratios against the database's own time on the same data.

    python bench/run.py                      # Đà Nẵng and Huế, old and new (686 units), 100,000 dossiers: minutes
    python bench/run.py --national           # the whole country, old and new (16,089 units), 1,000,000 dossiers
    python bench/run.py --dossiers 10000000  # up to 10 million
    python bench/run.py --database sqlite:///var/bench.sqlite3
    python bench/run.py --figures dossier_stats   # only some figures (the data is built all the same)

It builds a fresh database of its own (PostgreSQL `reformdash_bench` on 127.0.0.1 when reachable,
else an SQLite file under var/bench/; never the database the app uses), fills it with
generate_synthetic (Vietnam's real administrative units, with synthetic scores) and synthetic
dossiers, and measures each figure as the median of --runs runs
after a warm-up, next to a bare-SQL baseline over the same rows in the same run. It prints a
table and writes the JSON report to var/bench/report.json.

Jobs are queued, not run, while it measures (an in-memory broker no worker reads): each figure is
the work named and nothing the work would trigger after it.
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
# bench.figures.ALL by name (that module needs Django set up, which comes after the arguments).
FIGURES = ("recompute", "dossier_stats", "pages", "imports")


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
        "--figures",
        nargs="+",
        choices=FIGURES,
        default=FIGURES,
        help="only these figures (default: all), e.g. --figures dossier_stats",
    )
    options = parser.parse_args()
    if options.runs < 3:
        parser.error("--runs: at least 3, the median of fewer says little")
    options.dossiers = (
        options.dossiers if options.dossiers is not None else (1_000_000 if options.national else 100_000)
    )
    if not 0 <= options.dossiers <= 10_000_000:
        parser.error("--dossiers: between 0 and 10,000,000")
    return options


def fresh_database(url):
    """Create the benchmark's database anew and point Django at it."""
    if url is None:
        url = PG_URL if _postgres_reachable() else f"sqlite:///{ROOT / 'var' / 'bench' / 'bench.sqlite3'}"
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
    url = fresh_database(options.database)
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bench import figures

    print(
        f"database: {connection.vendor} ({url.split('@')[-1]}); size: {'national' if options.national else 'small'}; "
        f"dossiers: {options.dossiers:,}; runs: {options.runs}",
        flush=True,
    )
    call_command("migrate", verbosity=0)
    data = figures.build(national=options.national, dossiers=options.dossiers)
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
    for figure in (figure for figure in figures.ALL if figure.__name__ in options.figures):
        extra = {"seconds": options.load_seconds} if figure is figures.pages else {}
        result = figure(data, runs=options.runs, **extra)
        report["figures"].append(result)
        print(figures.line(result), flush=True)
    options.report.parent.mkdir(parents=True, exist_ok=True)
    options.report.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(figures.table(report["figures"]))
    print(f"\nJSON report: {options.report}")
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    csv.field_size_limit(1 << 20)
    main()
