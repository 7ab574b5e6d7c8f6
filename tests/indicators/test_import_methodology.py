"""`import_methodology`: a criteria tree read whole, checked whole, written all or nothing."""

from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEntry
from indicators.models import (
    Aggregation,
    Assessment,
    Criterion,
    CriterionKind,
    Direction,
    Index,
    Methodology,
    Result,
    ResultSource,
    Score,
)
from jobs.models import Job, JobStatus
from tests.importing import rejected_command, run_command, write_csv, write_xlsx
from tests.importing import snapshot as take_snapshot
from units.models import UnitKind

HEADER = ["code", "parent_code", "title", "max_points", "weight"]
TREE = [
    HEADER,
    ["1", "", "Chỉ đạo, điều hành", "60", ""],
    ["1.1", "1", "Kế hoạch", "40", ""],
    ["1.2", "1", "Báo cáo", "20", ""],
    ["2", "", "Thủ tục hành chính", "40", ""],
    ["2.1", "2", "Công khai", "40", ""],
]
DEPARTMENT_2023 = ["--index", "par", "--year", "2023", "--kind", "department", "--aggregation", "sum"]


def run(path, *args):
    return run_command("import_methodology", path, *args)


def rejected(path, *args):
    return rejected_command("import_methodology", path, *args)


def snapshot():
    return take_snapshot(Index, Methodology, Criterion, Assessment, Score, Result, Job)


def tree_of(index_code="par", year=2023, kind=UnitKind.DEPARTMENT):
    return {
        c.code: (c.parent.code if c.parent else None, c.title, c.max_points, c.weight, c.kind, c.position)
        for c in Criterion.objects.filter(
            methodology__index__code=index_code, methodology__year=year, methodology__unit_kind=kind
        ).select_related("parent")
    }


def pending_jobs():
    return list(Job.objects.filter(status=JobStatus.PENDING).values_list("key", flat=True))


@pytest.fixture
def imported(db, tmp_path):
    """The PAR 2023 department tree, imported once."""
    run(write_csv(tmp_path, TREE, name="first.csv"), *DEPARTMENT_2023)
    return Methodology.objects.get(index__code="par", year=2023, unit_kind=UnitKind.DEPARTMENT)


def add_scores(methodology, unit, values):
    assessment, _ = Assessment.objects.get_or_create(unit=unit, methodology=methodology)
    for code, value in values.items():
        Score.objects.create(
            assessment=assessment,
            criterion=Criterion.objects.get(methodology=methodology, code=code),
            final_score=D(value),
        )


# --- what is written ---------------------------------------------------------------------------


def test_a_new_index_methodology_and_tree_are_created_in_file_order(db, tmp_path):
    out = run(write_csv(tmp_path, TREE), *DEPARTMENT_2023, "--name", "Chỉ số CCHC")
    index = Index.objects.get(code="par")
    assert (index.name_vi, index.direction) == ("Chỉ số CCHC", Direction.HIGHER)
    methodology = Methodology.objects.get(index=index, year=2023, unit_kind=UnitKind.DEPARTMENT)
    assert methodology.aggregation == Aggregation.SUM
    assert tree_of() == {
        "1": (None, "Chỉ đạo, điều hành", D(60), None, CriterionKind.SELF_ASSESSED, 1),
        "1.1": ("1", "Kế hoạch", D(40), None, CriterionKind.SELF_ASSESSED, 2),
        "1.2": ("1", "Báo cáo", D(20), None, CriterionKind.SELF_ASSESSED, 3),
        "2": (None, "Thủ tục hành chính", D(40), None, CriterionKind.SELF_ASSESSED, 4),
        "2.1": ("2", "Công khai", D(40), None, CriterionKind.SELF_ASSESSED, 5),
    }
    assert "criteria 5" in out and "index created 1" in out
    assert pending_jobs() == [f"{index.pk}:2023"]


def test_the_demo_par_file_with_kinds_is_read_whole(db):
    path = str(Path(settings.BASE_DIR) / "fixtures" / "demo" / "methodology_par.csv")
    run(path, *DEPARTMENT_2023)
    tree = tree_of()
    assert len(tree) == 30
    assert tree["PAR.8.2"] == ("PAR.8", "Tác động đến phát triển kinh tế - xã hội", D("7.5"), None, "survey", 30)
    assert tree["PAR.3"][2] == D("14.5")


def test_a_csv_with_a_bom_reads_the_same(db, tmp_path):
    run(write_csv(tmp_path, TREE, bom=True), *DEPARTMENT_2023)
    assert set(tree_of()) == {"1", "1.1", "1.2", "2", "2.1"}


def test_an_xlsx_file_with_numbers_and_english_titles(db, tmp_path):
    rows = [
        [*HEADER, "kind", "title_en"],
        ["S1", None, "Tiếp cận dịch vụ", 100, 0.25, "survey", "Access"],
        ["S2", None, "Thủ tục hành chính", 100, 0.75, "survey", "Procedures"],
    ]
    run(
        write_xlsx(tmp_path, rows),
        "--index",
        "sipas",
        "--year",
        "2024",
        "--kind",
        "district",
        "--aggregation",
        "weighted",
        "--direction",
        "lower",
    )
    assert Index.objects.get(code="sipas").direction == Direction.LOWER
    assert Index.objects.get(code="sipas").name_vi == "sipas"
    criteria = {c.code: c for c in Criterion.objects.filter(methodology__index__code="sipas")}
    assert (criteria["S1"].weight, criteria["S2"].weight) == (D("0.25"), D("0.75"))
    assert (criteria["S1"].title_en, criteria["S1"].kind) == ("Access", CriterionKind.SURVEY)
    assert Methodology.objects.get(index__code="sipas").aggregation == Aggregation.WEIGHTED


def test_max_points_keep_six_decimals_exactly(db, tmp_path):
    run(write_csv(tmp_path, [HEADER, ["1", "", "Lĩnh vực", "7.123456", "0.000001"]]), *DEPARTMENT_2023)
    criterion = Criterion.objects.get(code="1")
    assert (criterion.max_points, criterion.weight) == (D("7.123456"), D("0.000001"))


def test_reimporting_the_same_file_changes_nothing(imported, tmp_path):
    before = snapshot()
    out = run(write_csv(tmp_path, TREE, name="again.csv"), *DEPARTMENT_2023)
    assert snapshot() == before
    assert "added 0, changed 0, removed 0" in out


def test_another_unit_kind_or_year_is_another_methodology(imported, tmp_path):
    path = write_csv(tmp_path, TREE, name="district.csv")
    run(path, "--index", "par", "--year", "2023", "--kind", "district", "--aggregation", "sum")
    run(path, "--index", "par", "--year", "2024", "--kind", "department", "--aggregation", "sum")
    assert Methodology.objects.count() == 3
    assert Criterion.objects.count() == 15
    assert Index.objects.count() == 1
    assert sorted(pending_jobs()) == sorted([f"{imported.index_id}:2023", f"{imported.index_id}:2024"])


# --- replacing a tree --------------------------------------------------------------------------


def test_a_tree_without_scores_is_replaced_keeping_the_rows_of_kept_codes(imported, tmp_path):
    ids = dict(Criterion.objects.values_list("code", "pk"))
    replacement = [
        HEADER,
        ["2", "", "Thủ tục hành chính (mới)", "50", ""],
        ["1.1", "2", "Kế hoạch", "40", ""],  # moved under 2, its old parent 1 removed
        ["2.2", "2", "Một cửa", "10", ""],
    ]
    out = run(write_csv(tmp_path, replacement, name="new.csv"), *DEPARTMENT_2023)
    assert tree_of() == {
        "2": (None, "Thủ tục hành chính (mới)", D(50), None, CriterionKind.SELF_ASSESSED, 1),
        "1.1": ("2", "Kế hoạch", D(40), None, CriterionKind.SELF_ASSESSED, 2),
        "2.2": ("2", "Một cửa", D(10), None, CriterionKind.SELF_ASSESSED, 3),
    }
    assert Criterion.objects.get(code="1.1").pk == ids["1.1"]
    assert Criterion.objects.get(code="2").pk == ids["2"]
    assert "added 1, changed 2, removed 3" in out


def test_a_tree_with_scores_is_not_replaced_and_the_count_is_said(imported, tree, tmp_path):
    add_scores(imported, tree.dept_a, {"1.1": "30", "2.1": "20"})
    before = snapshot()
    changed = [row[:] for row in TREE]
    changed[2][3] = "45"
    err = rejected(write_csv(tmp_path, changed, name="changed.csv"), *DEPARTMENT_2023)
    assert "line 1: the 2023 department methodology of par already has 2 scores" in err
    assert snapshot() == before


def test_the_score_count_is_written_with_thousands_separators(imported, tree, tmp_path):
    from units.models import Unit

    units = Unit.objects.bulk_create(
        [Unit(code=f"U{i}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province) for i in range(617)]
    )
    assessments = Assessment.objects.bulk_create([Assessment(unit=unit, methodology=imported) for unit in units])
    leaves = list(Criterion.objects.filter(code__in=["1.1", "1.2"]))
    Score.objects.bulk_create([Score(assessment=a, criterion=c, final_score=D(1)) for a in assessments for c in leaves])
    err = rejected(write_csv(tmp_path, TREE[:-1], name="fewer.csv"), *DEPARTMENT_2023)
    assert "already has 1,234 scores" in err


def test_the_same_tree_with_scores_may_change_its_aggregation(imported, tree, tmp_path):
    add_scores(imported, tree.dept_a, {"1.1": "30"})
    Job.objects.all().delete()
    out = run(write_csv(tmp_path, TREE, name="mean.csv"), *DEPARTMENT_2023[:-1], "mean")
    imported.refresh_from_db()
    assert imported.aggregation == Aggregation.MEAN
    assert "added 0, changed 0, removed 0" in out
    assert pending_jobs() == [f"{imported.index_id}:2023"]


# --- weights and direction ---------------------------------------------------------------------


def test_weighted_needs_a_weight_on_every_area(db, tmp_path):
    err = rejected(write_csv(tmp_path, TREE), *DEPARTMENT_2023[:-1], "weighted")
    assert "line 2, column weight: a weighted methodology needs a weight on every area" in err
    assert "line 5, column weight: a weighted methodology needs a weight on every area" in err
    assert "line 3" not in err  # sub-criteria need none
    assert not Index.objects.exists()


def test_weighted_with_weights_on_the_areas_is_imported(db, tmp_path):
    rows = [row[:] for row in TREE]
    rows[1][4], rows[4][4] = "0.6", "0.4"
    run(write_csv(tmp_path, rows), *DEPARTMENT_2023[:-1], "weighted")
    assert dict(Criterion.objects.filter(parent=None).values_list("code", "weight")) == {"1": D("0.6"), "2": D("0.4")}


def test_weights_and_maxima_with_more_decimals_are_rounded_half_to_even_and_counted(db, tmp_path):
    rows = [row[:] for row in TREE]
    rows[1][4], rows[4][4] = "0.666666666666667", "0.333333333333333"  # two thirds and a third, from Excel
    rows[2][3] = "40.0000005"  # a tie: to the even digit, 40.000000
    out = run(write_csv(tmp_path, rows), *DEPARTMENT_2023[:-1], "weighted")
    assert dict(Criterion.objects.filter(parent=None).values_list("code", "weight")) == {
        "1": D("0.666667"),
        "2": D("0.333333"),
    }
    assert Criterion.objects.get(code="1.1").max_points == D(40)
    assert out.strip().endswith("values rounded 3")
    # The same file again is the same tree: compared on the stored, rounded values.
    again = run(write_csv(tmp_path, rows, name="again.csv"), *DEPARTMENT_2023[:-1], "weighted")
    assert "added 0, changed 0, removed 0" in again


def test_the_direction_changes_while_the_index_has_no_results(imported, tmp_path):
    run(write_csv(tmp_path, TREE, name="again.csv"), *DEPARTMENT_2023, "--direction", "lower")
    assert Index.objects.get(code="par").direction == Direction.LOWER


def test_a_name_given_for_an_existing_index_renames_it(imported, tmp_path):
    out = run(write_csv(tmp_path, TREE, name="again.csv"), *DEPARTMENT_2023, "--name", "Chỉ số CCHC")
    assert Index.objects.get(code="par").name_vi == "Chỉ số CCHC"
    assert "index created 0, index updated 1" in out


def test_the_direction_does_not_change_once_the_index_has_results(imported, tree, tmp_path):
    Result.objects.create(unit=tree.dept_a, index=imported.index, year=2022, value=D(80), source=ResultSource.PUBLISHED)
    before = snapshot()
    err = rejected(write_csv(tmp_path, TREE, name="again.csv"), *DEPARTMENT_2023, "--direction", "lower")
    assert "line 1: par already has 1 results ranked “higher”: its direction cannot change to “lower”" in err
    assert snapshot() == before


def test_argparse_refuses_an_unknown_aggregation(db, tmp_path):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_methodology", write_csv(tmp_path, TREE), *DEPARTMENT_2023[:-1], "median")


# --- rejections: every problem, and nothing written ----------------------------------------------


def _with(line, column, value):
    rows = [row[:] for row in TREE]
    rows[line - 1][HEADER.index(column)] = value
    return rows


REJECTIONS = {
    "empty code": (_with(3, "code", ""), "line 3, column code: the code is empty"),
    "long code": (_with(3, "code", "x" * 33), "line 3, column code: the code is longer than 32 characters"),
    "duplicate code": (_with(4, "code", "1.1"), "line 4, column code: duplicate of line 3"),
    "code differing in case": (
        [*TREE, ["a", "", "A", "1", ""], ["A", "", "A", "1", ""]],
        "line 8, column code: the same code as line 7 apart from upper/lower case",
    ),
    "unknown parent": (_with(3, "parent_code", "9"), "line 3, column parent_code: “9” is not a code in this file"),
    "own parent": (_with(3, "parent_code", "1.1"), "line 3, column parent_code: a criterion cannot be its own parent"),
    "cycle": (
        [HEADER, ["1", "1.1", "A", "1", ""], ["1.1", "1", "B", "1", ""]],
        "line 2, column parent_code: the parents form a loop",
    ),
    "empty title": (_with(3, "title", ""), "line 3, column title: the title is empty"),
    "max points not a number": (_with(3, "max_points", "bốn"), "line 3, column max_points: “bốn” is not a number"),
    "max points empty": (_with(3, "max_points", ""), "line 3, column max_points: the maximum points are empty"),
    "negative max points": (_with(3, "max_points", "-1"), "line 3, column max_points: “-1” is negative"),
    "max points too large once rounded": (
        _with(3, "max_points", "999999999.9999995"),
        "line 3, column max_points: “999999999.9999995” is too large to store",
    ),
    "thousands separator": (_with(3, "max_points", "1.234,5"), "line 3, column max_points: “1.234,5” is not a number"),
    "negative weight": (_with(2, "weight", "-0.5"), "line 2, column weight: “-0.5” is negative"),
    "unknown kind": (
        [[*HEADER, "kind"], ["1", "", "A", "1", "", "poll"]],
        "line 2, column kind: “poll” is not one of self_assessed, survey",
    ),
    "missing column": (
        [[h for h in HEADER if h != "title"], ["1", "", "1", ""]],
        "line 1, column title: missing column",
    ),
    "unknown column": ([[*HEADER, "points"], ["1", "", "A", "1", "", "2"]], "line 1, column points: unknown column"),
    "header only": ([HEADER], "line 1: the file has a header but no rows"),
    "empty file": ([], "line 1: the file is empty"),
}


@pytest.mark.parametrize("rows, message", REJECTIONS.values(), ids=REJECTIONS.keys())
def test_a_bad_file_is_refused_with_line_column_and_reason(imported, tmp_path, rows, message):
    before = snapshot()
    err = rejected(write_csv(tmp_path, rows, name="bad.csv"), *DEPARTMENT_2023[:-1], "mean")
    assert message in err
    assert snapshot() == before


def test_every_problem_of_the_file_is_listed_not_only_the_first(db, tmp_path):
    rows = [HEADER, ["1", "", "", "x", "-1"], ["1", "9", "B", "1", ""], ["2", "", "C", "2.123.4", ""]]
    err = rejected(write_csv(tmp_path, rows), *DEPARTMENT_2023)
    for expected in [
        "line 2, column title: the title is empty",
        "line 2, column max_points: “x” is not a number",
        "line 2, column weight: “-1” is negative",
        "line 3, column code: duplicate of line 2",
        "line 4, column max_points: “2.123.4” is not a number",
    ]:
        assert expected in err
    assert not Index.objects.exists() and not Job.objects.exists()


def test_an_index_code_that_is_not_a_slug_is_refused(db, tmp_path):
    err = rejected(write_csv(tmp_path, TREE), "--index", "par 2", *DEPARTMENT_2023[2:])
    assert "line 1: “par 2” cannot be an index code" in err
    assert not Index.objects.exists()


def test_a_year_out_of_range_is_refused(db, tmp_path):
    err = rejected(write_csv(tmp_path, TREE), "--index", "par", "--year", "23", *DEPARTMENT_2023[4:])
    assert "line 1: the year 23 is not between 1990 and 2100" in err
    assert not Index.objects.exists()


# An index computed from dossiers is the rate its dossier measure names: without one no recompute runs.

# A file needs a row; the criteria of an index computed from dossiers only describe it.
DOSSIER_TREE = [HEADER, ["1", "", "Tỷ lệ hồ sơ trễ hạn", "100", ""]]
DOSSIERS_2024 = ["--index", "overdue", "--year", "2024", "--kind", "district", "--aggregation", "dossiers"]


def test_a_dossier_index_is_created_with_the_measure_given(db, tmp_path):
    run(write_csv(tmp_path, DOSSIER_TREE), *DOSSIERS_2024, "--measure", "overdue_rate", "--direction", "lower")
    index = Index.objects.get(code="overdue")
    assert (index.dossier_measure, index.direction) == ("overdue_rate", Direction.LOWER)
    assert Methodology.objects.get(index=index).aggregation == Aggregation.DOSSIERS
    assert pending_jobs() == [f"{index.pk}:2024"]


def test_a_dossier_methodology_without_a_measure_is_refused_and_nothing_written(db, tmp_path):
    before = snapshot()
    err = rejected(write_csv(tmp_path, DOSSIER_TREE), *DOSSIERS_2024)
    assert (
        "line 1: overdue would be computed from dossiers but names no dossier measure: give the measure "
        "(one of overdue_rate, online_rate, fully_online_rate, online_payment_rate, results_entered_rate)" in err
    )
    assert snapshot() == before


def test_the_measure_given_later_repairs_an_index_that_names_none(db, tmp_path):
    index = Index.objects.create(code="overdue", name_vi="Trễ hạn")
    for year in (2023, 2024):
        Methodology.objects.create(
            index=index, year=year, unit_kind=UnitKind.DISTRICT, aggregation=Aggregation.DOSSIERS
        )
    out = run(write_csv(tmp_path, DOSSIER_TREE), *DOSSIERS_2024, "--measure", "online_rate")
    index.refresh_from_db()
    assert index.dossier_measure == "online_rate"
    assert "index updated 1" in out
    # Every year it is computed from dossiers can be computed now.
    assert sorted(pending_jobs()) == [f"{index.pk}:2023", f"{index.pk}:2024"]
    assert AuditEntry.objects.get(action="methodology.import").changes["dossier measure"] == [None, "online_rate"]


def test_an_index_that_names_its_measure_needs_none_given(db, tmp_path):
    Index.objects.create(code="overdue", name_vi="Trễ hạn", dossier_measure="overdue_rate")
    run(write_csv(tmp_path, DOSSIER_TREE), *DOSSIERS_2024)
    assert Index.objects.get(code="overdue").dossier_measure == "overdue_rate"


def test_the_measure_does_not_change_once_the_index_has_results(db, tree, tmp_path):
    index = Index.objects.create(code="overdue", name_vi="Trễ hạn", dossier_measure="overdue_rate")
    Result.objects.create(unit=tree.district_b, index=index, year=2023, value=D(5))
    before = snapshot()
    err = rejected(write_csv(tmp_path, DOSSIER_TREE), *DOSSIERS_2024, "--measure", "online_rate")
    assert "overdue already has 1 results computed as “overdue_rate”: its dossier measure cannot change" in err
    assert snapshot() == before


def test_a_measure_is_refused_for_a_methodology_not_computed_from_dossiers(db, tmp_path):
    err = rejected(write_csv(tmp_path, TREE), *DEPARTMENT_2023, "--measure", "overdue_rate")
    assert "line 1: a dossier measure is only for an index computed from dossiers (aggregation “dossiers”)" in err
    assert not Index.objects.exists()


def test_argparse_refuses_an_unknown_measure(db, tmp_path):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_methodology", write_csv(tmp_path, DOSSIER_TREE), *DOSSIERS_2024, "--measure", "speed")
