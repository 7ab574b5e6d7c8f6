"""Jobs against a real Redis and a real Celery worker: end to end, and with the broker down at save time."""

import os
import shutil
import socket
import subprocess
import sys
import time
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.db import transaction

from indicators.models import Index, Result
from indicators.services import results_recompute_request
from jobs.models import Job, JobStatus
from tests.conftest import database_url_for_subprocesses, running_worker
from tests.indicators.builders import methodology, score

pytestmark = pytest.mark.needs_redis


def _wait_for_job(job_pk, status, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_pk)
        if job.status == status:
            return job
        time.sleep(0.2)
    return Job.objects.get(pk=job_pk)


@pytest.fixture
def scored(tree):
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    m = methodology(par, 2023)
    score(m, tree.dept_a, {"1.1": "30", "1.2": "20", "2.1": "34.6"})
    return par


def test_a_worker_takes_a_recompute_job_from_redis_and_writes_the_results(celery_worker_process, scored, tree):
    with transaction.atomic():
        job = results_recompute_request(index_id=scored.pk, year=2023)
    job = _wait_for_job(job.pk, JobStatus.DONE)
    assert job.status == JobStatus.DONE, job.error
    assert job.sent_at is not None and job.rows_changed > 0
    assert Result.objects.get(unit=tree.dept_a, index=scored).value == D("84.6")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


SAVE_WHILE_BROKER_DOWN = """
from django.db import transaction
from indicators.models import Index, Score
from indicators.services import results_recompute_request
index = Index.objects.get(code="par")
with transaction.atomic():
    Score.objects.filter(criterion__code="2.1").update(final_score=40)
    results_recompute_request(index_id=index.pk, year=2023)
print("saved")
"""


def test_a_save_made_while_the_broker_is_down_succeeds_and_is_recomputed_when_it_returns(
    transactional_db, scored, tree, tmp_path
):
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.fail("needs redis-server to start a broker of its own")
    port = _free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    env = {**os.environ, "DATABASE_URL": database_url_for_subprocesses(), "REDIS_URL": broker}

    saved = _manage("shell", "-c", SAVE_WHILE_BROKER_DOWN, env=env)  # nothing listens on the port yet
    assert saved.returncode == 0, saved.stderr
    assert "saved" in saved.stdout
    job = Job.objects.get()
    assert (job.status, job.sent_at) == (JobStatus.PENDING, None)
    assert not Result.objects.exists()

    server = subprocess.Popen(
        [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with running_worker(redis_url=broker, queues=["celery"], log=tmp_path / "worker.log"):
            swept = _manage("jobs_sweep", "--now", env=env)
            assert swept.returncode == 0, swept.stderr
            assert "1 job(s) sent" in swept.stdout
            job = _wait_for_job(job.pk, JobStatus.DONE)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert job.status == JobStatus.DONE, job.error
    assert Result.objects.get(unit=tree.dept_a, index=scored).value == D("90")
