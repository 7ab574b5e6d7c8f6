"""The pages under load: gunicorn on 127.0.0.1 serving the benchmark's database with production
settings (DEBUG off), and locust, headless, with 50 users for 60 s (issue 22: "pages at 50
concurrent readers"). Half are a province's staff, who see every unit; half the head of the
province with the most communes, who sees his province's units only (a reader of part of the
country: his rows of a national ranking, his units' places, no figure of the rest). Each opens, in
equal shares, the ranking of his province's communes, the ranking of every commune of the country
(3,321 at the national size), one of his province's communes' scorecard and a bare Django view
(bench/urls.py). The bare view is the baseline: what the server, the middleware and locust cost
anyway.

The load generator runs on the same cores as the server, so its CPU is counted apart: the CPU
seconds of locust, of gunicorn's processes and of PostgreSQL's over the measured minute, in the
report next to the times (issue 22: "the load generator's cost kept apart from the server's")."""

import csv
import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count

from bench.measure import process_stop
from demo.synthetic import PAR_CODE, table_statistics_refresh
from indicators.models import Index, Result
from indicators.recompute import results_recompute
from units.access import APPRAISER_GROUP, STAFF_GROUP
from units.models import Membership, MembershipRole, Unit, UnitKind

USERS = 50
P95_TARGET_MS = 150
WORK = Path(settings.BASE_DIR) / "var" / "bench"
# locust's request names (bench/locustfile.py) and what each figure says it is.
PAGES = {
    "staff rankings group": "rankings page, a province's communes (staff)",
    "staff rankings all": "rankings page, every commune (staff)",
    "staff scorecard": "scorecard page (staff)",
    "head rankings group": "rankings page, a province's communes (its head)",
    "head rankings all": "rankings page, every commune (a province's head)",
    "head scorecard": "scorecard page (a province's head)",
}


def pages(data, *, runs, seconds=60, redis_url=None):
    """Median and p95 of each page next to the bare view's, errors, and the CPU each side used.
    One run (`runs` does not apply): its thousands of requests are the sample. gunicorn's cache is
    `redis_url`'s, shared by its workers as production's is (without it each worker fills its own)."""
    year = data.size.last_year
    _results_present(year)
    load, province_unit, group, results = readers_load(year)
    every = results.count()
    port = _free_port()
    with _gunicorn(port, env={"REDIS_URL": redis_url} if redis_url else None) as server:
        _warm_up(server.base, load)
        first = _run_locust(server.base, load, seconds=seconds)
        stats, cpu = _locust(server, load, seconds=seconds)
    bare = stats["bare"]
    what = {
        "staff rankings group": f"{group:,} communes of {province_unit.name}",
        "staff rankings all": f"{every:,} communes, the first page",
        "staff scorecard": f"a commune of {province_unit.name}",
        "head rankings group": f"{group:,} communes of {province_unit.name}",
        "head rankings all": f"{every:,} communes; he sees {group:,}",
        "head scorecard": f"a commune of {province_unit.name}",
    }
    figures = [
        _page(PAGES[name], f"{what[name]}, {USERS} users, {seconds} s", stats[name], bare)
        for name in PAGES
        if name in stats
    ]
    return [
        *figures,
        _first_minute(first, seconds=seconds),
        {
            "figure": "bare Django view",
            "what": f"the baseline, {USERS} users, {seconds} s",
            "ours_s": _seconds(bare["median_ms"]),
            **bare,
        },
        {
            "figure": "CPU under load",
            "what": (
                f"server {cpu['gunicorn_s'] + cpu['postgresql_s']:.0f} s (gunicorn {cpu['gunicorn_s']:.0f}, "
                f"PostgreSQL {cpu['postgresql_s']:.0f}, every database {cpu['postgresql_all_s']:.0f}); "
                f"locust {cpu['locust_s']:.0f} s; of {cpu['available_s']:.0f}"
            ),
            "ours_s": None,
            **cpu,
        },
    ]


def readers_load(year):
    """(load, province, group size, results) of the load test's readers (BENCH_LOAD of
    bench/locustfile.py): their sessions, the pages they open and the communes whose scorecards they read."""
    results = Result.objects.filter(index__code=PAR_CODE, year=year, unit__kind=UnitKind.COMMUNE, rank__isnull=False)
    # A real group: the communes of the province that has the most (Đà Nẵng's 94 at the small
    # size, Hồ Chí Minh City's 168 at the national one), as a province's staff opens it.
    province, group = (
        results.values("unit__parent__code")
        .annotate(n=Count("id"))
        .order_by("-n", "unit__parent__code")
        .values_list("unit__parent__code", "n")
        .first()
    )
    communes = list(
        results.filter(unit__parent__code=province).order_by("unit__code").values_list("unit__code", flat=True)
    )
    province_unit = Unit.objects.get(code=province)
    base_query = f"/rankings/?index={PAR_CODE}&year={year}&kind={UnitKind.COMMUNE.value}"
    load = {
        "sessions": {
            "staff": _logged_in_session(_bench_user("bench-staff", staff=True)),
            "head": _logged_in_session(_bench_user("bench-head", head_of=province_unit)),
        },
        "units": communes,
        "rankings_group": f"{base_query}&parent={province}",
        "rankings_all": f"{base_query}&parent=",
        "scorecard_query": f"?index={PAR_CODE}&year={year}",
    }
    return load, province_unit, group, results


def _results_present(year):
    """The index's results of the year and the one before (its previous ranks), computed when the
    pages are measured alone (`--only pages`): the recompute figure leaves them otherwise."""
    index = Index.objects.get(code=PAR_CODE)
    for one in (year - 1, year):
        if not Result.objects.filter(index=index, year=one).exists():
            results_recompute(index_id=index.pk, year=one)
    table_statistics_refresh(Result)


def _bench_user(username, *, staff=False, appraiser=False, head_of=None):
    """A benchmark's user: staff (reads every unit), an appraiser (bench/freshness.py: enters final
    scores, reads every unit) or the head of a unit."""
    user, _ = User.objects.update_or_create(username=username, defaults={"is_active": True})
    user.set_unusable_password()
    user.save()
    for wanted, group in ((staff, STAFF_GROUP), (appraiser, APPRAISER_GROUP)):
        if wanted:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
    if head_of is not None:
        Membership.objects.update_or_create(user=user, unit=head_of, defaults={"role": MembershipRole.HEAD})
    return user


def _first_minute(stats, *, seconds):
    """The readers' first `seconds` on a server just started, before the measured ones: every
    scorecard card and rankings section is rendered for the first time (168 cards at the national
    size, a quarter of the scorecards asked), as after a deploy or a recompute of the index. The
    measured run that follows is the steady state, where a card is kept for SHARED_PART_SECONDS
    (indicators.cache); both are reported, the target read off the second (bench/README.md)."""
    pages = [stats[name] for name in PAGES if name in stats]
    worst = max((page["p95_ms"] for page in pages if page["p95_ms"] is not None), default=None)
    return {
        "figure": "pages, the readers' first minute",
        "what": f"every page's worst p95 while each card is rendered once, {USERS} users, {seconds} s",
        "ours_s": _seconds(worst),
        "p95_ms": worst,
        "medians_ms": {PAGES[name]: stats[name]["median_ms"] for name in PAGES if name in stats},
        "p95s_ms": {PAGES[name]: stats[name]["p95_ms"] for name in PAGES if name in stats},
        "requests": sum(page["requests"] for page in pages),
        "errors": sum(page["errors"] for page in pages),
    }


def _page(name, what, ours, bare):
    timed = ours["p95_ms"] is not None and bare["p95_ms"]
    return {
        "figure": name,
        "what": what,
        "ours_s": _seconds(ours["p95_ms"]),
        "baseline_s": _seconds(bare["p95_ms"]),
        "ratio": round(ours["p95_ms"] / bare["p95_ms"], 2) if timed else None,
        "target_p95_ms": P95_TARGET_MS,
        **ours,
    }


def _seconds(milliseconds):
    return None if milliseconds is None else round(milliseconds / 1000, 4)


def _milliseconds(text):
    """locust writes N/A where a name had no answer to time (every request failed, or none was made)."""
    return None if text == "N/A" else float(text)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _gunicorn:
    """gunicorn serving the benchmark's database, as production runs it; stopped on exit."""

    def __init__(self, port, *, env=None):
        self.port = port
        self.extra_env = env or {}  # bench/freshness.py: Redis, as production has it

    def __enter__(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": str(settings.BASE_DIR),
            # This process's key: the users' session (_logged_in_session) is signed with it.
            "DEBUG": "off",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on 127.0.0.1, no TLS proxy in front: no secure cookies, no redirect to https.
            "SECURE_COOKIES": "off",
            "SECURE_SSL_REDIRECT": "off",
            "LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        WORK.mkdir(parents=True, exist_ok=True)  # the first figure to write there on a new machine
        self.log = (WORK / "gunicorn.log").open("wb")
        # Production's settings (workers, timeout, access log), on a port of its own.
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"),
                "reformdash.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/bench/bare/", timeout=2).read()
                self.base = base
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"gunicorn did not start: see {WORK / 'gunicorn.log'}") from None
                time.sleep(0.3)

    def cpu_seconds(self):
        """User and system CPU of gunicorn's master and workers so far."""
        return _cpu_seconds([psutil.Process(self.process.pid)])

    def __exit__(self, *exc):
        process_stop(self.process)
        self.log.close()


def _logged_in_session(user):
    """The key of a session in which `user` is logged in, as the login view would leave it.

    The users start logged in: twenty logins at once are twenty password hashes (PBKDF2, about
    half a second of CPU each), which stalled the first seconds of every page's figures on two
    cores, and what is measured is reading pages, not logging in."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _warm_up(base, load):
    """A short locust-free-of-figures pass of each page so that the first measured request is not a cold start."""
    _run_locust(base, load, seconds=3, users=2)


def _cpu_seconds(processes):
    """User and system CPU of the processes and their children, living and reaped."""
    total = 0.0
    for process in processes:
        try:
            for one in (process, *process.children(recursive=True)):
                times = one.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            continue
    return total


def _postgresql_processes():
    """PostgreSQL's postmaster on this machine: its children, living and reaped, are the backends
    that serve gunicorn's connections (each counted once, through it)."""
    names = ("postgres", "postmaster")
    roots = []
    for process in psutil.process_iter(["name"]):
        try:
            if process.info["name"] in names and (process.parent() is None or process.parent().name() not in names):
                roots.append(process)
        except psutil.NoSuchProcess:
            continue
    return roots


class _DatabaseBackendsCpu:
    """The CPU of the PostgreSQL backends serving the benchmark's database while a block runs: a
    backend's process title names its database, so the server's other databases (other work on
    the same machine) are not counted, as they are in the postmaster's total. Sampled every
    `interval` seconds: a backend that began during the block counts from zero, and one that ends
    loses at most its last interval's CPU (gunicorn's workers keep theirs, CONN_MAX_AGE). Parallel
    workers, whose title names no database, are not counted: the pages' statements have none."""

    def __init__(self, database, *, interval=0.5):
        self.title = f" {database} "
        self.interval = interval
        self.first, self.last = {}, {}
        self.stopped = threading.Event()

    def _sample(self, *, baseline):
        for process in psutil.process_iter(["cmdline"]):
            try:
                if self.title not in " ".join(process.info["cmdline"] or ()) + " ":
                    continue
                times = process.cpu_times()
            except psutil.Error:
                continue
            spent = times.user + times.system
            self.first.setdefault(process.pid, spent if baseline else 0.0)
            self.last[process.pid] = spent

    def _run(self):
        while not self.stopped.wait(self.interval):
            self._sample(baseline=False)

    def __enter__(self):
        self._sample(baseline=True)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()
        self._sample(baseline=False)

    def seconds(self):
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _locust(server, load, *, seconds):
    """(stats, cpu) of the measured run: each request name's {median_ms, p95_ms, requests, errors},
    and the CPU seconds locust, gunicorn and PostgreSQL used during it, with what the cores offered."""
    postgresql = _postgresql_processes()
    before = {"gunicorn": server.cpu_seconds(), "postgresql": _cpu_seconds(postgresql), "locust": _children_cpu()}
    started = time.monotonic()
    with _DatabaseBackendsCpu(settings.DATABASES["default"]["NAME"]) as backends:
        stats = _run_locust(server.base, load, seconds=seconds)
    wall = time.monotonic() - started
    cpu = {
        "gunicorn_s": round(server.cpu_seconds() - before["gunicorn"], 1),
        # The backends of the benchmark's database; the whole server's (every database's) apart.
        "postgresql_s": round(backends.seconds(), 1),
        "postgresql_all_s": round(_cpu_seconds(postgresql) - before["postgresql"], 1),
        # locust is a child this process waited for: its CPU is in RUSAGE_CHILDREN once it ended.
        "locust_s": round(_children_cpu() - before["locust"], 1),
        "available_s": round(wall * (os.cpu_count() or 1), 1),
    }
    return stats, cpu


def _run_locust(base, load, *, seconds, users=USERS):
    """{request name: {median_ms, p95_ms, requests, errors}} of one headless run."""
    prefix = WORK / "locust"
    command = locust_command(base, seconds=seconds, users=users, prefix=prefix)
    env = {**os.environ, "BENCH_LOAD": json.dumps(load)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 120)
    if result.returncode != 0:
        raise RuntimeError(f"locust failed ({result.returncode}):\n{result.stderr[-2000:]}")
    stats = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            stats[row["Name"]] = {
                "median_ms": _milliseconds(row["Median Response Time"]),
                "p95_ms": _milliseconds(row["95%"]),
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
            }
    return stats


def locust_command(base, *, seconds, users, prefix):
    """The command line of a headless locust run of bench/locustfile.py, its figures in `prefix`_*.csv."""
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--host",
        base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
    ]
