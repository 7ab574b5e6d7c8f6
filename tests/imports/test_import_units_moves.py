"""Issue 21 on the import page: moving units is an administrator's explicit choice (a checkbox only
he is shown), the check lists each move with who gains and who loses sight of the unit before he
confirms, and an appraiser's file that moves a unit is rejected on its row."""

from django.urls import reverse

from audit.models import AuditEntry, AuditSource
from imports.models import ImportRun, ImportStatus
from tests.imports.conftest import client_as, csv_upload
from units.models import Unit

URL = reverse("import_upload")
MOVE = [["code", "name", "kind", "parent_code", "valid_from"], ["B1", "Xã B1", "commune", "A", "2021-01-01"]]


def _upload(client, **extra):
    return client.post(URL, {"kind": "units", "file": csv_upload(MOVE, "units.csv"), **extra})


def test_only_an_administrator_is_offered_moves(client, appraiser, admin_user, tree):
    assert 'name="allow_reparent"' not in client_as(client, appraiser).get(URL).content.decode()
    assert 'name="allow_reparent"' in client_as(client, admin_user).get(URL).content.decode()


def test_an_appraisers_move_is_rejected_on_its_row_even_if_he_sends_the_box(client, appraiser, tree, english):
    _upload(client_as(client, appraiser), allow_reparent="on")
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.REJECTED and not run.allow_reparent
    assert [(p["line"], p["column"]) for p in run.problems] == [(2, "parent_code")]
    page = client.get(reverse("import_run", args=[run.pk])).content.decode()
    assert "a new unit with lineage, not a move" in page
    assert Unit.objects.get(code="B1").parent == tree.district_b


def test_an_administrator_without_the_box_is_refused_too(client, admin_user, tree):
    _upload(client_as(client, admin_user))
    assert ImportRun.objects.get().status == ImportStatus.REJECTED


def test_with_the_box_the_check_lists_the_move_and_confirming_writes_and_audits_it(
    client, admin_user, head_a, head_b, tree, english
):
    response = _upload(client_as(client, admin_user), allow_reparent="on")
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.CHECKED and run.allow_reparent
    assert Unit.objects.get(code="B1").parent == tree.district_b  # the check wrote nothing
    page = client.get(response.url).content.decode()
    assert 'id="import-moves"' in page and "1 unit moved to another parent" in page
    assert "Huyện B (1 member)" in page and "Sở A (1 member)" in page
    assert "Confirm and write" in page

    client.post(reverse("import_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert Unit.objects.get(code="B1").parent == tree.dept_a
    entry = AuditEntry.objects.get(action="unit.move")
    assert (entry.user, entry.source, entry.changes) == (admin_user, AuditSource.IMPORT, {"parent": ["B", "A"]})
    assert 'id="import-moves"' in client.get(response.url).content.decode()
