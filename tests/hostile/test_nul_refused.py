"""A NUL character, which PostgreSQL cannot store or compare (psycopg refuses to send it), never
reaches a query (issue 21): in an address it is a 400 before any view (JSON under /api/), in an item
of a dossier batch it is that item's error while the good items are stored, in a cell of an
imported file it is that cell's problem. Run on PostgreSQL too: on SQLite the NUL would pass unnoticed."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dossiers.models import Dossier, SourceSystem
from dossiers.tokens import source_token_issue
from tests.api.conftest import scored  # noqa: F401 (a fixture)
from tests.dossiers.test_api_batch import item

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(
    "path, query",
    [
        ("/units/%00/", {}),
        ("/units/A%00/", {}),
        ("/dossiers/units/%00/overdue/", {}),
        ("/dossiers/units/A/overdue/", {"scope": "\x00"}),
        ("/audit/", {"unit": "A\x00"}),
        ("/rankings/", {"parent": "\x00"}),
        ("/admin/units/unit/", {"q": "\x00"}),
    ],
)
def test_a_nul_in_a_page_address_is_a_400(client, admin_user, scored, path, query):
    client.force_login(admin_user)
    response = client.get(path, query)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "path, query",
    [("/api/units/%00/scorecard/", {"index": "par", "year": "2023"}), ("/api/units/", {"parent": "P\x00"})],
)
def test_a_nul_in_an_api_address_is_a_json_400(client, staff, scored, path, query):
    client.force_login(staff)
    response = client.get(path, query)
    assert response.status_code == 400
    message = "a NUL character in the address"
    assert response.json() == {"error": message, "errors": {"address": message}}  # ParameterErrors, as documented


def test_a_nul_in_a_batch_item_is_that_items_error_and_the_good_ones_are_stored(tree, client):
    source = SourceSystem.objects.create(code="motcua", name="Hệ thống một cửa", all_units=True)
    token = source_token_issue(source=source)
    batch = [
        item(external_id="G0"),
        item(external_id="N1", unit_code="B1\x00"),
        item(external_id="N2", procedure_name="Khai\x00sinh"),
        item(external_id="N3\x00"),
        item(external_id="G4", unit_code="A"),
    ]
    response = client.post(
        "/api/dossiers/batch/",
        data=json.dumps({"dossiers": batch}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["created"] == 2
    assert [(error["index"], error["errors"]) for error in body["errors"]] == [
        (1, {"unit_code": "holds a NUL character"}),
        (2, {"procedure_name": "holds a NUL character"}),
        (3, {"external_id": "holds a NUL character"}),
    ]
    assert sorted(Dossier.objects.values_list("external_id", flat=True)) == ["G0", "G4"]


def test_a_nul_in_an_imported_files_cell_is_that_cells_problem(scored, tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("unit_code,criterion_code,score,note\nA,1.1,5,thiếu\x00minh chứng\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_scores", str(path), "--index", "par", "--year", "2023", stdout=StringIO(), stderr=err)
    assert "line 2, column note: holds a NUL character" in err.getvalue()
