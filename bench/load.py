"""The pages under load: gunicorn on 127.0.0.1 serving the benchmark's database with production
settings (DEBUG off), and locust, headless, with 20 users for 60 s opening the rankings of the
communes of the province that has the most, the scorecard of one of those communes and a bare
Django view (bench/urls.py) in equal shares. The bare view is the baseline: what the server, the
middleware and locust cost anyway."""

import csv
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count

from demo.synthetic import PAR_CODE
from indicators.models import Result
from units.access import STAFF_GROUP
from units.models import Unit, UnitKind

USERS = 20
P95_TARGET_MS = 300
WORK = Path(settings.BASE_DIR) / "var" / "bench"


def pages(data, *, runs, seconds=60):
    """Median and p95 of the rankings and scorecard pages next to the bare view's, and errors.
    One run (`runs` does not apply): its thousands of requests are the sample."""
    year = data.size.last_year
    user, _ = User.objects.update_or_create(username="bench-staff", defaults={"is_active": True})
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=STAFF_GROUP)[0])
    results = Result.objects.filter(index__code=PAR_CODE, year=year, unit__kind=UnitKind.COMMUNE, rank__isnull=False)
    # A real group: the communes of the province that has the most (Đà Nẵng's 94 at the small
    # size, Hồ Chí Minh City's 168 at the national one), as a province's staff opens it.
    largest = (
        results.values("unit__parent__code")
        .annotate(n=Count("id"))
        .order_by("-n", "unit__parent__code")
        .values_list("unit__parent__code", "n")
        .first()
    )
    province, group = largest
    communes = list(
        results.filter(unit__parent__code=province).order_by("unit__code").values_list("unit__code", flat=True)
    )
    load = {
        "session": _logged_in_session(user),
        "units": communes,
        "rankings": f"/rankings/?index={PAR_CODE}&year={year}&kind={UnitKind.COMMUNE.value}&parent={province}",
        "scorecard_query": f"?index={PAR_CODE}&year={year}",
    }
    name = Unit.objects.get(code=province).name
    port = _free_port()
    with _gunicorn(port) as base:
        for path in (load["rankings"], f"/units/{communes[0]}/{load['scorecard_query']}"):
            _warm_up(base, path, load)
        stats = _locust(base, load, seconds=seconds)
    bare = stats["bare"]
    return [
        _page("rankings page", f"{group:,} communes of {name}, {USERS} users, {seconds} s", stats["rankings"], bare),
        _page("scorecard page", f"a commune of {name}, {USERS} users, {seconds} s", stats["scorecard"], bare),
        {
            "figure": "bare Django view",
            "what": f"the baseline, {USERS} users, {seconds} s",
            "ours_s": _seconds(bare["median_ms"]),
            **bare,
        },
    ]


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

    def __init__(self, port):
        self.port = port

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
        }
        workers = 2 * (os.cpu_count() or 1) + 1  # gunicorn's own advice
        WORK.mkdir(parents=True, exist_ok=True)  # the first figure to write there on a new machine
        self.log = (WORK / "gunicorn.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "reformdash.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
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
                return base
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"gunicorn did not start: see {WORK / 'gunicorn.log'}") from None
                time.sleep(0.3)

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
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


def _warm_up(base, path, load):
    """One locust-free pass of each page so that the first measured request is not a cold start."""
    _locust(base, load, seconds=3, users=2)


def _locust(base, load, *, seconds, users=USERS):
    """{request name: {median_ms, p95_ms, requests, errors}} of one headless run."""
    prefix = WORK / "locust"
    command = [
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
