"""The check of an upload is a background job: the run moves checking → checked, rejected or
failed; more rows than IMPORT_MAX_ROWS, or a check longer than IMPORT_CHECK_SECONDS, is refused with
a message saying what to do, and nothing is written; only the first problems are kept in full."""

from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation

from imports import services
from imports.models import ImportPhase, ImportStatus
from jobs.models import JobStatus
from jobs.services import job_run
from tests.imports.conftest import GOOD, client_as, csv_upload, last_run, scores_form, snapshot

URL = reverse("import_upload")


@pytest.fixture
def sent(monkeypatch):
    """Jobs the upload sends are kept here instead of run: the test runs them, as a worker would."""
    job_ids = []
    monkeypatch.setattr(services, "job_send", lambda *, job_id: job_ids.append(job_id))
    return job_ids


def test_the_upload_creates_a_checking_run_and_the_job_checks_it(client, appraiser, par, sent, english):
    before = snapshot()
    response = client_as(client, appraiser).post(URL, scores_form(csv_upload(GOOD)))
    run = last_run()
    assert response.status_code == 302 and response.url == reverse("import_run", args=[run.pk])
    assert (run.status, run.phase, run.job.kind, run.job.status) == (
        ImportStatus.CHECKING,
        ImportPhase.WAITING,
        services.CHECK_JOB_KIND,
        JobStatus.PENDING,
    )
    assert sent == [run.job_id]
    page = client.get(response.url).content.decode()
    assert 'data-follow="true"' in page and 'id="import-checking"' in page and "Being checked" in page

    job = job_run(job_id=run.job_id)
    run.refresh_from_db()
    assert job.status == JobStatus.DONE and job.rows_changed == 0
    assert (run.status, run.rows, run.progress_done, run.progress_total) == (ImportStatus.CHECKED, 1, 1, 1)
    assert run.summary == {"scores": 3, "changed": 3, "assessments created": 1}
    assert snapshot() == before
    progress = client.get(reverse("import_progress", args=[run.pk])).json()
    assert progress["in_progress"] is False and progress["status"] == "checked"
    assert 'id="import-confirm"' in client.get(response.url).content.decode()


def test_in_process_the_check_runs_in_the_request(client, appraiser, par):
    client_as(client, appraiser).post(URL, scores_form(csv_upload(GOOD)))
    run = last_run()
    assert run.status == ImportStatus.CHECKED and run.job.status == JobStatus.DONE and run.job.sent_at


def test_a_bad_file_ends_rejected_with_its_problems(client, appraiser, par, sent):
    rows = [["unit_code", "1.1"], ["A", "41"]]
    client_as(client, appraiser).post(URL, scores_form(csv_upload(rows)))
    run = last_run()
    assert run.status == ImportStatus.CHECKING
    job_run(job_id=run.job_id)
    run.refresh_from_db()
    assert run.status == ImportStatus.REJECTED and run.phase == ImportPhase.DONE and run.finished_at
    assert [(p["line"], p["column"]) for p in run.problems] == [(2, "1.1")] and run.problem_count == 1


def test_an_unexpected_error_ends_the_check_failed(client, appraiser, par, sent):
    client_as(client, appraiser).post(URL, scores_form(csv_upload(GOOD)))
    run = last_run()
    with mock.patch.object(services, "scores_import", side_effect=RuntimeError("boom")), pytest.raises(RuntimeError):
        job_run(job_id=run.job_id)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and run.error == "RuntimeError: boom"
    assert run.job.status == JobStatus.FAILED


def test_a_check_delivered_twice_checks_once(client, appraiser, par, sent):
    client_as(client, appraiser).post(URL, scores_form(csv_upload(GOOD)))
    run = last_run()
    job_run(job_id=run.job_id)
    assert services.import_run_check_execute(run_id=run.pk) == 0
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED


def test_more_rows_than_the_limit_is_refused_unread_and_nothing_is_written(client, appraiser, par, settings, english):
    settings.IMPORT_MAX_ROWS = 2
    before = snapshot()
    rows = [["unit_code", "criterion_code", "score"], ["A", "1.1", "1"], [], ["A", "1.2", "2"], ["A", "2.1", "3"]]
    with mock.patch.object(services, "read_table") as read_table:
        client_as(client, appraiser).post(URL, scores_form(csv_upload(rows)))
    read_table.assert_not_called()
    run = last_run()
    assert run.status == ImportStatus.REJECTED and run.problems == []
    assert run.error == "The file has more than 2 rows: split it, or use the import_scores command on the server."
    assert snapshot() == before
    page = client.get(reverse("import_run", args=[run.pk])).content.decode()
    assert 'id="import-limit"' in page and "import_scores" in page and 'id="import-confirm"' not in page
    # At the limit exactly (blank lines are not rows), the file is checked.
    client.post(URL, scores_form(csv_upload(rows[:4])))
    assert last_run().status == ImportStatus.CHECKED


def test_the_row_limit_is_said_in_vietnamese(client, appraiser, par, settings):
    settings.IMPORT_MAX_ROWS = 1
    with translation.override("vi"):
        client_as(client, appraiser).post(URL, {"kind": "units", "file": csv_upload(GOOD + GOOD[1:], "units.csv")})
    assert last_run().error == "Tệp có hơn 1 dòng: chia nhỏ tệp hoặc dùng lệnh import_units trên máy chủ."
    settings.IMPORT_MAX_ROWS = 2000
    with translation.override("vi"):
        client.post(URL, {"kind": "units", "file": csv_upload([GOOD[0]] + GOOD[1:] * 2001, "units.csv")})
    assert last_run().error.startswith("Tệp có hơn 2.000 dòng")


def test_a_check_past_its_time_is_stopped_and_nothing_is_written(
    client, appraiser, par, settings, monkeypatch, english
):
    settings.IMPORT_CHECK_SECONDS = 0
    monkeypatch.setattr(services, "_PROGRESS_EVERY", 1)
    before = snapshot()
    client_as(client, appraiser).post(URL, scores_form(csv_upload(GOOD)))
    run = last_run()
    assert run.status == ImportStatus.REJECTED
    assert run.error == (
        "The check took longer than 0 seconds and was stopped: split the file, "
        "or use the import_scores command on the server."
    )
    assert snapshot() == before


def test_the_time_limit_also_stops_the_importer_mid_file(client, appraiser, par, settings, monkeypatch, english):
    """Counting was in time; the importer's pass over the rows is not: stopped, its writes rolled back."""
    monkeypatch.setattr(services, "_count_rows", lambda run, deadline: 1)
    monkeypatch.setattr(services, "_PROGRESS_EVERY", 1)
    settings.IMPORT_CHECK_SECONDS = -1
    before = snapshot()
    client_as(client, appraiser).post(URL, scores_form(csv_upload(GOOD)))
    run = last_run()
    assert run.status == ImportStatus.REJECTED and "longer than -1 seconds" in run.error
    assert snapshot() == before


def test_only_the_first_problems_are_kept_in_full_and_all_are_counted(client, appraiser, par, monkeypatch, english):
    monkeypatch.setattr(services, "PROBLEMS_KEPT", 2)
    rows = [["unit_code", "1.1"], *[[f"X{i}", "1"] for i in range(5)]]
    client_as(client, appraiser).post(URL, scores_form(csv_upload(rows)))
    run = last_run()
    assert run.status == ImportStatus.REJECTED and run.problem_count == 5
    assert [p["line"] for p in run.problems] == [2, 3]
    assert "… and 3 more." in client.get(reverse("import_run", args=[run.pk])).content.decode()
