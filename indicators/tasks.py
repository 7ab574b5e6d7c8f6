from celery import shared_task

from indicators.services import results_recompute_all_request


@shared_task(name="indicators.recompute_all")
def results_recompute_all_task():
    """Nightly: a recompute job for every index and year; the jobs themselves run as jobs.execute."""
    return len(results_recompute_all_request())
