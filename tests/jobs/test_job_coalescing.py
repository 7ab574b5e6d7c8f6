"""A change that joins a pending job is seen by it (PostgreSQL): the worker cannot claim that job
before the change commits, or the job would run without it and nothing would run again after.
Found measuring issue 22's "results on the pages ≤ 5 s after a save" (bench/freshness.py)."""

import threading
import time

import pytest
from django.db import connections, transaction

from jobs import services
from jobs.models import Job, JobStatus
from jobs.services import job_kind_register, job_request, job_run
from units.models import Unit, UnitKind

pytestmark = [pytest.mark.needs_postgres, pytest.mark.usefixtures("tasks_in_process")]


@pytest.fixture(autouse=True)
def count_kind():
    # The work counts what a change wrote: what a recompute reads.
    job_kind_register(kind="test.seen", work=lambda **arguments: Unit.objects.filter(code="NEW").count())
    yield
    services._WORK.pop("test.seen")


def test_a_job_joined_by_an_uncommitted_change_runs_after_that_change_commits(transactional_db):
    pending = job_request(kind="test.seen", key="par:2025", arguments={}, send=False)
    outcome = []

    def worker():
        try:
            outcome.append(job_run(job_id=pending.pk))
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    with transaction.atomic():
        Unit.objects.create(code="NEW", name="Xã Mới", kind=UnitKind.COMMUNE)
        assert job_request(kind="test.seen", key="par:2025", arguments={}).pk == pending.pk  # joined, not sent
        thread.start()  # the message of the pending job reaches a worker before this change commits
        time.sleep(1)
    thread.join(timeout=30)
    job = Job.objects.get(pk=pending.pk)
    assert (job.status, job.rows_changed) == (JobStatus.DONE, 1)
    assert outcome and outcome[0].pk == pending.pk
