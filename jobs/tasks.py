"""Thin Celery tasks: ids in, the service does the work."""

from celery import shared_task

from jobs.services import TRANSIENT_ERRORS, job_run, jobs_sweep


@shared_task(
    name="jobs.execute",
    acks_late=True,  # a worker killed mid-job leaves the message to be delivered again
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def job_execute(*, job_id):
    job = job_run(job_id=job_id)
    return None if job is None else job.rows_changed


@shared_task(name="jobs.sweep")
def jobs_sweep_task():
    return jobs_sweep()
