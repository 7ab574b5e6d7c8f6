"""One load of the demo shared by the tests that read it (tests/demo/test_demo_content.py, the browser
tests' `demo`, tests/browser/conftest.py).

Loading the demo takes seconds (tens of thousands of scores and dossiers, their statistics and every
ranking): it is loaded once, as `make run` loads it, with the after-commit work in-process, outside
any test's transaction, and the database is emptied after, as a transactional test leaves it."""

import contextlib
import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.test import override_settings


def _refuse_a_database_not_made_for_tests():
    """The block ends by emptying the database. pytest-django makes the test database only when a
    test of the session asks for one (`db`, a django_db mark): otherwise this would be the
    developer's own."""
    name = str(connection.settings_dict["NAME"])
    if not (name.startswith("file:memorydb") or Path(name).name.startswith("test_")):
        raise RuntimeError(f"{name} is not a test database: the demo's tests must ask for `db`")


@contextlib.contextmanager
def demo_loaded(django_db_blocker, credentials):
    """The demo loaded for the duration of the block, its passwords written to `credentials`;
    yields {username: password}."""
    from reformdash.celery import app

    with django_db_blocker.unblock():
        _refuse_a_database_not_made_for_tests()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # as the embedded default runs them, even when REDIS_URL is set
    try:
        with django_db_blocker.unblock(), override_settings(DEMO_CREDENTIALS_FILE=credentials):
            call_command("load_demo", stdout=StringIO())
        entries = json.loads(credentials.read_text(encoding="utf-8"))
        yield {entry["username"]: entry["password"] for entry in entries}
    finally:
        app.conf.task_always_eager = eager
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
