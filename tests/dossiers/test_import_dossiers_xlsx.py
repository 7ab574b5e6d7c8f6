"""`import_dossiers` reads an XLSX file's first sheet through the same streaming reader as a CSV
(reformdash.lib.tabular.read_rows), with the same refusal of zip bombs."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dossiers.importers.dossiers import COLUMNS
from dossiers.models import Dossier
from tests.dossiers.test_import_dossiers import line
from tests.importing import write_xlsx
from tests.reformdash.test_tabular import zip_bomb


def test_an_xlsx_file_is_imported_like_the_csv(tree, tmp_path):
    path = write_xlsx(tmp_path, [list(COLUMNS), line(), line(external_id="X", unit_code="Z9"), line(external_id="D2")])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 row"):
        call_command("import_dossiers", path, stdout=out, stderr=err)
    assert out.getvalue().strip() == "created 2, updated 0, unchanged 0, rejected 1"
    assert err.getvalue().splitlines() == [f"{path}: line 3, column unit_code: unknown unit “Z9”"]
    assert sorted(Dossier.objects.values_list("external_id", flat=True)) == ["D1", "D2"]


def test_a_zip_bomb_is_refused_before_anything_is_read(db, tmp_path):
    path = zip_bomb(tmp_path / "bomb.xlsx")
    with pytest.raises(CommandError, match="line 1: the XLSX file is compressed .* refused; reading stopped there"):
        call_command("import_dossiers", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Dossier.objects.exists()
