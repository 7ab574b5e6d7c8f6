"""Writes of indicators: asking for results to be recomputed.

Every service that changes scores, published results, a methodology or bands calls
`results_recompute_request` inside its transaction: the job row commits with the change, and a
burst of changes (an import of 10,000 scores) leaves one pending job per index and year.
"""

from indicators.models import Aggregation, Methodology, Result
from indicators.recompute import results_recompute
from jobs.services import job_kind_register, job_request

RECOMPUTE = "results.recompute"


def results_recompute_request(*, index_id, year, send=True):
    return job_request(
        kind=RECOMPUTE, key=f"{index_id}:{year}", arguments={"index_id": index_id, "year": year}, send=send
    )


def results_recompute_all_request():
    """One job per index and year that has a methodology or a result: the nightly full recompute."""
    pairs = set(Methodology.objects.values_list("index_id", "year")) | set(
        Result.objects.values_list("index_id", "year").distinct()
    )
    return [results_recompute_request(index_id=index_id, year=year) for index_id, year in sorted(pairs)]


def dossier_results_recompute_request(sender=None, *, years, **kwargs):
    """Ask for the results of every index computed from dossier statistics in those years.

    The receiver of dossiers.signals.dossier_months_changed (connected in IndicatorsConfig.ready):
    it runs inside the statistics job's transaction, so the recompute jobs commit with the
    statistics they follow."""
    if not years:
        return
    pairs = (
        Methodology.objects.filter(aggregation=Aggregation.DOSSIERS, year__in=sorted(years))
        .values_list("index_id", "year")
        .distinct()
        .order_by("index_id", "year")
    )
    for index_id, year in pairs:
        results_recompute_request(index_id=index_id, year=year)


def rankings_of_changed_units_request(*, unit_ids, **kwargs):
    """A unit's dates or parent decide which group it is ranked in: recompute the years it has results.

    The receiver of units.signals.units_changed (connected in IndicatorsConfig.ready()): units is
    below indicators and may not call it."""
    # In order, as every request of several jobs: a request locks the pending job it joins until its
    # transaction commits (jobs.services.job_request), so two changes must take them in one order.
    pairs = Result.objects.filter(unit_id__in=unit_ids).values_list("index_id", "year").distinct()
    for index_id, year in pairs.order_by("index_id", "year"):
        results_recompute_request(index_id=index_id, year=year)


def register_jobs():
    job_kind_register(kind=RECOMPUTE, work=results_recompute)
