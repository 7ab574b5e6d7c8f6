"""The lease of a running job (PostgreSQL): a job whose worker holds it is left alone, and one that
is running without it, because its worker died, is run again at once, by the next delivery of its
message or by the sweep. tests/faults/test_worker_killed.py does this with a real worker killed."""

from datetime import timedelta

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from jobs import services
from jobs.models import Job, JobStatus
from jobs.services import job_kind_register, job_request, job_run, jobs_sweep

pytestmark = [pytest.mark.needs_postgres, pytest.mark.usefixtures("tasks_in_process")]


@pytest.fixture(autouse=True)
def count_kind():
    job_kind_register(kind="test.count", work=lambda **arguments: 7)
    yield
    services._WORK.pop("test.count")


@pytest.fixture
def running_job(db):
    """A job marked running a moment ago, as a worker leaves it when it is killed."""
    job = job_request(kind="test.count", key="k", arguments={}, send=False)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now(), attempts=1)
    return job


@pytest.fixture
def live_worker(running_job):
    """Another session holding the job's lease, as the worker running it does."""
    db = connection.settings_dict
    other = psycopg2.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"], dbname=db["NAME"]
    )
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [services._LEASE_CLASS, running_job.pk])
    yield other
    other.close()


def test_a_redelivered_message_takes_over_a_running_job_whose_lease_is_free(running_job):
    job = job_run(job_id=running_job.pk)
    assert (job.status, job.attempts, job.rows_changed) == (JobStatus.DONE, 2, 7)


def test_the_sweep_runs_again_at_once_a_running_job_whose_lease_is_free(running_job):
    assert jobs_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    running_job.refresh_from_db()
    assert (running_job.status, running_job.attempts) == (JobStatus.DONE, 2)


def test_a_job_whose_worker_holds_the_lease_is_left_to_it(running_job, live_worker):
    assert job_run(job_id=running_job.pk) is None
    assert jobs_sweep(now=timezone.now() + timedelta(hours=2)) == 0
    running_job.refresh_from_db()
    assert (running_job.status, running_job.attempts) == (JobStatus.RUNNING, 1)


def test_the_lease_is_let_go_when_the_job_ends(running_job):
    job_run(job_id=running_job.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND pid = pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 0
