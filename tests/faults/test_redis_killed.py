"""Redis killed with jobs queued, and scores saved while Redis is down.

What happens:
- Messages Redis acknowledged are in its append-only file (production runs Redis with
  `appendonly yes`); killed and started again on the same directory, Redis has the queue back and
  a worker runs every job once. A worker that was running meanwhile reconnects by itself.
- A save does not need Redis: the job row commits with the scores, and sending the message after
  commit gives up quickly when the broker is down (CELERY_BROKER_TRANSPORT_OPTIONS); the page
  answers at once and the job waits, pending and unsent. When Redis is back the sweep (beat, every
  minute) sends it and a worker recomputes.
"""

from decimal import Decimal as D

import pytest

from assessments.workflow import assessment_submit, self_scores_save
from indicators.models import Index, Result
from indicators.recompute import results_recompute
from jobs.models import Job, JobStatus
from tests.conftest import celery_worker, database_url_for_subprocesses
from tests.faults.conftest import Browser, app_env, manage, wait_for, web_server
from tests.indicators.builders import methodology, score
from tests.indicators.workflow import ids, workflow  # noqa: F401 (fixture)
from units.models import Unit, UnitKind

pytestmark = pytest.mark.needs_postgres

YEARS = (2021, 2022, 2023)


def _rows():
    return list(
        Result.objects.order_by("year", "unit__code").values_list(
            "year", "unit__code", "value", "points", "applicable_max", "rank", "group_size", "previous_rank"
        )
    )


@pytest.fixture
def three_years(transactional_db, tree):
    """PAR of three years for eight departments: three recompute jobs, the later years' previous
    ranks reading the earlier ones."""
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    units = [
        Unit.objects.create(code=f"S{i}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province)
        for i in range(8)
    ]
    for year in YEARS:
        m = methodology(par, year)
        for i, unit in enumerate(units):
            score(m, unit, {"1.1": str((i * year) % 23 + 15), "1.2": str(i % 7 + 10), "2.1": str((i + year) % 13 + 25)})
    return par


REQUEST_THREE_YEARS = """
from django.db import transaction
from indicators.models import Index
from indicators.services import results_recompute_request
par = Index.objects.get(code="par")
with transaction.atomic():
    for year in (2021, 2022, 2023):
        results_recompute_request(index_id=par.pk, year=year)
"""


def test_jobs_queued_when_redis_is_killed_come_back_with_it_and_all_run_once(three_years, own_redis, tmp_path):
    par = three_years
    env = app_env(database_url=database_url_for_subprocesses(), redis_url=own_redis.url)
    manage("shell", "-c", REQUEST_THREE_YEARS, env=env)  # no worker yet: the messages wait in Redis
    jobs = Job.objects.filter(kind="results.recompute")
    assert jobs.count() == 3 and not jobs.filter(sent_at=None).exists()
    assert own_redis.client().llen("celery") == 3

    own_redis.kill()
    own_redis.start()
    assert own_redis.client().llen("celery") == 3, "the queue did not come back from the append-only file"

    with celery_worker(env=env, log=tmp_path / "worker.log"):
        wait_for(lambda: not jobs.exclude(status=JobStatus.DONE).exists(), seconds=60, what="all three jobs done")
    # Run from the messages Redis kept, not sent again by anyone.
    assert list(jobs.values_list("attempts", flat=True)) == [1, 1, 1]
    after_the_kill = _rows()
    assert len(after_the_kill) == 3 * 8

    Result.objects.all().delete()
    for year in YEARS:
        results_recompute(index_id=par.pk, year=year)
    assert _rows() == after_the_kill


def test_scores_saved_while_redis_is_down_are_saved_at_once_and_recomputed_when_it_returns(
    transactional_db,
    workflow,
    head_a,
    appraiser,
    redis_without_server,
    tmp_path,
):
    a = workflow.assessment
    self_scores_save(
        assessment=a,
        user=head_a,
        version=a.version,
        scores=ids(workflow, {"1.1": (D(35), False, ""), "1.2": (D(20), False, ""), "2.1": (D(30), False, "")}),
    )
    assessment_submit(assessment=a, user=head_a)
    a.refresh_from_db()
    env = app_env(
        database_url=database_url_for_subprocesses(),
        redis_url=redis_without_server.url,
        DEBUG="off",
        SECRET_KEY="fault-tests-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="off",
        SECURE_SSL_REDIRECT="off",
    )

    with web_server(env=env, log=tmp_path / "web.log") as (base, _):
        browser = Browser(base)
        browser.log_in("appraiser", "correct horse battery staple")
        data = {"version": str(a.version), "entering": "appraisal_scores", "action": "save"}
        for code, final, reason in (("1.1", "38", "Biên bản thẩm định"), ("1.2", "20", ""), ("2.1", "30", "")):
            data[f"final-{workflow.criteria[code].pk}"] = final
            data[f"reason-{workflow.criteria[code].pk}"] = reason
        status, body, seconds = browser.post(f"/assessments/{a.pk}/", data)
        assert status == 302, body[:3000]
        assert seconds < 5, f"saving took {seconds:.1f} s with the broker down"
        status, body, _ = browser.get(f"/assessments/{a.pk}/")
        assert status == 200, body[:3000]

    job = Job.objects.get(kind="results.recompute")
    assert (job.status, job.sent_at) == (JobStatus.PENDING, None)
    assert not Result.objects.exists()

    redis_without_server.start()
    with celery_worker(env=env, log=tmp_path / "worker.log"):
        assert manage("jobs_sweep", "--now", env=env).strip() == "1 job(s) sent"
        wait_for(lambda: Job.objects.get(pk=job.pk).status == JobStatus.DONE, seconds=30, what="the job done")
    assert Result.objects.get(unit=a.unit, index=workflow.index, year=2024).value == D("88")


def test_a_running_worker_reconnects_to_a_restarted_redis_and_takes_new_jobs(three_years, own_redis, tmp_path):
    env = app_env(database_url=database_url_for_subprocesses(), redis_url=own_redis.url)
    jobs = Job.objects.filter(kind="results.recompute")
    with celery_worker(env=env, log=tmp_path / "worker.log") as running:
        own_redis.kill()
        own_redis.start()
        manage("shell", "-c", REQUEST_THREE_YEARS, env=env)
        wait_for(
            lambda: jobs.count() == 3 and not jobs.exclude(status=JobStatus.DONE).exists(),
            seconds=60,
            what="the three jobs sent after the restart done by the worker started before it",
        )
        assert running.poll() is None
    assert "Connection to broker lost" in (tmp_path / "worker.log").read_text(errors="replace")
    assert Result.objects.count() == 3 * 8
