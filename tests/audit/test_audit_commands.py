"""The import_* commands write the audit trail with source "command" and no user; the same
importers called from the browser write "import"."""

import pytest
from django.core.management import call_command

from audit.models import AuditEntry, AuditSource
from indicators.models import Index
from tests.indicators.builders import methodology


def write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def par(tree):
    index = Index.objects.create(code="par", name_vi="PAR")
    methodology(index, 2023)
    return index


def only_entry(action):
    (entry,) = AuditEntry.objects.filter(action=action)
    return entry


def test_import_scores(tmp_path, par):
    call_command("import_scores", write(tmp_path, "s.csv", ["unit_code,1.1", "A,30"]), index="par", year=2023)
    entry = only_entry("score.import")
    assert (entry.source, entry.user, entry.unit.code) == (AuditSource.COMMAND, None, "A")


def test_import_results(tmp_path, par):
    call_command("import_results", write(tmp_path, "r.csv", ["unit_code,value", "A,80.5"]), index="par", year=2023)
    assert only_entry("result.import").source == AuditSource.COMMAND


def test_import_methodology(tmp_path, tree):
    rows = ["code,parent_code,title,max_points,weight", "1,,Lĩnh vực 1,10,", "1.1,1,Tiêu chí,10,"]
    call_command(
        "import_methodology",
        write(tmp_path, "m.csv", rows),
        index="sipas",
        year=2024,
        kind="department",
        aggregation="sum",
    )
    assert only_entry("methodology.import").source == AuditSource.COMMAND


def test_import_units(tmp_path, tree):
    call_command(
        "import_units",
        write(
            tmp_path, "u.csv", ["code,name,kind,parent_code,valid_from,valid_to", "A9,Sở A9,department,P,2021-01-01,"]
        ),
    )
    entry = only_entry("unit.import")
    assert (entry.source, entry.unit.code) == (AuditSource.COMMAND, "A9")
