"""Fault tests: real processes (Redis, PostgreSQL, Celery workers, the web server) started by the
test itself, killed or stopped mid-work, and started again.

Every process here is started by the test that uses it and killed in its `finally`; the machine's
own PostgreSQL (5432) and Redis (6379) are never touched. The children write their logs under the
test's tmp_path, and the logs are printed at teardown: pytest shows them when the test failed.
"""

import contextlib
import http.cookiejar
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import REQUIRE_SERVICES

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def pytest_collection_modifyitems(items):
    # Real processes started, killed and started again: seconds to a minute per test.
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.slow)


def missing(reason):
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def child_logs(tmp_path):
    """Print every child's log after the test; pytest shows it only for a test that failed."""
    yield
    for log in sorted(tmp_path.rglob("*.log")):
        print(f"\n===== {log.name} =====\n{log.read_text(errors='replace')[-20000:]}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, seconds, what, interval=0.1):
    """Poll `condition` until it returns something true; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(interval)


def stop_process(process, *, grace=10):
    """SIGTERM, then SIGKILL after `grace` seconds; a process already gone is left alone."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def app_env(*, database_url, redis_url, **extra):
    """The environment of a reformdash process of the test's: its database and its broker."""
    # tests.subprocess_settings: the tests' fast hasher, so that a user created by the test logs in.
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "tests.subprocess_settings",
    }
    env.update(extra)
    return env


def manage(*args, env, timeout=120):
    """`manage.py <args>` run to the end; fails the test with its output when it fails."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --- Redis -------------------------------------------------------------------------------------
class RedisServer:
    """A redis-server of the test's own, on a free port, keeping its data in an append-only file
    in `directory` so that a restart on the same directory finds the queued messages again."""

    def __init__(self, directory):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            missing("needs redis-server (apt-get install redis-server) to start a broker of its own")
        self.directory = directory
        self.directory.mkdir(exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        with open(self.directory / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                # appendfsync always: a message Redis acknowledged is in the file before SIGKILL.
                [
                    self.binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    str(self.directory),
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                    "--save",
                    "",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(self.answers, seconds=15, what=f"redis-server answering on port {self.port}")
        return self

    def answers(self):
        if self.process.poll() is not None:
            pytest.fail(f"redis-server exited {self.process.returncode}")
        with contextlib.suppress(Exception):
            return self.client().ping()
        return False

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is not None:
            stop_process(self.process, grace=5)


@pytest.fixture
def own_redis(tmp_path):
    """A started RedisServer of the test's own; killed at the end."""
    server = RedisServer(tmp_path / "redis")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def redis_without_server(tmp_path):
    """A RedisServer not started yet: its URL refuses connections until the test starts it."""
    server = RedisServer(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


# --- Celery workers and the web server -------------------------------------------------------------
@contextlib.contextmanager
def web_server(*, env, log):
    """`manage.py runserver` on a free port, without the autoreloader; yields its base URL."""
    port = free_port()
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            # One thread, like a gunicorn sync worker: its database connection lives from request to request.
            [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def answers():
            if process.poll() is not None:
                pytest.fail(f"the web server exited {process.returncode}")
            with contextlib.suppress(OSError):
                return Browser(base).get("/login/")[0] == 200
            return False

        wait_for(answers, seconds=30, what="the web server answering /login/", interval=0.2)
        yield base, process
    finally:
        stop_process(process)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Just enough of a browser: cookies, the CSRF token, no redirects followed, a timeout."""

    def __init__(self, base, *, timeout=30):
        self.base = base
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def request(self, path, data=None):
        """(status, body text, seconds taken)."""
        body = None
        if data is not None:
            token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                status, text = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        return status, text, time.monotonic() - started

    def get(self, path):
        return self.request(path)

    def post(self, path, data):
        return self.request(path, data)

    def log_in(self, username, password):
        self.get("/login/")  # the CSRF cookie
        status, body, _ = self.post("/login/", {"username": username, "password": password})
        assert status == 302, f"logging in as {username} answered {status}:\n{body[:2000]}"


# --- PostgreSQL -----------------------------------------------------------------------------------
class PostgresCluster:
    """A PostgreSQL cluster of the test's own (initdb), on a free port, in a directory of its own.

    Run as the `postgres` OS user when the tests run as root (PostgreSQL refuses root)."""

    def __init__(self, log):
        if not (PG_BIN / "initdb").exists():
            missing(f"needs the PostgreSQL 15 server binaries in {PG_BIN} (apt-get install postgresql-15)")
        self.log = log
        self.port = free_port()
        # Not under tmp_path: pytest's directories are private to root, and the server runs as postgres.
        self.root = Path(tempfile.mkdtemp(prefix="reformdash-faults-pg-"))
        self.data = self.root / "data"
        self.as_postgres = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.user = "postgres" if self.as_postgres else os.environ.get("USER", "postgres")

    def _run(self, *args):
        done = subprocess.run([*self.as_postgres, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def initdb(self):
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            self.user,
            "--no-sync",
            "-E",
            "UTF8",
            "--locale",
            "C",
        )
        return self

    def start(self):
        # fsync off: the test stops the server cleanly; it is not about surviving a power cut.
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def stop(self):
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def url(self, database):
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def connect(self, database="postgres"):
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname=database, connect_timeout=5
        )
        connection.autocommit = True
        return connection

    def destroy(self):
        with contextlib.suppress(Exception):
            if (self.data / "postmaster.pid").exists():
                subprocess.run(
                    [*self.as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                    capture_output=True,
                    timeout=60,
                )
        with contextlib.suppress(OSError):
            self.log.write_text((self.root / "server.log").read_text(errors="replace"))
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def own_postgres(tmp_path):
    """A started PostgreSQL cluster of the test's own; stopped and removed at the end."""
    cluster = PostgresCluster(tmp_path / "postgres.log")
    try:
        yield cluster.initdb().start()
    finally:
        cluster.destroy()


# --- The recompute's advisory lock, held from outside ---------------------------------------------
@pytest.fixture
def lock_holder():
    """A connection of our own to the test database that can hold a recompute's advisory lock, so
    that a worker's recompute waits at a known point, inside its transaction."""
    import psycopg2
    from django.db import connection

    db = connection.settings_dict
    holder = psycopg2.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"], dbname=db["NAME"]
    )
    holder.autocommit = True
    try:
        yield holder
    finally:
        holder.close()


def lock(holder, key):
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])


def unlock(holder, key):
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def waiting_for_lock(holder, key):
    """How many sessions wait for the advisory lock `key`: recomputes stopped inside their transaction."""
    with holder.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1"
            " AND classid::bigint = %s AND objid::bigint = %s",
            [key >> 32, key & 0xFFFFFFFF],
        )
        return cursor.fetchone()[0]
