"""units tells the engine of changed units by a signal (units.signals.units_changed), never by
importing it (tests/reformdash/test_layering.py): a unit whose parent changes gets its ranked years
recomputed, in the import's transaction, and a units file that changes nothing requests nothing."""

from decimal import Decimal as D

from indicators.models import Index, Result
from indicators.services import RECOMPUTE
from tests.importing import pending_jobs, run_command, write_csv


def test_a_unit_moved_to_another_parent_has_the_years_of_its_results_recomputed(tree, tmp_path):
    index = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    Result.objects.create(unit=tree.commune_b1, index=index, year=2024, value=D("80"))
    header = ["code", "name", "kind", "parent_code", "valid_from"]
    same = write_csv(tmp_path, [header, ["B1", "Xã B1", "commune", "B", "2021-01-01"]], name="same.csv")
    assert run_command("import_units", same).strip() == "created 0, updated 0, unchanged 1"
    assert pending_jobs() == []

    moved = write_csv(tmp_path, [header, ["B1", "Xã B1", "commune", "P", "2021-01-01"]], name="moved.csv")
    output = run_command("import_units", moved, "--allow-reparent").strip().splitlines()
    assert output[-1] == "created 0, updated 1, unchanged 0, moved 1"
    assert pending_jobs() == [(RECOMPUTE, f"{index.pk}:2024")]
