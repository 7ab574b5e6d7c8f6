from celery import shared_task

from dossiers.services import STATS_FULL
from jobs.services import job_request


@shared_task(name="dossiers.stats_full_nightly")
def dossier_stats_full_nightly_task():
    """Nightly: every unit-month again from the dossiers themselves, whatever the increments did."""
    return job_request(kind=STATS_FULL, key="all", arguments={}).pk
