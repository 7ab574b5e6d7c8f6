"""units tells the engine of changed units by a signal (units.signals.units_changed), never by
importing it: a unit whose parent changes gets its ranked years recomputed, in the import's
transaction, and a units file that changes nothing requests nothing."""

import ast
from decimal import Decimal as D
from pathlib import Path

from indicators.models import Index, Result
from indicators.services import RECOMPUTE
from tests.importing import pending_jobs, run_command, write_csv

UNITS_APP = Path(__file__).resolve().parents[2] / "units"
# units/views.py still reads indicators.scorecard (the layering work of issue 16 moves it): checked here
# are the units import and the signal, which once imported the engine inside a function.
CHECKED = ("importers", "signals.py", "models.py", "selectors.py")


def test_a_unit_moved_to_another_parent_has_the_years_of_its_results_recomputed(tree, tmp_path):
    index = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    Result.objects.create(unit=tree.commune_b1, index=index, year=2024, value=D("80"))
    header = ["code", "name", "kind", "parent_code", "valid_from"]
    same = write_csv(tmp_path, [header, ["B1", "Xã B1", "commune", "B", "2021-01-01"]], name="same.csv")
    assert run_command("import_units", same).strip() == "created 0, updated 0, unchanged 1"
    assert pending_jobs() == []

    moved = write_csv(tmp_path, [header, ["B1", "Xã B1", "commune", "P", "2021-01-01"]], name="moved.csv")
    assert run_command("import_units", moved).strip() == "created 0, updated 1, unchanged 0"
    assert pending_jobs() == [(RECOMPUTE, f"{index.pk}:2024")]


def test_the_units_import_imports_no_higher_app():
    paths = [UNITS_APP / name for name in CHECKED if name.endswith(".py")]
    paths += [path for name in CHECKED if not name.endswith(".py") for path in (UNITS_APP / name).rglob("*.py")]
    assert len(paths) > 4
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(name.split(".")[0] in ("indicators", "assessments", "imports", "api") for name in names), (
                f"{path.relative_to(UNITS_APP.parent)} imports {names}"
            )
