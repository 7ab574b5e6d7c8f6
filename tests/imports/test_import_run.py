"""/imports/<id>/: the run's page, for its uploader, appraisers and administrators only."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from imports.models import ImportRun
from tests.imports.conftest import (
    IMPORTERS,
    ROLES,
    client_as,
)
from units.access import APPRAISER_GROUP


@pytest.mark.parametrize("role", ROLES)
def test_the_run_page_by_role(client, users, role, run):
    response = client_as(client, users(role)).get(reverse("import_run", args=[run.pk]))
    assert response.status_code == (200 if role in IMPORTERS else 404)


def test_an_unknown_run_is_a_404(client, appraiser):
    assert client_as(client, appraiser).get(reverse("import_run", args=[999])).status_code == 404


def test_the_uploader_keeps_seeing_his_run_after_losing_the_appraiser_role(client, appraiser, run):
    appraiser.groups.remove(Group.objects.get(name=APPRAISER_GROUP))
    response = client_as(client, appraiser).get(reverse("import_run", args=[run.pk]))
    assert response.status_code == 200
    assert b"import-confirm" not in response.content  # but he can no longer confirm it
    assert client.post(reverse("import_confirm", args=[run.pk])).status_code == 404


def test_an_admin_sees_the_run_but_only_the_uploader_may_confirm(client, admin_user, run, english):
    page = client_as(client, admin_user).get(reverse("import_run", args=[run.pk])).content.decode()
    assert "Only the person who uploaded the file can confirm it." in page
    assert "import-confirm" not in page


def test_a_running_run_shows_a_progress_bar_that_the_script_updates(client, appraiser, run):
    ImportRun.objects.filter(pk=run.pk).update(status="running", phase="checking", progress_done=0, progress_total=2)
    page = client_as(client, appraiser).get(reverse("import_run", args=[run.pk])).content.decode()
    assert '<progress id="import-progress" max="2" value="0">' in page
    assert f'data-progress-url="{reverse("import_progress", args=[run.pk])}"' in page
    assert 'data-follow="true"' in page and "js/import-progress.js" in page
