"""`import_results`: published values and official ranks, checked whole, upserted by unit, index and year."""

import datetime
import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from indicators.models import Index, Result, ResultSource
from jobs.models import Job, JobStatus
from tests.importing import (
    pending_jobs,
    rejected_command,
    run_command,
    write_csv,
    write_xlsx,
)
from tests.importing import snapshot as take_snapshot
from units.models import Unit, UnitKind

PAR_2023 = ["--index", "par", "--year", "2023"]
HEADER = ["unit_code", "value", "rank", "group_size"]


def run(path, *args):
    return run_command("import_results", path, *args)


def rejected(path, *args):
    return rejected_command("import_results", path, *args)


def snapshot():
    return take_snapshot(Index, Result, Job)


def results():
    """{unit code: (source, value, official rank, official group size, points)}."""
    return {
        r.unit.code: (r.source, r.value, r.official_rank, r.official_group_size, r.points)
        for r in Result.objects.select_related("unit")
    }


@pytest.fixture
def par(tree):
    return Index.objects.create(code="par", name_vi="Chỉ số CCHC")


def test_the_provinces_published_value_and_national_rank_are_stored(par, tmp_path):
    out = run(write_csv(tmp_path, [HEADER, ["P", "84.52", "56", "63"]]), *PAR_2023)
    assert results() == {"P": (ResultSource.PUBLISHED, D("84.52"), 56, 63, None)}
    assert Result.objects.get().year == 2023
    assert out.strip() == "results 1, changed 1"
    assert pending_jobs() == [("results.recompute", f"{par.pk}:2023")]


def test_values_without_ranks_and_a_rank_without_its_value(par, tmp_path):
    rows = [HEADER, ["A", "7.123456", "", ""], ["B", "", "3", "20"]]
    run(write_csv(tmp_path, rows), *PAR_2023)
    assert results() == {
        "A": (ResultSource.PUBLISHED, D("7.123456"), None, None, None),
        "B": (ResultSource.PUBLISHED, None, 3, 20, None),
    }


def test_the_two_columns_form_without_rank_columns(par, tmp_path):
    run(write_csv(tmp_path, [["unit_code", "value"], ["A", "90,5"]], bom=True), *PAR_2023)
    assert results() == {"A": (ResultSource.PUBLISHED, D("90.5"), None, None, None)}


def test_a_published_result_replaces_the_computed_one_of_the_same_unit(par, tree, tmp_path):
    computed = Result.objects.create(
        unit=tree.dept_a, index=par, year=2023, value=D(80), points=D(80), applicable_max=D(100), rank=1, group_size=1
    )
    other_year = Result.objects.create(unit=tree.dept_a, index=par, year=2022, value=D(70))
    run(write_csv(tmp_path, [HEADER, ["A", "96.5", "1", "20"]]), *PAR_2023)
    replaced = Result.objects.get(unit=tree.dept_a, year=2023)
    assert replaced.pk == computed.pk
    assert (replaced.source, replaced.value, replaced.points, replaced.applicable_max) == (
        ResultSource.PUBLISHED,
        D("96.5"),
        None,
        None,
    )
    assert (replaced.official_rank, replaced.official_group_size) == (1, 20)
    other_year.refresh_from_db()
    assert (other_year.source, other_year.value) == (ResultSource.COMPUTED, D(70))


def test_an_xlsx_file_with_numbers(par, tmp_path):
    rows = [HEADER, ["P", 62.87, 56, 63], ["A", 7.123456, None, None]]
    run(write_xlsx(tmp_path, rows), *PAR_2023)
    assert results() == {
        "P": (ResultSource.PUBLISHED, D("62.87"), 56, 63, None),
        "A": (ResultSource.PUBLISHED, D("7.123456"), None, None, None),
    }


def test_values_with_more_decimals_than_stored_are_rounded_half_to_even_and_counted(par, tmp_path):
    rows = [
        HEADER,
        ["P", "6.64173603057861", "56", "63"],  # an Excel export of a published table
        ["A", "2.5000005", "", ""],  # the tie goes to the even digit: 2.500000
        ["B", "-2.5000015", "", ""],  # … here -2.500002
        ["B1", "7.1000000", "", ""],  # seven decimals, nothing lost: not counted
    ]
    out = run(write_csv(tmp_path, rows), *PAR_2023)
    assert {code: value for code, (_s, value, *_rest) in results().items()} == {
        "P": D("6.641736"),
        "A": D("2.5"),
        "B": D("-2.500002"),
        "B1": D("7.1"),
    }
    assert out.strip() == "results 4, changed 4, values rounded 3"
    # The stored values are what a second import compares with: nothing changes, nothing is rounded twice.
    assert run(write_csv(tmp_path, rows, name="again.csv"), *PAR_2023).strip() == (
        "results 4, changed 0, values rounded 3"
    )


def test_an_xlsx_cell_at_full_double_precision_is_rounded(par, tmp_path):
    run(write_xlsx(tmp_path, [HEADER, ["P", 42.41856002807617, 46, 63]]), *PAR_2023)
    assert results() == {"P": (ResultSource.PUBLISHED, D("42.418560"), 46, 63, None)}


def test_values_equal_once_rounded_share_a_rank(par, tree, tmp_path):
    for code in ("A2", "A3"):
        Unit.objects.create(code=code, name=code, kind=UnitKind.DEPARTMENT, parent=tree.province)
    rows = [HEADER, ["A", "70.1234564", "", ""], ["A2", "70.1234556", "", ""], ["A3", "70.1234574", "", ""]]
    run(write_csv(tmp_path, rows), *PAR_2023)
    call_command("recompute", index="par", year=2023, stdout=io.StringIO())
    ranked = {r.unit.code: (r.value, r.rank, r.group_size) for r in Result.objects.select_related("unit")}
    # Ranked on the stored values: A and A2 differ only past the sixth decimal, so they tie (1, 2, 2).
    assert ranked == {"A3": (D("70.123457"), 1, 3), "A": (D("70.123456"), 2, 3), "A2": (D("70.123456"), 2, 3)}


def test_reimporting_the_same_file_changes_nothing(par, tmp_path):
    path = write_csv(tmp_path, [HEADER, ["P", "84.52", "56", "63"], ["A", "90", "", ""]])
    run(path, *PAR_2023)
    Job.objects.update(status=JobStatus.DONE)
    before = snapshot()
    out = run(path, *PAR_2023)
    assert snapshot() == before
    assert out.strip() == "results 2, changed 0"


def test_a_burst_of_results_leaves_one_pending_job_per_index_and_year(par, tree, tmp_path):
    units = Unit.objects.bulk_create(
        [Unit(code=f"C{i:04}", name=f"Xã {i}", kind=UnitKind.COMMUNE, parent=tree.district_b) for i in range(1500)]
    )
    rows = [HEADER, *[[unit.code, f"{i % 100}.5", str(i + 1), "1500"] for i, unit in enumerate(units)]]
    run(write_csv(tmp_path, rows), *PAR_2023)
    run(write_csv(tmp_path, rows, name="2024.csv"), "--index", "par", "--year", "2024")
    rows[1][1] = "1"
    run(write_csv(tmp_path, rows, name="changed.csv"), *PAR_2023)
    assert Result.objects.count() == 3000
    assert sorted(pending_jobs()) == [("results.recompute", f"{par.pk}:2023"), ("results.recompute", f"{par.pk}:2024")]


# --- rejections: every problem, and nothing written ----------------------------------------------


@pytest.fixture
def published(par, tree, tmp_path):
    Unit.objects.create(
        code="OLD", name="Sở cũ", kind=UnitKind.DEPARTMENT, parent=tree.province, valid_to=datetime.date(2022, 12, 31)
    )
    run(write_csv(tmp_path, [HEADER, ["P", "84.52", "56", "63"]], name="first.csv"), *PAR_2023)
    return par


REJECTIONS = {
    "unknown unit": ([HEADER, ["Z", "1", "", ""]], "line 2, column unit_code: unknown unit “Z”"),
    "unit closed that year": (
        [HEADER, ["OLD", "1", "", ""]],
        "line 2, column unit_code: the unit “OLD” did not exist in 2023",
    ),
    "duplicate unit": (
        [HEADER, ["A", "1", "", ""], ["P", "2", "", ""], ["A", "1", "", ""]],
        "line 4, column unit_code: duplicate of line 2",
    ),
    "value not a number": ([HEADER, ["A", "tốt", "", ""]], "line 2, column value: “tốt” is not a number"),
    "value too large": ([HEADER, ["A", "1000000000", "", ""]], "line 2, column value: “1000000000” is too large"),
    "value too large once rounded": (
        [HEADER, ["A", "999999999.9999999", "", ""]],
        "line 2, column value: “999999999.9999999” is too large",
    ),
    "value empty without rank": (
        [HEADER, ["A", "", "", ""]],
        "line 2, column value: the value is empty: give the value, or the rank and group size",
    ),
    "rank without group size": (
        [HEADER, ["A", "1", "3", ""]],
        "line 2, column group_size: a rank needs its group size",
    ),
    "group size without rank": ([HEADER, ["A", "1", "", "20"]], "line 2, column rank: a group size needs its rank"),
    "rank beyond group size": (
        [HEADER, ["A", "1", "21", "20"]],
        "line 2, column rank: rank 21 is beyond the group size 20",
    ),
    "rank zero": ([HEADER, ["A", "1", "0", "20"]], "line 2, column rank: “0” is not a whole number of at least 1"),
    "rank not whole": (
        [HEADER, ["A", "1", "2.5", "20"]],
        "line 2, column rank: “2.5” is not a whole number of at least 1",
    ),
    "group size not a number": (
        [HEADER, ["A", "1", "2", "hai mươi"]],
        "line 2, column group_size: “hai mươi” is not a whole number",
    ),
    "missing value column": (
        [["unit_code", "rank", "group_size"], ["A", "1", "2"]],
        "line 1, column value: missing column",
    ),
    "unknown column": ([[*HEADER, "band"], ["A", "1", "", "", "Tốt"]], "line 1, column band: unknown column"),
    "empty file": ([], "line 1: the file is empty"),
}


@pytest.mark.parametrize("rows, message", REJECTIONS.values(), ids=REJECTIONS.keys())
def test_a_bad_file_is_refused_with_line_column_and_reason(published, tmp_path, rows, message):
    before = snapshot()
    err = rejected(write_csv(tmp_path, [*rows, *([["P", "10", "1", "63"]] if rows else [])], name="bad.csv"), *PAR_2023)
    assert message in err
    assert snapshot() == before


def test_an_unknown_index_is_refused_on_line_one(published, tmp_path):
    before = snapshot()
    err = rejected(
        write_csv(tmp_path, [HEADER, ["A", "1", "", ""]], name="bad.csv"), "--index", "pci", "--year", "2023"
    )
    assert "line 1: unknown index “pci”" in err
    assert snapshot() == before


def test_every_problem_of_the_file_is_listed_not_only_the_first(published, tmp_path):
    rows = [HEADER, ["A", "x", "5", "4"], ["Z", "1", "", ""], ["B", "", "", ""]]
    err = rejected(write_csv(tmp_path, rows, name="bad.csv"), *PAR_2023)
    for expected in [
        "line 2, column value: “x” is not a number",
        "line 2, column rank: rank 5 is beyond the group size 4",
        "line 3, column unit_code: unknown unit “Z”",
        "line 4, column value: the value is empty",
    ]:
        assert expected in err
