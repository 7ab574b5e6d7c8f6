"""A Celery worker killed with SIGKILL in the middle of a recompute.

What happens: the recompute's transaction dies with the worker's connection, so nothing of it is
written; the job row stays "running", but its lease (a PostgreSQL session lock, jobs.services) is
gone with the connection. The sweep (beat, every minute) finds a running job without its lease,
puts it back to pending and sends it; another worker runs it, and the results are those of a clean
run. The unacknowledged message (acks_late) would also come back after Redis' visibility timeout;
that delivery then finds the job done, or takes it over the same way.
"""

import pytest

from indicators.models import Result
from indicators.recompute import recompute_lock_key, results_recompute
from indicators.services import results_recompute_request
from jobs.models import Job, JobStatus
from tests.conftest import celery_worker, database_url_for_subprocesses
from tests.faults.conftest import app_env, lock, manage, unlock, wait_for, waiting_for_lock
from tests.indicators.test_recompute_concurrency import _rows, many_departments  # noqa: F401 (fixture)

pytestmark = pytest.mark.needs_postgres


def test_a_recompute_whose_worker_is_killed_runs_again_and_leaves_the_rows_of_a_clean_run(
    many_departments, own_redis, lock_holder, tmp_path
):
    par = many_departments
    env = app_env(database_url=database_url_for_subprocesses(), redis_url=own_redis.url)
    key = recompute_lock_key(index_id=par.pk, year=2023)
    job = results_recompute_request(index_id=par.pk, year=2023, send=False)

    lock(lock_holder, key)
    try:
        with celery_worker(env=env, log=tmp_path / "worker-killed.log") as doomed:
            assert manage("jobs_sweep", "--now", env=env).strip() == "1 job(s) sent"
            wait_for(
                lambda: waiting_for_lock(lock_holder, key) == 1,
                seconds=30,
                what="the worker waiting inside the recompute's transaction",
            )
            doomed.kill()
            doomed.wait(timeout=10)
        job.refresh_from_db()
        assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)

        with celery_worker(env=env, log=tmp_path / "worker-second.log"):
            # The dead worker's session gets the lock, cannot answer, and ends: nothing was written.
            unlock(lock_holder, key)
            wait_for(lambda: waiting_for_lock(lock_holder, key) == 0, seconds=30, what="the dead session gone")
            assert not Result.objects.exists()

            def swept_and_done():
                manage("jobs_sweep", "--now", env=env)
                job.refresh_from_db()
                return job.status == JobStatus.DONE

            wait_for(swept_and_done, seconds=60, what="the killed job run again by the second worker", interval=1)
    finally:
        unlock(lock_holder, key)

    assert job.attempts == 2 and job.rows_changed >= 40
    assert "stalled" not in job.error
    assert "Task jobs.execute[" in (tmp_path / "worker-second.log").read_text(errors="replace")
    after_the_kill = _rows()
    assert len(after_the_kill) == 40
    Result.objects.all().delete()
    results_recompute(index_id=par.pk, year=2023)
    assert _rows() == after_the_kill
    assert Job.objects.filter(status=JobStatus.RUNNING).count() == 0
