"""The check of an upload, and a big import confirmed in the browser, run on a real Celery worker
(Redis), and the progress endpoint the page polls reports them over."""

import time

import pytest
from django.urls import reverse

from imports.models import ImportStatus
from tests.imports.conftest import client_as, csv_upload, last_run, scores_form
from units.models import Unit, UnitKind

pytestmark = pytest.mark.needs_redis


@pytest.fixture(autouse=True)
def worker_sees_the_uploads(monkeypatch, import_root):
    """The worker is another process: it finds the uploads through the environment."""
    monkeypatch.setenv("IMPORT_ROOT", str(import_root))


def _settled(client, run):
    """What the progress endpoint says once no job works on the run any more (at most a minute)."""
    deadline = time.monotonic() + 60
    progress = client.get(reverse("import_progress", args=[run.pk])).json()
    while progress["in_progress"] and time.monotonic() < deadline:
        time.sleep(0.5)
        progress = client.get(reverse("import_progress", args=[run.pk])).json()
    assert not progress["in_progress"], progress
    return progress


def test_a_big_import_runs_on_the_worker_and_the_progress_endpoint_reports_done(
    celery_worker_process, client, appraiser, par, tree, settings
):
    settings.IMPORT_INLINE_ROWS = 10
    Unit.objects.bulk_create(
        Unit(code=f"D{i:04}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province) for i in range(50)
    )
    rows = [["unit_code", "1.1", "2.1"], *[[f"D{i:04}", "20", "30.5"] for i in range(50)]]
    client_as(client, appraiser).post(reverse("import_upload"), scores_form(csv_upload(rows)))
    run = last_run()
    _settled(client, run)  # the check is the worker's job too
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED, run.problems
    client.post(reverse("import_confirm", args=[run.pk]))

    deadline = time.monotonic() + 60
    progress = {}
    while time.monotonic() < deadline:
        progress = client.get(reverse("import_progress", args=[run.pk])).json()
        if progress["finished"]:
            break
        time.sleep(0.5)
    assert progress["status"] == "done", progress
    assert progress["done"] == progress["total"] == 100
    run.refresh_from_db()
    assert run.job.status == "done" and run.job.sent_at is not None
    assert run.summary == {"scores": 100, "changed": 100, "assessments created": 50}


def test_the_check_of_an_upload_runs_on_the_worker_and_the_page_follows_it(
    celery_worker_process, client, appraiser, par, tree
):
    """The upload only stores the file: the run is 'checking' until the worker's job has checked it."""
    Unit.objects.bulk_create(
        Unit(code=f"D{i:04}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province) for i in range(50)
    )
    rows = [["unit_code", "1.1", "2.1"], *[[f"D{i:04}", "20", "30.5"] for i in range(50)], ["NOPE", "1", "1"]]
    response = client_as(client, appraiser).post(reverse("import_upload"), scores_form(csv_upload(rows)))
    run = last_run()
    assert response.url == reverse("import_run", args=[run.pk])
    assert _settled(client, run)["status"] == "rejected"
    run.refresh_from_db()
    assert run.job.kind == "imports.check" and run.job.status == "done" and run.rows == 51
    assert [(p["line"], p["column"]) for p in run.problems] == [(52, "unit_code")]
    assert not Unit.objects.filter(code="NOPE").exists()
