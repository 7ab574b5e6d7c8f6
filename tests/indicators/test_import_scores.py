"""`import_scores`: wide and long score files, checked whole, upserted in bulk, one recompute job."""

import datetime
from decimal import Decimal as D

import pytest

from indicators.models import (
    Aggregation,
    Assessment,
    Criterion,
    Index,
    Methodology,
    Result,
    Score,
)
from jobs.models import Job, JobStatus
from tests.importing import (
    long_scores_file,
    pending_jobs,
    rejected_command,
    run_command,
    write_csv,
    write_xlsx,
)
from tests.importing import snapshot as take_snapshot
from units.models import Unit, UnitKind

PAR_2023 = ["--index", "par", "--year", "2023"]


def run(path, *args):
    return run_command("import_scores", path, *args)


def rejected(path, *args):
    return rejected_command("import_scores", path, *args)


def snapshot():
    return take_snapshot(Index, Methodology, Criterion, Assessment, Score, Result, Job)


def methodology(index, kind, areas, aggregation=Aggregation.SUM, year=2023):
    """areas: {area_code: {leaf_code: max_points}} (an empty dict makes the area a leaf of 100)."""
    m = Methodology.objects.create(index=index, year=year, unit_kind=kind, aggregation=aggregation)
    position = 0
    for area_code, leaves in areas.items():
        position += 1
        area = Criterion.objects.create(
            methodology=m,
            code=area_code,
            title=area_code,
            max_points=sum(leaves.values(), D(0)) or D(100),
            position=position,
        )
        for code, max_points in leaves.items():
            position += 1
            Criterion.objects.create(
                methodology=m, parent=area, code=code, title=code, max_points=max_points, position=position
            )
    return m


@pytest.fixture
def par(tree):
    """PAR 2023: departments score 1.1 (40), 1.2 (20), 2.1 (40); districts X.1 (10); communes are published."""
    index = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    methodology(index, UnitKind.DEPARTMENT, {"1": {"1.1": D(40), "1.2": D(20)}, "2": {"2.1": D(40)}})
    methodology(index, UnitKind.DISTRICT, {"X": {"X.1": D(10)}})
    methodology(index, UnitKind.COMMUNE, {"C": {}}, aggregation=Aggregation.PUBLISHED)
    return index


def scores():
    """{(unit code, criterion code): (final, not applicable, self, note)}."""
    return {
        (s.assessment.unit.code, s.criterion.code): (s.final_score, s.not_applicable, s.self_score, s.note)
        for s in Score.objects.select_related("assessment__unit", "criterion")
    }


WIDE = [
    ["unit_code", "unit_name", "1.1", "1.2", "2.1", "X.1"],
    ["A", "Sở A", "30", "NA", "", ""],
    ["B", "Huyện B", "", "", "", "7.5"],
]


# --- what is written ---------------------------------------------------------------------------


def test_a_wide_file_scores_each_unit_under_its_kinds_methodology(par, tmp_path):
    out = run(write_csv(tmp_path, WIDE), *PAR_2023)
    assert scores() == {
        ("A", "1.1"): (D(30), False, None, ""),
        ("A", "1.2"): (None, True, None, ""),
        ("B", "X.1"): (D("7.5"), False, None, ""),
    }
    assert set(Assessment.objects.values_list("unit__code", "methodology__unit_kind")) == {
        ("A", UnitKind.DEPARTMENT),
        ("B", UnitKind.DISTRICT),
    }
    assert out.strip() == "scores 3, changed 3, assessments created 2"
    assert pending_jobs() == [("results.recompute", f"{par.pk}:2023")]


def test_an_empty_cell_leaves_a_stored_score_alone_and_na_is_not_applicable(par, tmp_path):
    run(write_csv(tmp_path, [["unit_code", "1.1", "2.1"], ["A", "30", "20"]], name="first.csv"), *PAR_2023)
    run(write_csv(tmp_path, [["unit_code", "1.1", "2.1"], ["A", "", "na"]], name="second.csv"), *PAR_2023)
    assert scores() == {("A", "1.1"): (D(30), False, None, ""), ("A", "2.1"): (None, True, None, "")}


def test_a_long_file_with_self_scores_and_notes(par, tmp_path):
    rows = [
        ["unit_code", "criterion_code", "score", "self_score", "note"],
        ["A", "1.1", "30", "35", "thiếu minh chứng"],
        ["A", "1.2", "NA", "", "không có TTHC"],
        ["A", "2.1", "", "38", ""],  # self-assessed, not yet appraised
        ["B", "X.1", "10", "10", ""],
    ]
    run(write_csv(tmp_path, rows), *PAR_2023)
    assert scores() == {
        ("A", "1.1"): (D(30), False, D(35), "thiếu minh chứng"),
        ("A", "1.2"): (None, True, None, "không có TTHC"),
        ("A", "2.1"): (None, False, D(38), ""),
        ("B", "X.1"): (D(10), False, D(10), ""),
    }


def test_a_long_row_with_nothing_in_it_records_nothing(par, tmp_path):
    rows = [["unit_code", "criterion_code", "score", "note"], ["A", "1.1", "", ""], ["A", "1.2", "5", ""]]
    out = run(write_csv(tmp_path, rows), *PAR_2023)
    assert scores() == {("A", "1.2"): (D(5), False, None, "")}
    assert "scores 1" in out


def test_a_wide_file_updates_the_final_score_and_keeps_self_score_and_note(par, tmp_path):
    long_rows = [["unit_code", "criterion_code", "score", "self_score", "note"], ["A", "1.1", "30", "35", "ghi chú"]]
    run(write_csv(tmp_path, long_rows, name="long.csv"), *PAR_2023)
    run(write_csv(tmp_path, [["unit_code", "1.1"], ["A", "32"]], name="wide.csv"), *PAR_2023)
    assert scores() == {("A", "1.1"): (D(32), False, D(35), "ghi chú")}


def test_a_long_file_without_self_score_column_keeps_the_stored_self_score(par, tmp_path):
    long_rows = [["unit_code", "criterion_code", "score", "self_score", "note"], ["A", "1.1", "30", "35", "ghi chú"]]
    run(write_csv(tmp_path, long_rows, name="long.csv"), *PAR_2023)
    run(write_csv(tmp_path, [["unit_code", "criterion_code", "score"], ["A", "1.1", "NA"]], name="b.csv"), *PAR_2023)
    assert scores() == {("A", "1.1"): (None, True, D(35), "ghi chú")}


def test_values_with_more_decimals_than_stored_are_rounded_half_to_even_and_counted(par, tmp_path):
    rows = [
        ["unit_code", "1.1", "1.2", "2.1"],
        # 20.0000005 rounds to the maximum of 1.2 (half to even), so it is within it.
        ["A", "7.12345650000001", "20.0000005", "38.6417360305786"],
    ]
    out = run(write_csv(tmp_path, rows), *PAR_2023)
    assert scores() == {
        ("A", "1.1"): (D("7.123457"), False, None, ""),
        ("A", "1.2"): (D(20), False, None, ""),
        ("A", "2.1"): (D("38.641736"), False, None, ""),
    }
    assert out.strip() == "scores 3, changed 3, assessments created 1, values rounded 3"


def test_a_long_files_rounded_score_and_self_score_count_as_two(par, tmp_path):
    rows = [["unit_code", "criterion_code", "score", "self_score"], ["A", "1.1", "30.0000004", "35.1234567"]]
    out = run(write_csv(tmp_path, rows), *PAR_2023)
    assert scores() == {("A", "1.1"): (D(30), False, D("35.123457"), "")}
    assert out.strip().endswith("values rounded 2")


def test_values_keep_full_precision(par, tmp_path):
    run(write_csv(tmp_path, [["unit_code", "1.1", "1.2"], ["A", "7.123456", "19,999999"]]), *PAR_2023)
    assert scores()[("A", "1.1")][0] == D("7.123456")
    assert scores()[("A", "1.2")][0] == D("19.999999")


def test_an_xlsx_wide_file_with_numbers(par, tmp_path):
    rows = [["unit_code", "1.1", "1.2", "2.1"], ["A", 34.6, 20, 7.123456]]
    run(write_xlsx(tmp_path, rows), *PAR_2023)
    assert {code: final for (_, code), (final, *_) in scores().items()} == {
        "1.1": D("34.6"),
        "1.2": D(20),
        "2.1": D("7.123456"),
    }


def test_an_xlsxlong_scores_file(par, tmp_path):
    rows = [["unit_code", "criterion_code", "score"], ["A", "1.1", 12.5], ["A", "1.2", "NA"]]
    run(write_xlsx(tmp_path, rows), *PAR_2023)
    assert scores() == {("A", "1.1"): (D("12.5"), False, None, ""), ("A", "1.2"): (None, True, None, "")}


def test_a_csv_with_a_bom_and_upper_case_headers(par, tmp_path):
    run(write_csv(tmp_path, [["Unit_Code", "1.1"], ["A", "3"]], bom=True), *PAR_2023)
    assert scores() == {("A", "1.1"): (D(3), False, None, "")}


def test_wide_headers_match_criterion_codes_whatever_their_case(tree, tmp_path):
    index = Index.objects.create(code="par", name_vi="PAR")
    methodology(index, UnitKind.DEPARTMENT, {"PAR.1": {"PAR.1.1": D(10)}})
    run(write_csv(tmp_path, [["unit_code", "PAR.1.1"], ["A", "4"]]), *PAR_2023)
    assert scores() == {("A", "PAR.1.1"): (D(4), False, None, "")}


def test_reimporting_the_same_file_changes_nothing(par, tmp_path):
    path = write_csv(tmp_path, WIDE)
    run(path, *PAR_2023)
    Job.objects.update(status=JobStatus.DONE)
    before = snapshot()
    out = run(path, *PAR_2023)
    assert snapshot() == before
    assert out.strip() == "scores 3, changed 0, assessments created 0"


def test_only_the_changed_scores_are_written_and_each_is_audited_once_with_what_changed(par, tmp_path):
    # Compared, written and audited set-wise in SQL (a staging table): the unchanged score is
    # skipped, and every change is written and audited once, with only the fields that changed.
    from audit.models import AuditEntry

    run(write_csv(tmp_path, [["unit_code", "1.1"], ["A", "30"]], name="first.csv"), *PAR_2023)
    rows = [
        ["unit_code", "criterion_code", "score"],
        ["A", "1.1", "30"],
        ["A", "1.2", "10"],
        ["A", "2.1", "NA"],
        ["B", "X.1", "7.5"],
    ]
    out = run(write_csv(tmp_path, rows, name="second.csv"), *PAR_2023)
    assert scores() == {
        ("A", "1.1"): (D(30), False, None, ""),
        ("A", "1.2"): (D(10), False, None, ""),
        ("A", "2.1"): (None, True, None, ""),
        ("B", "X.1"): (D("7.5"), False, None, ""),
    }
    assert out.strip() == "scores 4, changed 3, assessments created 1"
    audited = AuditEntry.objects.filter(action="score.import").order_by("id")
    assert [(entry.unit.code, entry.criterion.code, entry.changes) for entry in audited[1:]] == [
        ("A", "1.2", {"final_score": [None, "10"], "not_applicable": [None, False]}),
        ("A", "2.1", {"not_applicable": [None, True]}),
        ("B", "X.1", {"final_score": [None, "7.5"], "not_applicable": [None, False]}),
    ]
    assert [entry.object_id for entry in audited[1:]] == [
        str(Score.objects.get(assessment__unit__code=unit, criterion__code=code).pk)
        for unit, code in (("A", "1.2"), ("A", "2.1"), ("B", "X.1"))
    ]


def test_a_burst_of_two_thousand_rows_leaves_one_pending_job_and_runs_few_queries(
    par, tree, tmp_path, django_assert_max_num_queries
):
    index = Index.objects.create(code="sipas", name_vi="SIPAS")
    methodology(index, UnitKind.DEPARTMENT, {f"S{i}": {} for i in range(20)}, aggregation=Aggregation.MEAN)
    units = Unit.objects.bulk_create(
        [Unit(code=f"D{i:03}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province) for i in range(100)]
    )
    rows = [["unit_code", "criterion_code", "score"]]
    rows += [[unit.code, f"S{i}", f"{50 + i}.{unit.pk % 97:02}"] for unit in units for i in range(20)]
    assert len(rows) == 2001
    path = write_csv(tmp_path, rows)
    # A few dozen, not thousands: 2,000 scores and their 2,000 audit rows go in batches of as many
    # rows as SQLite takes parameters for (999 ÷ the columns: an audit row has 14 since its reason
    # code and parameters), plus the lookups.
    with django_assert_max_num_queries(66):
        out = run(path, "--index", "sipas", "--year", "2023")
    assert out.strip() == "scores 2000, changed 2000, assessments created 100"
    assert Score.objects.filter(assessment__methodology__index=index).count() == 2000
    assert pending_jobs() == [("results.recompute", f"{index.pk}:2023")]
    # and a second burst on the same index and year adds no job while the first is pending
    rows[1][2] = "1"
    run(write_csv(tmp_path, rows, name="again.csv"), "--index", "sipas", "--year", "2023")
    assert Job.objects.count() == 1


# --- rejections: every problem, and nothing written ----------------------------------------------


@pytest.fixture
def scored(par, tree, tmp_path):
    """PAR 2023 with A and B scored once, and a unit that closed in 2022."""
    Unit.objects.create(
        code="OLD", name="Sở cũ", kind=UnitKind.DEPARTMENT, parent=tree.province, valid_to=datetime.date(2022, 12, 31)
    )
    run(write_csv(tmp_path, WIDE, name="first.csv"), *PAR_2023)
    return par


LONG = ["unit_code", "criterion_code", "score", "self_score"]
WIDE_REJECTIONS = {
    "unknown unit": ([["unit_code", "1.1"], ["Z", "1"]], "line 2, column unit_code: unknown unit “Z”"),
    "empty unit": ([["unit_code", "1.1"], ["", "1"]], "line 2, column unit_code: the unit code is empty"),
    "unit closed that year": (
        [["unit_code", "1.1"], ["OLD", "1"]],
        "line 2, column unit_code: the unit “OLD” did not exist in 2023",
    ),
    "published methodology": (
        [["unit_code", "1.1"], ["B1", "1"]],
        "line 2, column unit_code: the 2023 commune methodology of par is published, not scored: use import_results",
    ),
    "column unknown everywhere": (
        [["unit_code", "9.9", "1.1"], ["A", "1", "1"], ["B", "1", ""]],
        "line 1, column 9.9: “9.9” is not a criterion of any 2023 methodology of par",
    ),
    "column of another kind": (
        [["unit_code", "1.1", "X.1"], ["A", "1", "1"]],
        "line 2, column X.1: “X.1” is not a criterion of the 2023 department methodology of par",
    ),
    "area column": ([["unit_code", "1"], ["A", "1"]], "line 1, column 1: “1” has sub-criteria"),
    "not a number": ([["unit_code", "1.1"], ["A", "ba mươi"]], "line 2, column 1.1: “ba mươi” is not a number"),
    "negative": ([["unit_code", "1.1"], ["A", "-1"]], "line 2, column 1.1: “-1” is negative"),
    "above the maximum": ([["unit_code", "1.2"], ["A", "20.5"]], "line 2, column 1.2: 20.5 is above the maximum of 20"),
    "negative that would round to 0": (
        [["unit_code", "1.1"], ["A", "-0.0000001"]],
        "line 2, column 1.1: “-0.0000001” is negative",
    ),
    "above the maximum once rounded": (
        [["unit_code", "1.2"], ["A", "20.0000015"]],
        "line 2, column 1.2: 20.0000015 is above the maximum of 20",
    ),
    "duplicate unit": ([["unit_code", "1.1"], ["A", "1"], ["A", "2"]], "line 3, column unit_code: duplicate of line 2"),
    "missing unit column": ([["unit", "1.1"], ["A", "1"]], "line 1, column unit_code: missing column"),
    "column twice": ([["unit_code", "1.1", "1.1"], ["A", "1", "2"]], "line 1, column 1.1: the column appears twice"),
    "header only": ([["unit_code", "1.1"]], "line 1: the file has a header but no rows"),
}
LONG_REJECTIONS = {
    "unknown criterion": (
        [LONG, ["A", "X.1", "1", ""]],
        "line 2, column criterion_code: “X.1” is not a criterion of the 2023 department methodology of par",
    ),
    "empty criterion": ([LONG, ["A", "", "1", ""]], "line 2, column criterion_code: the criterion code is empty"),
    "area criterion": ([LONG, ["A", "2", "1", ""]], "line 2, column criterion_code: “2” has sub-criteria"),
    "duplicate pair": (
        [LONG, ["A", "1.1", "1", ""], ["B", "X.1", "1", ""], ["A", "1.1", "2", ""]],
        "line 4, column criterion_code: duplicate of line 2",
    ),
    "self score above the maximum": (
        [LONG, ["A", "2.1", "", "41"]],
        "line 2, column self_score: 41 is above the maximum of 40 for “2.1”",
    ),
    "self score NA": ([LONG, ["A", "2.1", "", "NA"]], "line 2, column self_score: “NA” is not a number"),
    "score above the maximum": (
        [LONG, ["B", "X.1", "10.000001", ""]],
        "line 2, column score: 10.000001 is above the maximum of 10",
    ),
    "missing score column": ([["unit_code", "criterion_code"], ["A", "1.1"]], "line 1, column score: missing column"),
    "unknown column": ([[*LONG, "remark"], ["A", "1.1", "1", "", ""]], "line 1, column remark: unknown column"),
    "no methodology for the kind": (
        [LONG, ["P", "1.1", "1", ""]],
        "line 2, column unit_code: par has no 2023 methodology for province units",
    ),
}


@pytest.mark.parametrize(
    "rows, message",
    [*WIDE_REJECTIONS.values(), *LONG_REJECTIONS.values()],
    ids=[*WIDE_REJECTIONS.keys(), *LONG_REJECTIONS.keys()],
)
def test_a_bad_file_is_refused_with_line_column_and_reason(scored, tmp_path, rows, message):
    before = snapshot()
    err = rejected(write_csv(tmp_path, rows, name="bad.csv"), *PAR_2023)
    assert message in err
    assert snapshot() == before


def test_an_unknown_index_is_refused_on_line_one(scored, tmp_path):
    before = snapshot()
    err = rejected(write_csv(tmp_path, WIDE, name="bad.csv"), "--index", "pci", "--year", "2023")
    assert "line 1: unknown index “pci”" in err
    assert snapshot() == before


def test_a_year_without_methodologies_names_every_column_and_unit(scored, tmp_path):
    err = rejected(
        write_csv(tmp_path, [["unit_code", "1.1"], ["A", "1"]], name="bad.csv"), "--index", "par", "--year", "2024"
    )
    assert "line 1, column 1.1: “1.1” is not a criterion of any 2024 methodology of par" in err
    assert "line 2, column unit_code: par has no 2024 methodology for department units" in err


def test_a_column_unknown_everywhere_is_reported_once_not_per_row(scored, tmp_path):
    rows = [["unit_code", "9.9"], *[["A" if i == 0 else "B", "1"] for i in range(2)]]
    err = rejected(write_csv(tmp_path, rows, name="bad.csv"), *PAR_2023)
    assert [line for line in err.splitlines() if "9.9" in line] == [
        f"{tmp_path / 'bad.csv'}: line 1, column 9.9: “9.9” is not a criterion of any 2023 methodology of par"
    ]


def test_every_problem_of_the_file_is_listed_not_only_the_first(scored, tmp_path):
    rows = [["unit_code", "1.1", "1.2", "x.1"], ["A", "41", "abc", ""], ["Z", "1", "", ""], ["B", "", "", "11"]]
    err = rejected(write_csv(tmp_path, rows, name="bad.csv"), *PAR_2023)
    for expected in [
        "line 2, column 1.1: 41 is above the maximum of 40",
        "line 2, column 1.2: “abc” is not a number",
        "line 3, column unit_code: unknown unit “Z”",
        "line 4, column x.1: 11 is above the maximum of 10",
    ]:
        assert expected in err


# --- the template's maxima line; published scores are frozen -----------------------------------


def test_the_maxima_line_of_a_template_is_skipped(par, tmp_path):
    rows = [["unit_code", "unit_name", "1.1", "1.2"], ["#MAX", "Điểm tối đa", "40", "20"], ["A", "Sở A", "30", ""]]
    out = run(write_csv(tmp_path, rows), *PAR_2023)
    assert scores() == {("A", "1.1"): (D(30), False, None, "")}
    assert out.strip() == "scores 1, changed 1, assessments created 1"


def test_a_maxima_line_is_only_skipped_in_a_wide_file(par, tmp_path):
    rows = [["unit_code", "criterion_code", "score"], ["#max", "1.1", "40"]]
    assert "line 2, column unit_code: “#max” is not a unit code" in rejected(write_csv(tmp_path, rows), *PAR_2023)


@pytest.fixture
def published_a(par, tree, tmp_path):
    """Sở A's 2023 assessment scored (1.1 = 30, 1.2 NA) and published."""
    run(write_csv(tmp_path, WIDE, name="first.csv"), *PAR_2023)
    Assessment.objects.filter(unit=tree.dept_a).update(status="published")
    return par


def test_a_published_assessments_scores_are_frozen(published_a, tmp_path):
    rows = [["unit_code", "1.1", "1.2", "2.1"], ["A", "31", "NA", "5"], ["B", "", "", ""]]
    before = snapshot()
    err = rejected(write_csv(tmp_path, rows, name="bad.csv"), *PAR_2023)
    frozen = "the 2023 assessment of “A” is published and its scores are frozen: an administrator must reopen it first"
    assert f"line 2, column 1.1: {frozen}" in err
    assert f"line 2, column 2.1: {frozen}" in err
    assert "column 1.2" not in err  # NA again is no change
    assert snapshot() == before


def test_the_same_published_scores_again_are_no_change(published_a, tmp_path):
    out = run(write_csv(tmp_path, [["unit_code", "1.1", "1.2"], ["A", "30", "na"]], name="same.csv"), *PAR_2023)
    assert out.strip() == "scores 2, changed 0, assessments created 0"


def test_a_long_file_cannot_change_a_published_note_either(published_a, tmp_path):
    rows = [["unit_code", "criterion_code", "score", "note"], ["A", "1.1", "30", "thêm ghi chú"], ["B", "X.1", "5", ""]]
    err = rejected(write_csv(tmp_path, rows, name="bad.csv"), *PAR_2023)
    assert "line 2, column score: the 2023 assessment of “A” is published" in err
    assert "line 3" not in err


def test_a_reopened_assessment_can_be_changed_again(published_a, tmp_path):
    Assessment.objects.update(status="appraised")
    run(write_csv(tmp_path, [["unit_code", "1.1"], ["A", "31"]], name="again.csv"), *PAR_2023)
    assert scores()[("A", "1.1")][0] == D(31)


@pytest.mark.slow  # files of tens of thousands of rows, read under tracemalloc
@pytest.mark.parametrize(
    ("suffix", "bytes_per_row"),
    [
        (".csv", 60),
        # openpyxl's read-only parser (ElementTree's iterparse) clears each row's element but leaves
        # it in the sheet's: about 90 bytes a row, at most a sheet's 1,048,576 rows (~90 MB). The peak
        # also catches a batch's garbage at a different moment from run to run: 140 bytes a row
        # measured alone, 213 in a CI worker. The bound is half of what reading whole costs (690).
        (".xlsx", 345),
    ],
)
def test_a_long_file_streams_in_memory_that_does_not_grow_with_it(tree, tmp_path, suffix, bytes_per_row):
    """The file is read, checked and staged a batch at a time and its repeated lines are found in
    the staging table: 18,000 more rows add next to nothing (read whole, they added 690 bytes a row:
    5.5 MB at 6,000 rows, 17.4 MB at 24,000; now 0–35 bytes a row from a CSV, as measured here: the
    import's own process, bench/README.md, peaks at the same 101 MB at 50,000 and 200,000 rows)."""
    import tracemalloc

    index = Index.objects.create(code="big", name_vi="Lớn")
    leaves = [f"c{i}" for i in range(400)]
    methodology(index, UnitKind.DEPARTMENT, {"1": dict.fromkeys(leaves, D(10))})
    units = Unit.objects.bulk_create(
        [Unit(code=f"D{i:03}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province) for i in range(120)]
    )
    peaks = {}
    # The same number of units in both: the units a file names are kept (at most all of the year's).
    for rows, of_units, of_leaves in ((6_000, units[:60], leaves[:100]), (24_000, units[60:], leaves)):
        path = long_scores_file(tmp_path / f"scores-{rows}{suffix}", of_units, of_leaves, rows=rows)
        tracemalloc.start()
        try:
            out = run(str(path), "--index", "big", "--year", "2023")
            _current, peaks[rows] = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert out.strip() == f"scores {rows}, changed {rows}, assessments created {len(of_units)}"
    assert Score.objects.filter(assessment__methodology__index=index).count() == 30_000
    per_row = (peaks[24_000] - peaks[6_000]) / 18_000
    assert per_row < bytes_per_row, {rows: f"{peak / 2**20:.1f} MB" for rows, peak in peaks.items()}


@pytest.fixture
def big(tree):
    """Index `big`, 2023: departments score c0…c99 (10 points each); 60 departments D000…D059."""
    index = Index.objects.create(code="big", name_vi="Lớn")
    leaves = [f"c{i}" for i in range(100)]
    methodology(index, UnitKind.DEPARTMENT, {"1": dict.fromkeys(leaves, D(10))})
    units = Unit.objects.bulk_create(
        [Unit(code=f"D{i:03}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province) for i in range(60)]
    )
    return units, leaves


@pytest.mark.needs_postgres
def test_changing_every_score_of_a_page_keeps_each_on_its_page(big, tmp_path):
    """An import that changes every score (6,000: dozens of pages) writes each new version on the
    page of the old one (a HOT update: no index written), the scores' pages being half empty
    (indicators 0011). On full pages nearly every one went to another page and into three indexes."""
    from django.db import connection

    units, leaves = big
    run(str(long_scores_file(tmp_path / "first.csv", units, leaves, rows=6_000)), "--index", "big", "--year", "2023")
    changed = tmp_path / "changed.csv"
    changed.write_text(
        "unit_code,criterion_code,score\n" + "".join(f"{unit.code},{leaf},10\n" for unit in units for leaf in leaves),
        encoding="utf-8",
    )

    def updates():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'indicators_score'"
            )
            return cursor.fetchone() or (0, 0)

    before = updates()
    out = run(str(changed), "--index", "big", "--year", "2023")
    assert out.strip() == "scores 6000, changed 6000, assessments created 0"  # no score of the first was 10
    updated, hot = (after - earlier for after, earlier in zip(updates(), before, strict=True))
    assert (updated, hot) == (6_000, 6_000)


def test_a_line_repeating_one_a_batch_earlier_is_named_and_its_values_are_not_checked(big, tmp_path):
    """Line 5,003 repeats line 2, five thousand lines (a batch) before it: it is said to be a
    duplicate, and only that (its bad score is not what is wrong with it); the line after it, with
    the same bad score, is told so."""
    units, leaves = big
    path = long_scores_file(tmp_path / "scores.csv", units, leaves, rows=5_001)
    with path.open("a", encoding="utf-8") as out:
        out.write(f"{units[0].code},{leaves[0]},abc\n{units[59].code},{leaves[99]},abc\n")
    before = snapshot()
    err = rejected(str(path), "--index", "big", "--year", "2023")
    assert err.splitlines() == [
        f"{path}: line 5003, column criterion_code: duplicate of line 2",
        f"{path}: line 5004, column score: “abc” is not a number",
    ]
    assert snapshot() == before


def test_a_line_that_is_not_utf8_far_down_the_file_is_the_only_problem(big, tmp_path):
    """As when the file was read whole: nothing else is reported, nothing written."""
    units, leaves = big
    path = long_scores_file(tmp_path / "scores.csv", units, leaves, rows=5_500)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[5_400] = b"D054,c0,\xff\xfe\n"
    lines[20] = b"NOPE,c0,1\n"
    path.write_bytes(b"".join(lines))
    before = snapshot()
    err = rejected(str(path), "--index", "big", "--year", "2023")
    assert err.splitlines() == [f"{path}: line 5401: the file is not UTF-8 text (save it as “CSV UTF-8”)"]
    assert snapshot() == before
