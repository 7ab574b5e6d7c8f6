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
    }


def test_a_checked_run_is_not_finished_a_rejected_one_is(client, appraiser, run):
    client_as(client, appraiser)
    assert client.get(reverse("import_progress", args=[run.pk])).json()["finished"] is False
    ImportRun.objects.filter(pk=run.pk).update(status="rejected")
    assert client.get(reverse("import_progress", args=[run.pk])).json()["finished"] is True
