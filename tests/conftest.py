"""Shared fixtures: a small unit tree and the fixed cast of users every view test uses.

Tests that need a real Redis or PostgreSQL are marked `needs_redis` / `needs_postgres`. They are
skipped, with the reason, when the service is not configured, and fail instead under
REQUIRE_SERVICES=1 (as .ci/run sets it), so CI cannot pass by skipping them.
"""

import contextlib
import datetime
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import hypothesis
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection
from django.utils import translation

from reformdash.celery import worker_running
from reformdash.lib.env import env_bool
from tests import subprocess_settings
from units.access import APPRAISER_GROUP, STAFF_GROUP
from units.models import Membership, MembershipRole, Unit, UnitKind

REQUIRE_SERVICES = env_bool("REQUIRE_SERVICES")

# Hypothesis profiles: `dev`, the default, is the newcomer's loop: the same examples on every run, so
# a test that checks its generator reached both outcomes (a 302 and a 400) cannot flake; 40 is about
# the fewest with which every such test here gets there (test_form_fuzz's publishing needs 40).
# `ci`, chosen by HYPOTHESIS_PROFILE=ci as .ci/run sets it, generates more, new ones on each run. Registered here,
# before the test modules are imported: a module's own `settings(...)` takes what it does not set
# from the profile loaded at that moment. Every fuzz test here posts through Django (slow, and run
# inside a function-scoped database fixture), so no deadline and no health check against either.
hypothesis.settings.register_profile(
    "dev",
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
)
hypothesis.settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    database=None,  # CI starts from a fresh clone: no examples to replay
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "dev")

# Under pytest-xdist each worker (gw0, gw1, …) gets a Redis database of its own, counting down from
# the one REDIS_URL names (gw0 keeps it, gw1 takes the one below, …): every test empties the cache
# and the worker fixtures purge the "celery" queue, which must not hit another worker's. PostgreSQL
# needs nothing here: pytest-django already names each worker's test database test_<name>_gw<n>.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _redis_url_of_this_worker(url):
    if not url or not XDIST_WORKER.startswith("gw"):
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise pytest.UsageError(f"REDIS_URL={url}: under xdist give a redis:// URL, or run in one process (XDIST=)")
    base = int(parts.path.strip("/") or 0)
    db = base - int(XDIST_WORKER[2:])
    if db < 0:
        raise pytest.UsageError(f"REDIS_URL={url}: too few Redis databases below it for xdist worker {XDIST_WORKER}")
    return urlunsplit(parts._replace(path=f"/{db}"))


def pytest_configure(config):
    # Django's PBKDF2 (a million iterations) costs 0.4–0.7 s per create_user on these cores, and the
    # tests create over 1,500 users; the hash's strength is not what any test proves (healthchecks
    # does the same). The live server runs in this process and shares it; the processes the tests
    # start and log in to get it from tests/subprocess_settings.py.
    settings.PASSWORD_HASHERS = subprocess_settings.PASSWORD_HASHERS

    # Nothing has opened the cache or configured Celery yet at this point (both read the settings
    # lazily), so changing the settings here is enough; the environment carries it to subprocesses.
    redis_url = _redis_url_of_this_worker(settings.REDIS_URL)
    if redis_url != settings.REDIS_URL:
        settings.REDIS_URL = redis_url
        settings.CACHES = {
            alias: {**cache, "LOCATION": redis_url} if cache["BACKEND"].endswith("RedisCache") else cache
            for alias, cache in settings.CACHES.items()
        }
        settings.CELERY_BROKER_URL = redis_url
        os.environ["REDIS_URL"] = redis_url


def _missing(reason):
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("needs_redis") and not settings.REDIS_URL:
        _missing("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/15")
    if item.get_closest_marker("needs_postgres") and connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/reformdash")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: database ids repeat from test to test, and a page's
    cached data (indicators.cache) of an earlier test must not answer for this one's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def english(settings):
    """Messages in English, the language the source and these tests' assertions are written in.

    Vietnamese is the default everywhere, also on the command line and in the API; the catalogue
    is complete (tests/reformdash/test_translations.py), and tests that assert on Vietnamese text
    simply do not use this fixture. Both switches: the default language, which the middleware
    gives requests, and the active one, for code run outside a request."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def build_tree(
    *,
    nation=("VN", "Việt Nam"),
    province=("P", "Tỉnh Thử"),
    dept_a=("A", "Sở A"),
    district_b=("B", "Huyện B"),
    commune_b1=("B1", "Xã B1"),
):
    """Nation → province → (department A, district B → commune B1), valid 2021 onwards; each unit
    given as (code, name)."""
    since = datetime.date(2021, 1, 1)

    def unit(code_name, kind, parent):
        code, name = code_name
        return Unit.objects.create(code=code, name=name, kind=kind, parent=parent, valid_from=parent and since)

    units = {"nation": unit(nation, UnitKind.NATION, None)}
    units["province"] = unit(province, UnitKind.PROVINCE, units["nation"])
    units["dept_a"] = unit(dept_a, UnitKind.DEPARTMENT, units["province"])
    units["district_b"] = unit(district_b, UnitKind.DISTRICT, units["province"])
    units["commune_b1"] = unit(commune_b1, UnitKind.COMMUNE, units["district_b"])
    return type("Tree", (), units)


@pytest.fixture
def tree(db):
    return build_tree()


def _user(username, **kwargs):
    return User.objects.create_user(username=username, password="correct horse battery staple", **kwargs)


@pytest.fixture
def staff(db):
    user = _user("staff")
    user.groups.add(Group.objects.get_or_create(name=STAFF_GROUP)[0])
    return user


@pytest.fixture
def appraiser(db):
    user = _user("appraiser", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=APPRAISER_GROUP)[0])
    return user


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(username="admin", password="correct horse battery staple")


@pytest.fixture
def head_a(tree):
    user = _user("head_a")
    Membership.objects.create(user=user, unit=tree.dept_a, role=MembershipRole.HEAD)
    return user


@pytest.fixture
def head_b(tree):
    user = _user("head_b")
    Membership.objects.create(user=user, unit=tree.district_b, role=MembershipRole.HEAD)
    return user


@pytest.fixture
def outsider(db):
    return _user("outsider")


@pytest.fixture
def tasks_in_process():
    """Run tasks in-process, as the embedded default does, even when REDIS_URL is set: Celery
    reads the flag on every send."""
    from reformdash.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def database_url_for_subprocesses():
    """The URL of the database this test run uses, for processes the test starts."""
    db = connection.settings_dict
    if connection.vendor == "sqlite" and (db["NAME"] == ":memory:" or "mode=memory" in str(db["NAME"])):
        pytest.fail(
            "another process cannot share an in-memory SQLite test database; run with DATABASE_URL=postgres://…"
        )
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@contextlib.contextmanager
def celery_worker(*, env, log, queues=("celery",)):
    """A real `celery worker` subprocess (solo pool, one job at a time) with `env`, named after its
    log file so that two of them can run side by side; stopped at the end. The one launcher of the
    suite: the job tests (running_worker) and the fault tests (tests/faults) both start theirs here."""
    with worker_running(env=env, log=log, queues=queues) as worker:
        yield worker


@contextlib.contextmanager
def running_worker(*, redis_url, queues, log):
    """A real `celery worker` subprocess against `redis_url` and the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocesses(),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "tests.subprocess_settings",
    }
    with celery_worker(env=env, log=log, queues=queues) as worker:
        yield worker


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A worker on the configured Redis, taking this test's own queue and the default one (emptied
    first: REDIS_URL in tests is a database of its own, redis://…/15 in .ci/run). Yields the own queue."""
    import redis

    queue = f"test-{uuid.uuid4().hex[:12]}"
    redis.Redis.from_url(settings.REDIS_URL).delete("celery")
    with running_worker(redis_url=settings.REDIS_URL, queues=[queue, "celery"], log=tmp_path / "worker.log"):
        yield queue
