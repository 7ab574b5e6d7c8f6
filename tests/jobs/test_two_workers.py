"""Scaling out: two Celery workers (two processes, as on two machines) against one PostgreSQL and one
Redis recompute the same index and year at the same time, and the results end as one set of rows,
equal to a clean run. A message delivered twice runs its job once."""

import time
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from indicators.models import Result
from indicators.recompute import recompute_lock_key, results_recompute
from indicators.services import results_recompute_request
from jobs.models import Job, JobStatus
from jobs.services import job_send
from tests.conftest import running_worker
from tests.indicators.test_recompute_concurrency import _rows, many_departments  # noqa: F401 (fixture)

pytestmark = [pytest.mark.needs_redis, pytest.mark.needs_postgres]


@pytest.fixture
def two_workers(transactional_db, tmp_path):
    import redis

    redis.Redis.from_url(settings.REDIS_URL).delete("celery")
    queues = [f"test-{uuid.uuid4().hex[:12]}", "celery"]
    with running_worker(redis_url=settings.REDIS_URL, queues=queues, log=tmp_path / "worker-1.log"):
        with running_worker(redis_url=settings.REDIS_URL, queues=queues, log=tmp_path / "worker-2.log"):
            yield tmp_path


def _wait_for(job, *statuses, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        time.sleep(0.1)
    pytest.fail(f"job {job.pk} is {job.status}, not {statuses}")


@pytest.fixture
def lock_holder():
    """A connection of our own that can hold a recompute's advisory lock, as a third worker would."""
    db = connection.settings_dict
    holder = psycopg2.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"], dbname=db["NAME"]
    )
    holder.autocommit = True
    yield holder
    holder.close()


def test_two_workers_recomputing_the_same_year_at_once_write_one_set_of_rows(
    two_workers, many_departments, lock_holder
):
    par = many_departments
    key = recompute_lock_key(index_id=par.pk, year=2023)
    with lock_holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])

    # One worker takes the first job and waits at the lock. A change while it runs asks for a new
    # job (the first is no longer pending), which the other worker takes: both are now inside.
    first = _wait_for(results_recompute_request(index_id=par.pk, year=2023), JobStatus.RUNNING)
    second = results_recompute_request(index_id=par.pk, year=2023)
    assert second.pk != first.pk
    second = _wait_for(second, JobStatus.RUNNING)
    # The broker delivers the first job's message again (a lost acknowledgement): nothing more runs.
    assert job_send(job_id=first.pk)
    time.sleep(2)
    assert not Result.objects.exists(), "a worker wrote results without taking the recompute's lock"
    assert Job.objects.filter(status=JobStatus.RUNNING).count() == 2

    with lock_holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    first, second = _wait_for(first, JobStatus.DONE), _wait_for(second, JobStatus.DONE)
    concurrent = _rows()
    assert len(concurrent) == 40
    # One wrote the rows (inserted, then ranked); the later one found nothing left to do.
    assert min(first.rows_changed, second.rows_changed) == 0 and max(first.rows_changed, second.rows_changed) >= 40
    assert [first.attempts, second.attempts] == [1, 1]
    logs = [(two_workers / f"worker-{n}.log").read_text(errors="replace") for n in (1, 2)]
    assert all("Task jobs.execute[" in log for log in logs), "each worker ran one of the jobs"

    Result.objects.all().delete()
    results_recompute(index_id=par.pk, year=2023)
    assert _rows() == concurrent
