"""imports.services.import_run_execute: a big file runs as a background job through jobs.services
(in-process without Redis), moves through its phases, and ends done with the progress at total."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditEntry, AuditSource
from imports import services
from imports.models import ImportPhase, ImportRun, ImportStatus
from indicators.models import Score
from jobs.models import Job, JobStatus
from tests.imports.conftest import client_as, csv_upload, last_run, scores_form
from units.models import Unit, UnitKind


@pytest.fixture
def many_departments(tree):
    Unit.objects.bulk_create(
        Unit(code=f"D{i:04}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province) for i in range(30)
    )
    return [["unit_code", "1.1", "2.1"], *[[f"D{i:04}", str(i % 40), "12.5"] for i in range(30)]]


@pytest.mark.django_db(transaction=True)
def test_a_big_file_runs_as_a_job_in_process_and_ends_done(
    client, appraiser, par, many_departments, settings, tasks_in_process
):
    settings.IMPORT_INLINE_ROWS = 10  # 30 rows: "big"
    client_as(client, appraiser).post(reverse("import_upload"), scores_form(csv_upload(many_departments)))
    run = last_run()
    assert run.status == ImportStatus.CHECKED and run.rows == 30
    client.post(reverse("import_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.job is not None
    assert run.job.kind == "imports.run" and run.job.status == JobStatus.DONE and run.job.rows_changed == 90
    assert run.status == ImportStatus.DONE and run.phase == ImportPhase.DONE
    assert run.progress_done == run.progress_total == 60
    assert AuditEntry.objects.filter(source=AuditSource.IMPORT, user=appraiser).count() == 60
    progress = client.get(reverse("import_progress", args=[run.pk])).json()
    assert progress["finished"] and progress["status"] == "done" and progress["done"] == progress["total"] == 60


@pytest.mark.django_db(transaction=True)
def test_each_phase_is_committed_before_the_next_step_starts(appraiser, par, many_departments, monkeypatch):
    """Progress is written in transactions of its own: another connection sees each phase."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    run = services.import_run_check(
        user=appraiser,
        kind="scores",
        index=par.index,
        year=2024,
        upload=SimpleUploadedFile("s.csv", csv_upload(many_departments).read()),
    )
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.QUEUED)
    seen = []
    real_import = services._import

    def watching(run_, table):
        # The importer starts: the phase it runs in is stored, and (for the write) no transaction is
        # open around the importer, so the importer's own transaction does not hold the progress back.
        seen.append(
            (
                *ImportRun.objects.values_list("phase", "progress_done", "progress_total").get(pk=run_.pk),
                connection.in_atomic_block,
            )
        )
        return real_import(run_, table)

    monkeypatch.setattr(services, "_import", watching)
    assert services.import_run_execute(run_id=run.pk) == 90
    # The check is a dry run (inside a transaction rolled back); the write is the importer's own.
    assert seen == [(ImportPhase.CHECKING, 0, 60, True), (ImportPhase.WRITING, 30, 60, False)]
    run.refresh_from_db()
    assert (run.status, run.progress_done, run.progress_total) == (ImportStatus.DONE, 60, 60)


def test_a_run_not_confirmed_is_not_executed(appraiser, par):
    from django.core.files.uploadedfile import SimpleUploadedFile

    run = services.import_run_check(
        user=appraiser,
        kind="scores",
        index=par.index,
        year=2024,
        upload=SimpleUploadedFile("s.csv", b"unit_code,1.1\nA,3\n"),
    )
    assert services.import_run_execute(run_id=run.pk) == 0
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED


def test_an_unexpected_error_ends_the_run_failed_and_nothing_written(client, appraiser, par, monkeypatch, english):
    client_as(client, appraiser).post(
        reverse("import_upload"), scores_form(csv_upload([["unit_code", "1.1"], ["A", "3"]]))
    )
    run = last_run()

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "scores_import", broken)
    response = client.post(reverse("import_confirm", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and "disk on fire" in run.error
    assert "The import failed: nothing was written" in client.get(response.url).content.decode()
    assert not Job.objects.filter(kind="imports.run").exists()
    assert not Score.objects.exists()


@pytest.mark.slow  # files of tens of thousands of rows, checked and written under tracemalloc
def test_a_score_file_is_checked_and_written_in_memory_that_does_not_grow_with_it(appraiser, tree, settings, tmp_path):
    """The browser's check and write read a score file as the command does (open_table): 18,000
    more rows add next to nothing (read whole, about 700 bytes a row)."""
    import tracemalloc

    from django.core.files.uploadedfile import SimpleUploadedFile

    from indicators.models import Index
    from tests.importing import long_scores_file
    from tests.indicators.builders import methodology

    settings.IMPORT_MAX_ROWS = 30_000
    settings.IMPORT_INLINE_ROWS = 30_000
    index = Index.objects.create(code="big", name_vi="Lớn")
    leaves = [f"c{i}" for i in range(400)]
    methodology(index, 2024, areas={"1": (D(4000), None, dict.fromkeys(leaves, D(10)))})
    units = Unit.objects.bulk_create(
        Unit(code=f"D{i:03}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province) for i in range(120)
    )
    peaks = {}
    # The same number of units in both: the units a file names are kept (at most all of the year's).
    for rows, of_units, of_leaves in ((6_000, units[:60], leaves[:100]), (24_000, units[60:], leaves)):
        path = long_scores_file(tmp_path / f"scores-{rows}.csv", of_units, of_leaves, rows=rows)
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            run = services.import_run_check(user=appraiser, kind="scores", index=index, year=2024, upload=upload)
            run = services.import_run_confirm(run=run, user=appraiser)
            _current, peaks[rows] = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert (run.status, run.rows, run.summary["changed"]) == (ImportStatus.DONE, rows, rows)
    assert Score.objects.filter(assessment__methodology__index=index).count() == 30_000
    per_row = (peaks[24_000] - peaks[6_000]) / 18_000
    assert per_row < 60, {rows: f"{peak / 2**20:.1f} MB" for rows, peak in peaks.items()}
