"""Issue 21: a units import that gives an existing unit another parent changes who sees its data,
so it is refused per row unless moves are allowed explicitly (`--allow-reparent`, the
administrators' checkbox); allowed, each move is listed with who gains and who loses sight of the
unit, and audited with its old and new parent. All or nothing, as every import."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from reformdash.lib.tabular import ImportRejected, read_table
from units.access import units_visible_to
from units.importers.units import units_import
from units.models import Membership, MembershipRole, Unit

HEADER = ["code", "name", "kind", "parent_code", "valid_from"]


def table(rows):
    return read_table("\n".join(",".join(row) for row in rows).encode(), filename="units.csv")


SINCE = "2021-01-01"


@pytest.fixture
def district_c(tree):
    """A second district, C, with a head and an officer; the province with a viewer of its own."""
    district = Unit.objects.create(
        code="C", name="Huyện C", kind="district", parent=tree.province, valid_from=datetime.date(2021, 1, 1)
    )
    for username, unit, role in (
        ("head_c", district, MembershipRole.HEAD),
        ("officer_c", district, MembershipRole.OFFICER),
        ("province_viewer", tree.province, MembershipRole.VIEWER),
    ):
        user = User.objects.create_user(username=username, password="x")
        Membership.objects.create(user=user, unit=unit, role=role)
    return district


def _move_b1_to_c():
    return table([HEADER, ["B1", "Xã B1", "commune", "C", SINCE]])


def test_a_move_is_refused_on_its_row_and_nothing_is_written(tree, head_b, district_c, english):
    rows = [HEADER, ["NEW", "Xã mới", "commune", "B", SINCE], ["B1", "Xã B1", "commune", "C", SINCE]]
    with pytest.raises(ImportRejected) as rejected:
        units_import(table=table(rows))
    (problem,) = rejected.value.problems
    assert (problem.line, problem.column) == (3, "parent_code")
    assert "“B1” is under “B”; this file puts it under “C”" in problem.reason
    assert "a new unit with lineage, not a move" in problem.reason
    assert Unit.objects.get(code="B1").parent == tree.district_b
    assert not Unit.objects.filter(code="NEW").exists()
    assert not AuditEntry.objects.exists()


def test_dropping_a_units_parent_is_a_move_too(tree, english):
    with pytest.raises(ImportRejected) as rejected:
        units_import(table=table([["code", "name", "kind"], ["B1", "Xã B1", "commune"]]))
    assert [(p.line, p.column) for p in rejected.value.problems] == [(2, "parent_code")]


def test_an_unchanged_parent_and_a_new_units_parent_are_not_moves(tree):
    rows = [HEADER, ["B1", "Xã B1 mới", "commune", "B", SINCE], ["NEW", "Xã mới", "commune", "B", SINCE]]
    summary = units_import(table=table(rows))
    assert summary == {"created": 1, "updated": 1, "unchanged": 0}


def test_allowed_a_move_lists_who_gains_and_who_loses_sight_of_the_unit(tree, head_b, district_c, staff):
    assert units_visible_to(user=head_b).filter(code="B1").exists()
    summary = units_import(table=_move_b1_to_c(), allow_reparent=True)
    assert (summary["updated"], summary["moved"]) == (1, 1)
    (move,) = summary["moves"]
    assert move == {
        "line": 2,
        "code": "B1",
        "name": "Xã B1",
        "old_parent": "B",
        "new_parent": "C",
        # The province's members see B1 before and after: neither list names the province.
        "losing": [{"code": "B", "name": "Huyện B", "users": 1}],
        "gaining": [{"code": "C", "name": "Huyện C", "users": 2}],
        "users_losing": 1,
        "users_gaining": 2,
    }
    head_c = User.objects.get(username="head_c")
    assert not units_visible_to(user=head_b).filter(code="B1").exists()
    assert units_visible_to(user=head_c).filter(code="B1").exists()


def test_a_move_is_audited_with_its_old_and_new_parent(tree, head_b, district_c, admin_user):
    units_import(table=_move_b1_to_c(), allow_reparent=True, user=admin_user)
    (entry,) = AuditEntry.objects.filter(action="unit.move")
    assert (entry.unit, entry.user, entry.changes) == (tree.commune_b1, admin_user, {"parent": ["B", "C"]})
    # In the same batch as the unit's change of parent by id, the import's usual entry.
    assert AuditEntry.objects.get(action="unit.import").batch == entry.batch


def test_the_command_refuses_a_move_without_the_option_and_lists_it_with_it(tmp_path, tree, head_b, district_c):
    path = tmp_path / "units.csv"
    path.write_text(",".join(HEADER) + "\nB1,Xã B1,commune,C,2021-01-01\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_units", str(path), stdout=StringIO(), stderr=err)
    assert "column parent_code" in err.getvalue()
    assert Unit.objects.get(code="B1").parent == tree.district_b

    out = StringIO()
    call_command("import_units", str(path), "--allow-reparent", stdout=out, stderr=StringIO())
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == (
        "moved B1 (line 2) from B to C: 1 user(s) lose sight of it through B (1 user(s)); "
        "2 user(s) gain it through C (2 user(s))"
    )
    assert lines[-1] == "created 0, updated 1, unchanged 0, moved 1"
    assert Unit.objects.get(code="B1").parent == district_c
