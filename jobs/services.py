"""Writes of jobs: request one (coalescing), send it, run it once, and sweep up what was lost.

A job is requested inside the transaction of the change that needs it, so the change and the
request commit or roll back together; the message to a worker goes out only after commit. If the
broker is down the save still succeeds: the row stays pending and `jobs_sweep` sends it again.
A job runs at most once at a time: a worker claims it by moving it from pending to running in one
UPDATE, so a message delivered twice, or a manual run beside a scheduled one, finds nothing to do.
A job that fails is recorded failed with its error and fails alone: with no broker, where it runs
in the process that sent it, its error is logged and does not reach the change that asked for it.

On PostgreSQL the worker running a job also holds a session advisory lock on it, its lease, from
before the claim until the job is recorded done. PostgreSQL frees the lease the moment that
worker's connection ends, so a job that is running without its lease was left by a worker that
was killed or lost its database: the next delivery of its message, or the sweep, runs it again at
once instead of after CELERY_TASK_TIME_LIMIT. SQLite, where tasks run in-process, keeps the timeout.
"""

import contextlib
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

# Errors worth retrying: the database went away or was locked for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)

_WORK = {}


def job_kind_register(*, kind, work):
    """Declare what a kind of job does: `work(**arguments)` returns the number of rows it changed."""
    _WORK[kind] = work


def job_request(*, kind, key, arguments, send=True):
    """The pending job for (kind, key), created if there is none; sent to a worker after commit."""
    if kind not in _WORK:
        raise ValueError(f"unknown job kind {kind!r}")
    with transaction.atomic():
        # The pending job found is locked until the change that joins it commits: a worker claiming
        # it in between would run it without this change, and nothing would run again after it.
        # The claim waits instead (as a request creating the job waits on one creating it beside it).
        job, created = Job.objects.select_for_update().get_or_create(
            kind=kind, key=key, status=JobStatus.PENDING, defaults={"arguments": arguments}
        )
    if created and send:
        transaction.on_commit(partial(job_send, job_id=job.pk))
    return job


def jobs_in_process():
    """Whether a job sent now runs in this process before job_send returns (no broker configured)."""
    from jobs.tasks import job_execute

    return bool(job_execute.app.conf.task_always_eager)


def job_send(*, job_id):
    """Hand the job to a worker (or, with no broker, run it now). False when the broker is down."""
    from jobs.tasks import job_execute

    try:
        job_execute.apply_async(kwargs={"job_id": job_id}, retry=False)
    except BrokerError as error:
        logger.warning("job %s not sent, the sweep will send it again: %s", job_id, error)
        return False
    except Exception as error:
        if not job_execute.app.conf.task_always_eager:
            raise
        # In-process the job ran here, after the commit of the change that asked for it: its failure
        # is the job's, recorded on its row (failed, or pending again for the sweep), as a worker
        # would record it. It must not fail that change, nor stop the jobs sent after it.
        logger.error("job %s failed: %s: %s", job_id, type(error).__name__, error)
    Job.objects.filter(pk=job_id).update(sent_at=timezone.now())
    return True


def job_run(*, job_id):
    """Claim the job and do its work; None when it is not ours to run (done, or running elsewhere)."""
    with _lease(job_id) as leased:
        if not leased:
            return None
        # With the lease held, a job still marked running was left by a dead worker: take it over.
        claimable = [JobStatus.PENDING, JobStatus.RUNNING] if leased is _TAKE_OVER else [JobStatus.PENDING]
        claimed = Job.objects.filter(pk=job_id, status__in=claimable).update(
            status=JobStatus.RUNNING,
            started_at=timezone.now(),
            finished_at=None,
            attempts=F("attempts") + 1,
            error="",
        )
        if not claimed:
            return None
        job = Job.objects.get(pk=job_id)
        try:
            rows_changed = _WORK[job.kind](**job.arguments)
        except TRANSIENT_ERRORS as error:
            _job_release(job=job, error=error)
            raise
        except Exception as error:
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"
            )
            raise
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE, finished_at=timezone.now(), rows_changed=rows_changed
        )
        job.refresh_from_db()
        return job


# The lease's advisory locks take two int4 keys, a key space of their own: no clash with the
# one-bigint keys of the recompute and statistics locks.
_LEASE_CLASS = 0x6A6F62  # "job"
_TAKE_OVER = "take over"


@contextlib.contextmanager
def _lease(job_id):
    """Hold the job's lease while the block runs. Yields _TAKE_OVER when it was free (PostgreSQL),
    False when someone else holds it, and True where there are no leases (SQLite)."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = [_LEASE_CLASS, job_id % 2**31]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        if not cursor.fetchone()[0]:
            yield False
            return
    try:
        yield _TAKE_OVER
    finally:
        # A connection that died took its locks with it; one that lives must not keep this one.
        # Never let a failed unlock hide the error that ended the job.
        with contextlib.suppress(DatabaseError):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def _job_release(*, job, error):
    """Put a job that met a transient error back to pending, unless a newer pending one covers it."""
    message = f"{type(error).__name__}: {error}"
    running = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING)
    try:
        with transaction.atomic():
            running.update(status=JobStatus.PENDING, error=message)
    except IntegrityError:
        running.update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error=f"{message} (a newer pending job covers it)"
        )


def jobs_sweep(*, now=None):
    """Send again what a lost message or a dead worker left behind. Returns how many were sent.

    - pending and not sent for a minute: the broker was down, or the message was lost;
    - running without its lease (PostgreSQL), or for longer than a task may run (SQLite): its
      worker died; it goes back to pending.
    """
    now = now or timezone.now()
    running = Job.objects.filter(status=JobStatus.RUNNING)
    if connection.vendor != "postgresql":
        running = running.filter(started_at__lt=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60))
    for job in running:
        # The lease is let go before the job is sent below: a worker taking it at once must find it free.
        with _lease(job.pk) as leased:
            if leased:
                _job_release(job=job, error=RuntimeError("stalled: its worker stopped without finishing"))
    resend_before = now - timedelta(seconds=60)
    pending = Job.objects.filter(status=JobStatus.PENDING).filter(
        Q(sent_at__isnull=True, requested_at__lt=resend_before) | Q(sent_at__lt=resend_before)
    )
    sent = 0
    for job_id in pending.order_by("requested_at").values_list("pk", flat=True)[:500]:
        sent += bool(job_send(job_id=job_id))
    return sent
