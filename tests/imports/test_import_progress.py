"""/imports/<id>/progress.json: what the progress bar polls; the run page's access rules."""

import pytest
from django.urls import reverse

from imports.models import ImportRun
from tests.imports.conftest import (
    IMPORTERS,
    ROLES,
    client_as,
)


@pytest.mark.parametrize("role", ROLES)
def test_progress_by_role(client, users, role, run):
    response = client_as(client, users(role)).get(reverse("import_progress", args=[run.pk]))
    assert response.status_code == (200 if role in IMPORTERS else 404)


def test_progress_reports_status_phase_and_work_done(client, appraiser, run, english):
    ImportRun.objects.filter(pk=run.pk).update(status="running", phase="writing", progress_done=1, progress_total=2)
    response = client_as(client, appraiser).get(reverse("import_progress", args=[run.pk]))
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "running",
        "status_label": "Running",
        "phase": "writing",
        "phase_label": "Writing",
        "done": 1,
        "total": 2,
        "finished": False,
        "in_progress": True,
    }


def test_a_check_in_progress_reports_how_far_its_dry_run_got_from_the_cache(client, appraiser, run, english):
    """The dry run's database writes are rolled back: it tells the cache how far it got."""
    from django.core.cache import cache

    from imports.selectors import check_progress_key

    ImportRun.objects.filter(pk=run.pk).update(
        status="checking", phase="checking", progress_done=0, progress_total=5000
    )
    cache.set(check_progress_key(run.pk), 3000)
    progress = client_as(client, appraiser).get(reverse("import_progress", args=[run.pk])).json()
    assert progress["status_label"] == "Being checked" and progress["phase_label"] == "Checking every row"
    assert (progress["done"], progress["total"], progress["finished"], progress["in_progress"]) == (
        3000,
        5000,
        False,
        True,
    )


def test_a_checked_run_is_not_finished_a_rejected_one_is(client, appraiser, run):
    client_as(client, appraiser)
    progress = client.get(reverse("import_progress", args=[run.pk])).json()
    assert progress["finished"] is False and progress["in_progress"] is False  # waits for its uploader
    ImportRun.objects.filter(pk=run.pk).update(status="rejected")
    assert client.get(reverse("import_progress", args=[run.pk])).json()["finished"] is True
