"""`manage.py recompute`: runs now, through the job a save left pending, and says what changed."""

from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from indicators.models import Aggregation, Index, Methodology, Result
from indicators.services import results_recompute_all_request, results_recompute_request
from jobs.models import Job, JobStatus
from tests.indicators.builders import methodology, score
from units.models import UnitKind


@pytest.fixture
def par(tree):
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    for year, value in ((2022, "30"), (2023, "35")):
        score(methodology(par, year), tree.dept_a, {"1.1": value})
    return par


def _first_computation_rows():
    """Rows changed by a first computation of one unit's result: PostgreSQL writes it once with its
    rank (indicators.recompute._recompute_statement), SQLite inserts it and then ranks it."""
    return 1 if connection.vendor == "postgresql" else 2


def _recompute(**options):
    out = StringIO()
    call_command("recompute", stdout=out, **options)
    return out.getvalue().splitlines()


def test_every_year_of_every_index_is_recomputed_and_reported(par, tree):
    rows = _first_computation_rows()
    assert _recompute() == [f"par 2022: {rows} rows changed", f"par 2023: {rows} rows changed"]
    assert Result.objects.get(year=2023).value == D("35")
    assert _recompute(index="par", year=2023) == ["par 2023: 0 rows changed"]


def test_the_pending_job_of_a_save_is_the_one_that_runs(par):
    pending = results_recompute_request(index_id=par.pk, year=2023, send=False)
    _recompute(index="par", year=2023)
    pending.refresh_from_db()
    assert (pending.status, pending.rows_changed) == (JobStatus.DONE, _first_computation_rows())
    assert Job.objects.count() == 1


def test_an_unknown_index_is_refused(par):
    with pytest.raises(CommandError, match="unknown index 'pci'"):
        _recompute(index="pci")


def test_the_nightly_request_covers_every_index_and_year_once(par):
    jobs = results_recompute_all_request()
    assert sorted(job.key for job in jobs) == [f"{par.pk}:2022", f"{par.pk}:2023"]
    assert len(results_recompute_all_request()) == 2 and Job.objects.count() == 2  # coalesced


def test_an_index_that_fails_fails_alone_reported_and_the_command_exits_non_zero(par, tree):
    # Computed from dossiers but naming no measure, as `import_methodology` used to leave it; its
    # code sorts before par, so it runs first.
    bad = Index.objects.create(code="bad", name_vi="Hỏng")
    Methodology.objects.create(index=bad, year=2024, unit_kind=UnitKind.DISTRICT, aggregation=Aggregation.DOSSIERS)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"1 of 3 recomputes failed \(bad 2024\); the others were done"):
        call_command("recompute", stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        "bad 2024: failed: ValueError: index 'bad' is computed from dossiers but names no dossier measure: "
        "set one (import_methodology --measure, or the index in the admin)"
    ]
    rows = _first_computation_rows()
    assert out.getvalue().splitlines() == [f"par 2022: {rows} rows changed", f"par 2023: {rows} rows changed"]
    assert Result.objects.get(index=par, year=2023).value == D("35")
    failed = Job.objects.get(key=f"{bad.pk}:2024")
    assert failed.status == JobStatus.FAILED and "names no dossier measure" in failed.error
    assert set(Job.objects.exclude(pk=failed.pk).values_list("status", flat=True)) == {JobStatus.DONE}
