"""Two beat schedulers sending the nightly recompute at once, and a manual recompute (the
`recompute` command, which the admin's button also runs through the jobs) while the scheduled one
runs.

What happens: each send of `indicators.recompute_all` asks for one job per index and year; a job
already pending is reused, so the second send adds at most one more, for a change made while the
first runs. Every job claims its row before it works, and every recompute of one index and year
takes the same advisory lock, so they run one after the other: the first writes the rows, the
later ones find nothing to change. One set of results, equal to a clean run.
"""

import re
import subprocess
import sys

import pytest
from django.conf import settings

from indicators.models import Result
from indicators.recompute import recompute_lock_key, results_recompute
from jobs.models import Job, JobStatus
from tests.conftest import celery_worker, database_url_for_subprocesses
from tests.faults.conftest import app_env, lock, manage, stop_process, unlock, wait_for, waiting_for_lock
from tests.indicators.test_recompute_concurrency import _rows, many_departments  # noqa: F401 (fixture)

pytestmark = pytest.mark.needs_postgres

BEAT_SENDS_TWICE = """
from reformdash.celery import app
for _ in range(2):  # what two beats do at the scheduled minute
    app.send_task("indicators.recompute_all")
"""


def test_two_scheduled_sends_and_a_manual_recompute_at_once_leave_one_set_of_rows(
    many_departments, own_redis, lock_holder, tmp_path
):
    par = many_departments
    env = app_env(database_url=database_url_for_subprocesses(), redis_url=own_redis.url)
    key = recompute_lock_key(index_id=par.pk, year=2023)
    jobs = Job.objects.filter(kind="results.recompute", key=f"{par.pk}:2023")

    lock(lock_holder, key)
    manual = None
    try:
        with (
            celery_worker(env=env, log=tmp_path / "worker-1.log"),
            celery_worker(env=env, log=tmp_path / "worker-2.log"),
        ):
            manage("shell", "-c", BEAT_SENDS_TWICE, env=env)

            def scheduled_sends_ran():
                logs = "".join((tmp_path / f"worker-{n}.log").read_text(errors="replace") for n in (1, 2))
                return len(re.findall(r"Task indicators\.recompute_all\[[^\]]+\] succeeded", logs)) == 2

            wait_for(scheduled_sends_ran, seconds=30, what="both scheduled sends handled by the workers")
            wait_for(
                lambda: waiting_for_lock(lock_holder, key) >= 1,
                seconds=30,
                what="a scheduled recompute inside its transaction",
            )

            with open(tmp_path / "manual.log", "wb") as log:
                manual = subprocess.Popen(
                    [sys.executable, "manage.py", "recompute", "--index", "par", "--year", "2023"],
                    cwd=settings.BASE_DIR,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )

            def all_inside():
                # Every job of the year claimed, each one's recompute waiting at the lock, the manual one among them.
                running = jobs.filter(status=JobStatus.RUNNING).count()
                return (
                    not jobs.filter(status=JobStatus.PENDING).exists()
                    and running >= 2
                    and waiting_for_lock(lock_holder, key) == running
                )

            wait_for(all_inside, seconds=30, what="the scheduled and the manual recomputes all waiting at the lock")
            assert not Result.objects.exists()

            unlock(lock_holder, key)
            assert manual.wait(timeout=60) == 0, (tmp_path / "manual.log").read_text(errors="replace")
            wait_for(lambda: not jobs.exclude(status=JobStatus.DONE).exists(), seconds=60, what="every job done")
    finally:
        unlock(lock_holder, key)
        if manual is not None:
            stop_process(manual)

    changed = sorted(jobs.values_list("rows_changed", flat=True))
    assert len(changed) in (2, 3) and changed[:-1] == [0] * (len(changed) - 1) and changed[-1] >= 40, changed
    assert set(jobs.values_list("attempts", flat=True)) == {1}
    concurrent = _rows()
    assert len(concurrent) == 40
    Result.objects.all().delete()
    results_recompute(index_id=par.pk, year=2023)
    assert _rows() == concurrent
