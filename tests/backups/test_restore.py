"""The restore drill of docs/operations.md "Backups", run for real: pg_dump the database, pg_restore it into a
new one, and the rankings read from the copy are the rankings of the original.

The dump must see committed rows, so this uses transactional_db, not the rolled-back db fixture."""

import io
import os
import subprocess
import sys
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.indicators.builders import par_computed
from units.models import UnitKind

pytestmark = pytest.mark.needs_postgres

# Each ranking's group: (kind, parent code or None).
GROUPS = [(UnitKind.DEPARTMENT, None), (UnitKind.DISTRICT, "P"), (UnitKind.COMMUNE, "B")]


# PAR scores on (1.1, 1.2, 2.1): equal values share a rank, and 2024 has a previous year's rank.
SCORES = {
    2023: {
        "A": ("30", "20", "30"),
        "A2": ("35", "20", "30"),
        "B": ("20", "20", "30"),
        "C": ("25", "20", "30"),
        "B1": ("10", "20", "30"),
        "B2": ("11", "20", "NA"),
    },
    2024: {
        "A": ("38.5", "20", "30"),
        "A2": ("38.5", "20", "30"),
        "B": ("33.25", "20", "30"),
        "C": ("20", "20", "30"),
        "B1": ("12", "20", "30"),
        "B2": ("9", "20", "NA"),
    },
}


@pytest.fixture
def ranked(transactional_db, tree):
    """PAR 2023 and 2024 for departments, districts and communes, computed, with bands, and the
    province's published rank."""
    extra = [
        ("A2", "Sở A2", UnitKind.DEPARTMENT, "P"),
        ("C", "Huyện C", UnitKind.DISTRICT, "P"),
        ("B2", "Xã B2", UnitKind.COMMUNE, "B"),
    ]
    return par_computed(tree, scores=SCORES, extra_units=extra, published_year=2024)


def _rankings_here():
    out = {}
    for kind, parent in GROUPS:
        stdout = io.StringIO()
        call_command(
            "export_rankings",
            "--index",
            "par",
            "--year",
            "2024",
            "--kind",
            kind,
            *(["--parent", parent] if parent else []),
            stdout=stdout,
        )
        out[(kind, parent)] = stdout.getvalue()
    return out


def _rankings_in(database_url):
    """The same rankings, read by another process from the database at `database_url`."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": ""}
    out = {}
    for kind, parent in GROUPS:
        command = [
            sys.executable,
            "manage.py",
            "export_rankings",
            "--index",
            "par",
            "--year",
            "2024",
            "--kind",
            kind,
            *(["--parent", parent] if parent else []),
        ]
        done = subprocess.run(command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        out[(kind, parent)] = done.stdout
    return out


def _server():
    db = connection.settings_dict
    args = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres"]
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    return db, args, env


def _admin_connection():
    db, _args, _env = _server()
    admin = psycopg2.connect(
        dbname="postgres",
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    admin.autocommit = True
    return admin


@pytest.fixture
def new_database():
    """The name of a new, empty database, dropped after the test whatever happens."""
    name = f"reformdash_restore_{uuid.uuid4().hex[:12]}"
    admin = _admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_a_dump_restored_into_a_new_database_gives_the_same_rankings(ranked, new_database, tmp_path):
    expected = _rankings_here()
    assert "A2" in expected[(UnitKind.DEPARTMENT, None)] and "B2" in expected[(UnitKind.COMMUNE, "B")]
    db, server, env = _server()
    dump = tmp_path / "reformdash.dump"
    subprocess.run(["/usr/bin/pg_dump", "-Fc", *server, "-f", str(dump), db["NAME"]], env=env, check=True, timeout=120)
    subprocess.run(
        ["/usr/bin/pg_restore", "--no-owner", "--exit-on-error", *server, "-d", new_database, str(dump)],
        env=env,
        check=True,
        timeout=120,
    )

    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    url = f"postgres://{db['USER'] or 'postgres'}:{db['PASSWORD'] or ''}@{host}:{port}/{new_database}"
    assert _rankings_in(url) == expected


def test_the_restored_database_counts_the_same_rows(ranked, new_database, tmp_path):
    """Nothing is left behind by the dump: every table of the project has its rows in the copy."""
    db, server, env = _server()
    dump = tmp_path / "reformdash.dump"
    subprocess.run(["/usr/bin/pg_dump", "-Fc", *server, "-f", str(dump), db["NAME"]], env=env, check=True, timeout=120)
    subprocess.run(
        ["/usr/bin/pg_restore", "--no-owner", "--exit-on-error", *server, "-d", new_database, str(dump)],
        env=env,
        check=True,
        timeout=120,
    )
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        here = {table: _count(cursor, table) for table in tables}
    copy = psycopg2.connect(
        dbname=new_database,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    try:
        with copy.cursor() as cursor:
            there = {table: _count(cursor, table) for table in tables}
    finally:
        copy.close()
    assert there == here
    assert here["indicators_result"] > 0


def _count(cursor, table):
    cursor.execute(f'SELECT count(*) FROM "{table}"')
    return cursor.fetchone()[0]
