"""`export_year`: a year's data as a zip of CSV files a person can read and the imports read back."""

import csv
import datetime
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.workflow import methodology_publish
from indicators.models import Criterion, Index, Methodology, Result, Score
from indicators.recompute import results_recompute
from tests.assessments.conftest import appraised
from tests.importing import run_command, snapshot
from tests.indicators.builders import methodology, score
from tests.indicators.workflow import workflow  # noqa: F401 (fixtures, used as test arguments)
from units.models import Unit, UnitKind


@pytest.fixture
def year_2024(workflow, head_a, appraiser, admin_user, tree):
    """PAR 2024: Sở A's assessment appraised and published under a decision; districts B and C
    scored and computed (C's name is a formula, as a hostile import could have left it)."""
    appraised(workflow, head_a, appraiser)
    methodology_publish(
        methodology=workflow.methodology,
        user=admin_user,
        decision_reference="QĐ 12/QĐ-UBND",
        published_on=datetime.date(2025, 3, 1),
    )
    Unit.objects.create(
        code="C",
        name='=HYPERLINK("http://x")',
        kind=UnitKind.DISTRICT,
        parent=tree.province,
        valid_from=tree.province.valid_from,
    )
    districts = methodology(workflow.index, 2024, kind=UnitKind.DISTRICT)
    score(districts, tree.district_b, {"1.1": "30", "1.2": "NA", "2.1": "38.5"})
    score(districts, Unit.objects.get(code="C"), {"1.1": "40", "1.2": "20", "2.1": "20"})
    results_recompute(index_id=workflow.index.pk, year=2024)
    return workflow


def export(tmp_path, year=2024):
    out = tmp_path / f"cchc-{year}.zip"
    call_command("export_year", str(year), "--out", str(out), stdout=io.StringIO())
    return zipfile.ZipFile(out)


def rows(archive, name):
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_zip_holds_every_file_of_the_year(year_2024, tmp_path):
    names = set(export(tmp_path).namelist())
    assert names == {
        "README.txt",
        "units.csv",
        "methodologies.csv",
        "results.csv",
        "assessments.csv",
        "decisions.csv",
        "methodology/par-department.csv",
        "methodology/par-district.csv",
        "scores/par-department.csv",
        "scores/par-district.csv",
    }


def test_results_are_the_rankings_of_the_database_with_their_decision(year_2024, tmp_path):
    got = {
        (row["unit_code"], row["rank"], row["group_size"], row["value"], row["decision_reference"])
        for row in rows(export(tmp_path), "results.csv")
    }
    expected = {
        (
            r.unit.code,
            str(r.rank),
            str(r.group_size),
            format(r.value.normalize(), "f"),
            r.publication.decision_reference if r.publication_id else "",
        )
        for r in Result.objects.filter(year=2024).select_related("unit", "publication")
    }
    assert got == expected
    assert ("A", "1", "1", "85", "QĐ 12/QĐ-UBND") in got
    assert {row["unit_code"] for row in rows(export(tmp_path), "results.csv")} == {"A", "B", "C"}


def test_assessments_and_decisions_are_listed(year_2024, tmp_path):
    archive = export(tmp_path)
    assert [(r["unit_code"], r["status"]) for r in rows(archive, "assessments.csv")] == [
        ("A", "published"),
        ("B", "draft"),
        ("C", "draft"),
    ]
    [decision] = rows(archive, "decisions.csv")
    assert (
        decision["index"],
        decision["kind"],
        decision["number"],
        decision["published_on"],
        decision["decision_reference"],
        decision["published_by"],
    ) == ("par", "department", "1", "2025-03-01", "QĐ 12/QĐ-UBND", "admin")


def test_a_name_a_spreadsheet_would_run_is_escaped(year_2024, tmp_path):
    archive = export(tmp_path)
    [c] = [row for row in rows(archive, "units.csv") if row["code"] == "C"]
    assert c["name"] == '\'=HYPERLINK("http://x")'
    assert not any(row["unit_name"].startswith("=") for row in rows(archive, "results.csv"))


def _tree(m):
    return sorted(
        Criterion.objects.filter(methodology=m).values_list(
            "code", "parent__code", "title", "max_points", "weight", "kind"
        )
    )


def test_a_methodology_file_imports_back_as_the_same_tree(year_2024, tmp_path):
    """Into another year: a methodology with scores is never replaced, not even by itself."""
    archive = export(tmp_path)
    archive.extractall(tmp_path / "x")
    run_command(
        "import_methodology",
        str(tmp_path / "x" / "methodology" / "par-district.csv"),
        "--index",
        "par",
        "--year",
        "2030",
        "--kind",
        "district",
        "--aggregation",
        "sum",
    )
    original = Methodology.objects.get(index__code="par", year=2024, unit_kind="district")
    copy = Methodology.objects.get(index__code="par", year=2030, unit_kind="district")
    assert _tree(copy) == _tree(original)


def test_the_units_and_scores_files_import_back_without_a_change(year_2024, tmp_path):
    archive = export(tmp_path)
    archive.extractall(tmp_path / "x")
    before = snapshot(Unit, Score)
    run_command("import_units", str(tmp_path / "x" / "units.csv"))
    for m in rows(archive, "methodologies.csv"):
        run_command(
            "import_scores",
            str(tmp_path / "x" / "scores" / f"{m['index']}-{m['kind']}.csv"),
            "--index",
            m["index"],
            "--year",
            "2024",
        )
    # The one change: a name a spreadsheet would run comes back with the apostrophe that disarmed it.
    for unit in before[0]:
        if unit["code"] == "C":
            unit["name"] = "'" + unit["name"]
    assert snapshot(Unit, Score) == before


def test_the_scores_file_keeps_not_applicable_and_the_self_scores(year_2024, tmp_path):
    scores = {
        (row["unit_code"], row["criterion_code"]): (row["score"], row["self_score"])
        for row in rows(export(tmp_path), "scores/par-district.csv")
    }
    assert scores[("B", "1.2")] == ("NA", "")
    assert scores[("B", "2.1")] == ("38.5", "")
    department = {
        (row["unit_code"], row["criterion_code"]): (row["score"], row["self_score"])
        for row in rows(export(tmp_path), "scores/par-department.csv")
    }
    assert department[("A", "1.1")] == ("35", "35")


def test_a_year_without_data_is_refused_and_nothing_is_written(year_2024, tmp_path):
    with pytest.raises(CommandError, match="nothing to export"):
        export(tmp_path, year=2019)
    assert list(tmp_path.glob("*.zip")) == []


def test_an_existing_file_is_replaced_whole(year_2024, tmp_path):
    (tmp_path / "cchc-2024.zip").write_bytes(b"old")
    assert "units.csv" in export(tmp_path).namelist()
    assert not list(tmp_path.glob(".*partial"))


def test_an_index_without_results_that_year_is_still_exported(tree, tmp_path):
    index = Index.objects.create(code="sipas", name_vi="SIPAS")
    methodology(index, 2025)
    names = export(tmp_path, year=2025).namelist()
    assert "methodology/sipas-department.csv" in names


@pytest.mark.django_db(transaction=True)
def test_run_outside_a_transaction_it_reads_one_snapshot(year_2024, tmp_path):
    """As from the command line: on PostgreSQL the files come from one repeatable-read snapshot."""
    results = rows(export(tmp_path), "results.csv")
    assert len(results) == Result.objects.filter(year=2024).count() == 3
