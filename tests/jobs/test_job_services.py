"""Jobs are recorded with the change, coalesce, run once, and are swept up when their message is lost."""

from datetime import timedelta

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from jobs import services
from jobs.models import Job, JobStatus
from jobs.services import job_kind_register, job_request, job_run, jobs_sweep

CALLS = []


def _count(**arguments):
    CALLS.append(arguments)
    return 7


def _explode(**arguments):
    raise ValueError("the methodology has no criteria")


def _locked(**arguments):
    raise OperationalError("database is locked")


# These tests are about the bookkeeping; tests/jobs/test_jobs_with_redis.py uses a real worker.
pytestmark = pytest.mark.usefixtures("tasks_in_process")


@pytest.fixture(autouse=True)
def kinds():
    CALLS.clear()
    job_kind_register(kind="test.count", work=_count)
    job_kind_register(kind="test.explode", work=_explode)
    job_kind_register(kind="test.locked", work=_locked)
    yield
    for kind in ("test.count", "test.explode", "test.locked"):
        services._WORK.pop(kind)


def test_a_burst_of_requests_leaves_one_pending_job_and_runs_it_once_after_commit(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            jobs = [job_request(kind="test.count", key="par:2023", arguments={"year": 2023}) for _ in range(50)]
            assert CALLS == []  # nothing runs before the change commits
    assert len({job.pk for job in jobs}) == 1 and len(callbacks) == 1
    job = Job.objects.get()
    assert (job.status, job.attempts, job.rows_changed) == (JobStatus.DONE, 1, 7)
    assert CALLS == [{"year": 2023}]


def test_a_rolled_back_change_leaves_no_job(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            job_request(kind="test.count", key="par:2023", arguments={})
            raise RuntimeError("the import failed")
    assert not Job.objects.exists() and CALLS == []


def test_different_keys_are_different_jobs(db):
    job_request(kind="test.count", key="par:2023", arguments={}, send=False)
    job_request(kind="test.count", key="par:2024", arguments={}, send=False)
    assert Job.objects.filter(status=JobStatus.PENDING).count() == 2


def test_a_change_while_a_job_runs_gets_a_new_pending_job(db):
    first = job_request(kind="test.count", key="k", arguments={}, send=False)
    Job.objects.filter(pk=first.pk).update(status=JobStatus.RUNNING)
    second = job_request(kind="test.count", key="k", arguments={}, send=False)
    assert second.pk != first.pk


def test_a_job_runs_once_however_often_it_is_delivered(db):
    job = job_request(kind="test.count", key="k", arguments={}, send=False)
    assert job_run(job_id=job.pk).status == JobStatus.DONE
    assert job_run(job_id=job.pk) is None
    assert len(CALLS) == 1


def test_a_failing_job_records_its_error_and_the_error_reaches_the_caller(db):
    job = job_request(kind="test.explode", key="k", arguments={}, send=False)
    with pytest.raises(ValueError):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.error == "ValueError: the methodology has no criteria"


def test_a_job_failing_in_process_fails_alone_not_the_change_that_asked_for_it(
    db, django_capture_on_commit_callbacks, caplog
):
    # With no broker a job runs when it is sent, after the commit of the change that asked for it:
    # its failure is recorded on its row, and neither reaches that change nor stops the next job.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            failing = job_request(kind="test.explode", key="bad:2024", arguments={})
            other = job_request(kind="test.count", key="par:2024", arguments={"year": 2024})
    assert len(callbacks) == 2
    failing.refresh_from_db()
    other.refresh_from_db()
    assert (failing.status, failing.error) == (JobStatus.FAILED, "ValueError: the methodology has no criteria")
    assert failing.finished_at is not None
    assert (other.status, other.rows_changed) == (JobStatus.DONE, 7) and CALLS == [{"year": 2024}]
    assert f"job {failing.pk} failed: ValueError: the methodology has no criteria" in caplog.text


def test_a_transient_error_puts_the_job_back_to_pending_for_a_retry(db):
    job = job_request(kind="test.locked", key="k", arguments={}, send=False)
    with pytest.raises(OperationalError):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.PENDING, 1)
    assert "database is locked" in job.error


def test_the_sweep_sends_a_pending_job_whose_message_was_lost(db):
    job = job_request(kind="test.count", key="k", arguments={}, send=False)  # as if the broker was down
    assert jobs_sweep() == 0  # too fresh: its message may still be on the way
    assert jobs_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.sent_at is not None


def test_the_sweep_runs_again_a_job_whose_worker_died(db, settings):
    job = job_request(kind="test.count", key="k", arguments={}, send=False)
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=stale, attempts=1, sent_at=stale)
    assert jobs_sweep() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_changed) == (JobStatus.DONE, 2, 7)


def test_a_dead_workers_job_gives_way_to_a_newer_pending_one(db, settings):
    old = job_request(kind="test.count", key="k", arguments={}, send=False)
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    Job.objects.filter(pk=old.pk).update(status=JobStatus.RUNNING, started_at=stale)
    newer = job_request(kind="test.count", key="k", arguments={}, send=False)
    jobs_sweep(now=timezone.now() + timedelta(minutes=2))
    old.refresh_from_db()
    newer.refresh_from_db()
    assert old.status == JobStatus.FAILED and "newer pending job" in old.error
    assert newer.status == JobStatus.DONE and len(CALLS) == 1


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(ValueError):
        job_request(kind="nope", key="k", arguments={})
