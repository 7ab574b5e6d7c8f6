"""Results on the pages after an appraiser saves (issue 22 item 4: "results visible on the pages
≤ 5 s after an appraiser saves, measured end to end with a real worker").

On the benchmark's database it starts a real Celery worker and gunicorn, both on Redis (broker and
cache, as production runs them), and switches this process's broker to the same Redis for the
figure only. Each run, as an appraiser, it saves a changed final score of one commune's assessment
through the appraisal page's service (assessments.services.sheet_save), which asks for the
recompute in its transaction and sends the job after commit; then it polls, over HTTP, the
commune's scorecard and its row of its group's rankings until each shows the new value. The
figure is the seconds from the save's commit to the scorecard showing it, median of the runs; the
job's own times (sent, started, finished: the jobs table) split the wait in the queue from the
recompute's work. The baseline is the recompute alone (indicators.recompute.results_recompute of
the index and year after one changed score) in this process, in the same run.
"""

import contextlib
import datetime
import html
import json
import os
import re
import statistics
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from assessments.models import Assessment
from assessments.services import sheet_save
from assessments.workflow import FROM_STATUSES
from assessments.workflow import Action as Workflow
from bench.load import (
    WORK,
    _bench_user,
    _free_port,
    _gunicorn,
    _logged_in_session,
    _results_present,
    locust_command,
    readers_load,
)
from bench.measure import median_time, process_stop
from demo.synthetic import PAR_CODE
from indicators.models import Criterion, CriterionKind, Index, Result, Score
from indicators.recompute import results_recompute
from indicators.services import RECOMPUTE
from jobs.models import Job, JobStatus
from jobs.services import job_send
from reformdash.celery import worker_running
from reformdash.lib.numbers import in_unit, number
from units.models import UnitKind

TARGET_S = 5.0
POLL_PAUSE_S = 0.05  # between two requests of a page: the page's own time is most of a round
GIVE_UP_S = 180

# The value as the scorecard shows it (templates/units/_scorecard_card.html).
_SCORECARD_VALUE = re.compile(r'<dd class="scorecard-big">(.*?)</dd>', re.S)
_TBODY = re.compile(r"<tbody[^>]*>(.*?)</tbody>", re.S)
# One commune's value, from its scores, as a `sum` methodology computes it (bench/baselines.py).
_UNIT_VALUE = """
SELECT ROUND(SUM(COALESCE(s.final_score, 0)) * 100.0 / SUM(c.max_points), 6)
FROM indicators_score s JOIN indicators_criterion c ON c.id = s.criterion_id
WHERE s.assessment_id = %s AND NOT s.not_applicable
  AND NOT EXISTS (SELECT 1 FROM indicators_criterion k WHERE k.parent_id = c.id)
"""


def freshness(data, *, runs, redis_url, readers=0):
    """The seconds from an appraiser's save to the pages showing its result, against the recompute
    alone; then again while `readers` locust users read the pages (bench/load.py), when asked."""
    import redis

    name = "results on the pages after a save"
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return [{"figure": name, "what": f"not measured: no Redis at {redis_url} ({error})", "ours_s": None}]
    year = data.size.last_year
    _results_present(year)
    index = Index.objects.get(code=PAR_CODE)
    assessment, criterion = _chosen(index, year)
    unit = assessment.unit
    appraiser = _bench_user("bench-appraiser", appraiser=True)
    score = Score.objects.get(assessment=assessment, criterion=criterion)
    original = score.final_score
    # Two final scores, far enough apart to change the value shown (two decimals): each run saves
    # the one that is not stored.
    choices = [Decimal("0.00"), criterion.max_points]

    def other(current):
        return choices[1] if current == choices[0] else choices[0]

    def change_directly():
        Score.objects.filter(pk=score.pk).update(final_score=other(Score.objects.get(pk=score.pk).final_score))

    # The baseline first, while nothing else of this figure runs: the recompute after one changed
    # score, as the worker will run it.
    baseline = median_time(lambda: results_recompute(index_id=index.pk, year=year), runs=runs, before=change_directly)

    key = f"{index.pk}:{year}"
    redis.Redis.from_url(redis_url).delete("celery")  # what an earlier, interrupted run left queued
    env = {"REDIS_URL": redis_url}
    scorecard = f"/units/{unit.code}/?" + urlencode({"index": PAR_CODE, "year": year})
    rankings = "/rankings/?" + urlencode(
        {"index": PAR_CODE, "year": year, "kind": UnitKind.COMMUNE.value, "parent": unit.parent.code, "q": unit.code}
    )
    times, loaded = [], []
    with _broker(redis_url), _worker(env) as worker, _gunicorn(_free_port(), env=env) as server:
        session = _logged_in_session(appraiser)
        reader = _Reader(server.base, session)
        _drain(key, worker)
        shown = _shown_forms(reader, scorecard, rankings, index, assessment)
        save = {
            "reader": reader,
            "assessment": assessment,
            "criterion": criterion,
            "appraiser": appraiser,
            "index": index,
            "key": key,
            "pages": {"scorecard": scorecard, "rankings": rankings},
            "shown": shown,
            "worker": worker,
        }
        for number_ in range(1 + runs):  # the first is a warm-up, untimed
            times_ = _one_save(**save, value=other(Score.objects.get(pk=score.pk).final_score))
            print(f"    run {number_}: " + ", ".join(f"{k} {v}" for k, v in times_.items()), flush=True)
            if number_:
                times.append(times_)
        if readers:
            with _readers(server.base, year, users=readers):
                for number_ in range(runs):
                    times_ = _one_save(**save, value=other(Score.objects.get(pk=score.pk).final_score))
                    print(f"    {readers} readers, run {number_ + 1}: {times_}", flush=True)
                    loaded.append(times_)
        # The score as it was (the database may be shared, and runs again): saved as the runs were.
        if Score.objects.get(pk=score.pk).final_score != original:
            _one_save(**{**save, "value": original})
    what = f"{unit.name}'s scorecard, {PAR_CODE} {year}, after a final score is saved; a real worker"
    results = [_figure(name, what, times, baseline)]
    if loaded:
        results.append(_figure(f"{name}, {readers} readers", f"{what}; {readers} locust users read", loaded, baseline))
    return results


def _figure(name, what, times, baseline):
    medians = {
        key: round(statistics.median(t[key] for t in times), 3)
        for key in times[0]
        if all(t[key] is not None for t in times)
    }
    ours = medians.get("scorecard_s")
    return {
        "figure": name,
        "what": what,
        "ours_s": ours,
        "baseline_s": round(baseline, 4),
        "ratio": round(ours / baseline, 2) if ours and baseline else None,
        "target_s": TARGET_S,
        "medians": medians,
        "runs": times,
        "explained": (
            "seconds from the save's commit: sent_s (message in Redis), started_s (the worker "
            "claimed the job), finished_s (the recompute committed), scorecard_s and rankings_s "
            "(the page showed the new value); work_s = finished - started (the jobs table); "
            "*_request_s: the time of the request that first showed it; *_before_s: a request "
            "of the page just before the save"
        ),
    }


@contextlib.contextmanager
def _readers(base, year, *, users):
    """The load test's readers (bench/load.py, bench/locustfile.py) on gunicorn while the block runs."""
    load = readers_load(year)[0]
    prefix = WORK / "locust-freshness"
    with open(WORK / "locust-freshness.log", "wb") as log:
        process = subprocess.Popen(
            locust_command(base, seconds=GIVE_UP_S * 10, users=users, prefix=prefix),
            env={**os.environ, "BENCH_LOAD": json.dumps(load)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(5)  # every user spawned and reading
        if process.poll() is not None:
            raise RuntimeError(f"locust exited {process.returncode}: see {WORK / 'locust-freshness.log'}")
        yield
    finally:
        process_stop(process)


def _chosen(index, year):
    """A commune's assessment of the year that an appraiser may score, and its self-assessed leaf
    criterion with the most points, scored and applicable: the commune ranked in the middle of the
    largest group of communes."""
    results = Result.objects.filter(index=index, year=year, unit__kind=UnitKind.COMMUNE, rank__isnull=False)
    assessments = Assessment.objects.filter(
        methodology__index=index, methodology__year=year, status__in=FROM_STATUSES[Workflow.APPRAISAL_SCORES]
    )
    ranked = results.filter(unit__in=assessments.values("unit")).select_related("unit__parent")
    chosen = ranked.order_by("rank", "unit__code")[ranked.count() // 2]
    assessment = assessments.select_related("unit__parent", "methodology").get(unit=chosen.unit)
    criterion = (
        Criterion.objects.filter(
            methodology=assessment.methodology,
            children__isnull=True,
            kind=CriterionKind.SELF_ASSESSED,
            scores__assessment=assessment,
            scores__not_applicable=False,
        )
        .order_by("-max_points", "code")
        .first()
    )
    return assessment, criterion


class _Reader:
    """GET pages of gunicorn as a logged-in user; each answer's text."""

    def __init__(self, base, session):
        self.base, self.session = base, session

    def get(self, path):
        request = urllib.request.Request(self.base + path, headers={"Cookie": f"sessionid={self.session}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            if response.status != 200 or response.url != self.base + path:
                raise RuntimeError(f"{path}: {response.status} {response.url}")
            return response.read().decode()


def _scorecard_value(page):
    found = _SCORECARD_VALUE.search(page)
    return html.unescape(found.group(1).strip()) if found else None


def _rankings_body(page):
    found = _TBODY.search(page)
    return html.unescape(found.group(1)) if found else ""


def _shown_forms(reader, scorecard, rankings, index, assessment):
    """How each page writes the value (the scorecard with its unit, the ranking's cell a bare
    number or with it), checked on the value stored now: a figure that polls for a text the page
    never writes would wait forever and measure nothing."""
    value = Result.objects.get(unit=assessment.unit, index=index, year=assessment.methodology.year).value
    with translation.override(settings.LANGUAGE_CODE):
        shown_card = _scorecard_value(reader.get(scorecard))
        if shown_card != in_unit(value, index):
            raise RuntimeError(f"the scorecard shows {shown_card!r} where the result is {in_unit(value, index)!r}")
        body = _rankings_body(reader.get(rankings))
        for form in (in_unit, lambda value, index: number(value)):
            if f">{form(value, index)}<" in body:
                return {"scorecard": in_unit, "rankings": form}
    raise RuntimeError(f"the ranking's row does not show {value}: {body[:500]}")


def _one_save(*, reader, assessment, criterion, appraiser, value, index, key, pages, shown, worker):
    """One save and its times, in seconds from its commit."""
    marks = {}
    # Each page's time now, before the save: what a request costs when nothing has changed.
    before = {}
    for name, path in pages.items():
        asked = time.perf_counter()
        reader.get(path)
        before[name] = time.perf_counter() - asked
    assessment.refresh_from_db()
    with transaction.atomic():
        # Registered first, so it runs first after the commit, before the job is sent.
        transaction.on_commit(lambda: marks.update(commit=time.perf_counter(), commit_at=timezone.now()))
        changed = sheet_save(
            assessment=assessment,
            user=appraiser,
            entering=Workflow.APPRAISAL_SCORES,
            scores={criterion.pk: (value, "bench: end-to-end freshness")},
            version=assessment.version,
        )
        with connection.cursor() as cursor:
            cursor.execute(_UNIT_VALUE, [assessment.pk])
            expected = cursor.fetchone()[0]
    if changed != 1:
        raise RuntimeError(f"the save changed {changed} scores, not 1")
    with translation.override(settings.LANGUAGE_CODE):
        wanted = {name: shown[name](expected, index) for name in pages}
    # Each page polled by a reader of its own, so that one page's time does not delay the other's look.
    with ThreadPoolExecutor(max_workers=len(pages)) as pool:
        polls = {
            name: pool.submit(_poll, reader, path, name=name, wanted=wanted[name], since=marks["commit"])
            for name, path in pages.items()
        }
        seen = {name: poll.result() for name, poll in polls.items()}
    if any(shown_at is None for shown_at, _request in seen.values()):
        raise RuntimeError(f"the pages did not show {wanted} within {GIVE_UP_S} s; seen {seen}; {_log(worker)}")
    job = _job_done(key, after=marks["commit_at"], worker=worker)

    def since_commit(moment):
        return None if moment is None else round((moment - marks["commit_at"]).total_seconds(), 3)

    return {
        "sent_s": since_commit(job.sent_at),
        "started_s": since_commit(job.started_at),
        "finished_s": since_commit(job.finished_at),
        "work_s": round((job.finished_at - job.started_at).total_seconds(), 3),
        "scorecard_s": round(seen["scorecard"][0], 3),
        "rankings_s": round(seen["rankings"][0], 3),
        # How long the request that first showed it took: the page's own time, after a recompute
        # (its group's figures computed again, under the results' new "as of").
        "scorecard_request_s": round(seen["scorecard"][1], 3),
        "rankings_request_s": round(seen["rankings"][1], 3),
        "scorecard_before_s": round(before["scorecard"], 3),
        "rankings_before_s": round(before["rankings"], 3),
    }


def _poll(reader, path, *, name, wanted, since):
    """(seconds from `since` to the answer that first showed `wanted`, that request's own seconds),
    or (None, None) after GIVE_UP_S."""
    while time.perf_counter() - since < GIVE_UP_S:
        asked = time.perf_counter()
        page = reader.get(path)
        answered = time.perf_counter()
        if _scorecard_value(page) == wanted if name == "scorecard" else f">{wanted}<" in _rankings_body(page):
            return answered - since, answered - asked
        time.sleep(POLL_PAUSE_S)
    return None, None


def _job_done(key, *, after, worker):
    """The recompute job the save asked for (requested with it, before its commit), once done."""
    requested = Job.objects.filter(kind=RECOMPUTE, key=key, requested_at__gte=after - datetime.timedelta(seconds=60))
    deadline = time.monotonic() + GIVE_UP_S
    while True:
        job = requested.order_by("-requested_at", "-id").first()
        if job is not None and job.status == JobStatus.FAILED:
            raise RuntimeError(f"the recompute job failed: {job.error}")
        if job is not None and job.status == JobStatus.DONE:
            return job
        if time.monotonic() > deadline:
            raise RuntimeError(f"the recompute job {job} did not finish; {_log(worker)}")
        time.sleep(0.1)


def _drain(key, worker):
    """Send the worker what an earlier figure queued for this index and year to the in-memory
    broker nobody reads, and wait until it is done: a save finds a pending job and adds none."""
    pending = Job.objects.filter(kind=RECOMPUTE, key=key, status__in=[JobStatus.PENDING, JobStatus.RUNNING])
    for job_id in pending.filter(status=JobStatus.PENDING).values_list("pk", flat=True):
        job_send(job_id=job_id)
    deadline = time.monotonic() + GIVE_UP_S
    while pending.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the jobs queued before did not finish; {_log(worker)}")
        time.sleep(0.2)


@contextlib.contextmanager
def _broker(url):
    """This process sends its jobs to `url` while the figure runs, then to the in-memory broker
    again (bench/run.py setup_django). Celery keeps its connection pools once made: they go too."""
    from reformdash.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def forget_connections():
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        with contextlib.suppress(AttributeError, KeyError):
            app.__dict__["amqp"]._producer_pool = None

    forget_connections()
    app.conf.broker_url, app.conf.task_always_eager = url, False
    try:
        yield
    finally:
        forget_connections()
        app.conf.broker_url, app.conf.task_always_eager = saved


@contextlib.contextmanager
def _worker(env):
    """A real `celery worker` (reformdash.celery.worker_running, as the tests start theirs) on the
    benchmark's database and `env`'s Redis; stopped on exit."""
    WORK.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        **env,
        "DJANGO_SETTINGS_MODULE": "reformdash.settings",
        "PYTHONPATH": str(settings.BASE_DIR),
        "DEBUG": "off",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    with worker_running(env=environment, log=WORK / "worker.log", name="bench", start_timeout=60) as worker:
        worker.log = WORK / "worker.log"
        yield worker


def _log(worker):
    return f"its log ({worker.log}) ends:\n{worker.log.read_text(errors='replace')[-2000:]}"
