"""Every import writes one batch of entries, one per changed row, with old and new values; a
rejected import writes none; a big import writes them in a bounded number of queries."""

from decimal import Decimal as D

import pytest

from audit.models import AuditEntry, AuditSource
from indicators.importers.methodology import methodology_import
from indicators.importers.results import results_import
from indicators.importers.scores import scores_import
from indicators.models import Aggregation, Criterion, Index, Methodology, Result, Score
from reformdash.lib.tabular import ImportRejected, read_table
from tests.audit.queries import insert_queries
from tests.indicators.builders import methodology
from units.importers.units import units_import
from units.models import Unit, UnitKind


def table(rows):
    return read_table("\n".join(",".join(map(str, row)) for row in rows).encode(), filename="f.csv")


@pytest.fixture
def par(tree):
    index = Index.objects.create(code="par", name_vi="PAR")
    methodology(index, 2023)
    return index


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_a_score_import_records_each_changed_score_with_its_old_and_new_value(par, tree, staff):
    scores_import(table=table([["unit_code", "1.1", "1.2"], ["A", "30", "NA"]]), index_code="par", year=2023)
    first = entries("score.import")
    assert [(e.unit_id, e.criterion.code) for e in first] == [(tree.dept_a.pk, "1.1"), (tree.dept_a.pk, "1.2")]
    assert first[0].changes == {"final_score": [None, "30"], "not_applicable": [None, False]}
    assert first[0].source == AuditSource.IMPORT and first[0].user is None
    assert first[0].object_label == "indicators.Score"
    assert first[0].object_id == str(Score.objects.get(criterion=first[0].criterion).pk)

    scores_import(
        table=table([["unit_code", "1.1", "1.2"], ["A", "32.5", "NA"]]), index_code="par", year=2023, user=staff
    )
    second = entries("score.import")[2:]
    assert len(second) == 1  # 1.2 did not change: no entry for it
    ((old, new),) = second[0].changes.values()
    assert list(second[0].changes) == ["final_score"] and (D(old), new) == (D(30), "32.5")
    assert second[0].user == staff and second[0].batch and second[0].batch != first[0].batch
    assert len({e.batch for e in first}) == 1


def test_a_long_score_import_records_self_scores_and_notes_as_the_python_trail_writes_them(par, tree):
    # The entries are written by one INSERT … SELECT: decimals as text (the stored one with its six
    # places, the new one as the file gave it), booleans as booleans, only the fields that changed.
    header = ["unit_code", "criterion_code", "score", "self_score", "note"]
    scores_import(table=table([header, ["A", "1.1", "30", "5", "x"]]), index_code="par", year=2023)
    scores_import(table=table([header, ["A", "1.1", "NA", "6.25", ""]]), index_code="par", year=2023)
    first, second = entries("score.import")
    assert first.changes == {
        "final_score": [None, "30"],
        "not_applicable": [None, False],
        "self_score": [None, "5"],
        "note": [None, "x"],
    }
    assert second.changes == {
        "final_score": ["30.000000", None],
        "not_applicable": [False, True],
        "self_score": ["5.000000", "6.25"],
        "note": ["x", ""],
    }


def test_a_rejected_import_writes_no_entry(par):
    with pytest.raises(ImportRejected):
        scores_import(table=table([["unit_code", "1.1"], ["A", "30"], ["NOPE", "1"]]), index_code="par", year=2023)
    with pytest.raises(ImportRejected):
        units_import(table=table([["code", "name", "kind"], ["X", "", "department"]]))
    assert not AuditEntry.objects.exists()


def test_a_results_import_records_old_and_new_values(par, tree):
    results_import(
        table=table([["unit_code", "value", "rank", "group_size"], ["A", "80.5", "3", "20"]]),
        index_code="par",
        year=2023,
    )
    results_import(
        table=table([["unit_code", "value", "rank", "group_size"], ["A", "81", "2", "20"]]), index_code="par", year=2023
    )
    first, second = entries("result.import")
    assert first.unit == tree.dept_a
    assert (first.object_label, first.object_id) == ("indicators.Result", str(Result.objects.get().pk))
    assert first.changes["value"] == [None, "80.5"] and first.changes["official_rank"] == [None, 3]
    assert D(second.changes["value"][0]) == D("80.5") and second.changes["value"][1] == "81"
    assert second.changes["official_rank"] == [3, 2] and "official_group_size" not in second.changes
    assert Result.objects.get().value == D("81")


def test_a_methodology_import_records_the_criteria_added_changed_and_removed(tree):
    rows = [
        ["code", "parent_code", "title", "max_points", "weight"],
        ["1", "", "Lĩnh vực", "10", ""],
        ["1.1", "1", "Tiêu chí", "10", ""],
    ]
    methodology_import(
        table=table(rows), index_code="par", year=2023, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.SUM
    )
    (created,) = entries("methodology.import")
    assert created.object_label == "indicators.Methodology"
    assert created.object_id == str(Methodology.objects.get().pk)
    assert created.changes["criteria added"] == [None, ["1", "1.1"]]

    methodology_import(
        table=table(rows), index_code="par", year=2023, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.SUM
    )
    assert len(entries("methodology.import")) == 1  # the same tree again changes nothing

    rows = [rows[0], ["1", "", "Lĩnh vực mới", "10", ""], ["1.2", "1", "Tiêu chí khác", "10", ""]]
    methodology_import(
        table=table(rows), index_code="par", year=2023, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.MEAN
    )
    changed = entries("methodology.import")[1]
    assert changed.changes == {
        "aggregation": ["sum", "mean"],
        "criteria added": [None, ["1.2"]],
        "criteria changed": [None, ["1"]],
        "criteria removed": [None, ["1.1"]],
    }
    assert set(Criterion.objects.values_list("code", flat=True)) == {"1", "1.2"}


def test_a_units_import_records_created_and_changed_units_only(tree, staff):
    units_import(
        table=table(
            [
                ["code", "name", "kind", "parent_code", "valid_from"],
                ["A", "Sở A", "department", "P", "2021-01-01"],
                ["C", "Sở C", "department", "P", ""],
            ]
        ),
        user=staff,
    )
    (created,) = entries("unit.import")
    new_unit = Unit.objects.get(code="C")
    assert created.unit == new_unit and created.user == staff
    assert created.changes == {"name": [None, "Sở C"], "kind": [None, "department"], "parent": [None, tree.province.pk]}

    units_import(
        table=table(
            [
                ["code", "name", "kind", "parent_code", "valid_from", "valid_to"],
                ["A", "Sở A mới", "department", "B", "2021-01-01", "2025-06-30"],
            ]
        ),
        allow_reparent=True,
    )
    changed = entries("unit.import")[1]
    assert changed.unit == tree.dept_a
    assert changed.changes == {
        "name": ["Sở A", "Sở A mới"],
        "valid_to": [None, "2025-06-30"],
        "parent": [tree.province.pk, tree.district_b.pk],
    }
    (moved,) = entries("unit.move")
    assert (moved.unit, moved.changes) == (tree.dept_a, {"parent": ["P", "B"]})


def test_ten_thousand_scores_are_audited_in_a_bounded_number_of_queries(tree, django_assert_max_num_queries):
    index = Index.objects.create(code="big", name_vi="Lớn")
    methodology(index, 2023, areas={"1": (D(10000), None, {f"c{i}": D(100) for i in range(100)})})
    units = Unit.objects.bulk_create(
        [Unit(code=f"D{i:03}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province) for i in range(100)]
    )
    rows = [["unit_code", *(f"c{i}" for i in range(100))]]
    rows += [[unit.code, *(f"{(unit.pk + i) % 100}" for i in range(100))] for unit in units]
    big = table(rows)
    # A fixed number of reads and writes, plus the inserts the database's parameter limit splits
    # 10,000 rows into (one per 1,000 on PostgreSQL; more on SQLite): none per row.
    bound = 40 + insert_queries(Score, 10000) + insert_queries(AuditEntry, 10000)
    with django_assert_max_num_queries(bound):
        counts = scores_import(table=big, index_code="big", year=2023)
    assert counts["changed"] == 10000
    assert AuditEntry.objects.filter(action="score.import").count() == 10000
    assert AuditEntry.objects.values("batch").distinct().count() == 1
