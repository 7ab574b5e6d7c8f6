"""import_units: upsert by code, all or nothing, every problem with its line, column and reason."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from units.models import Unit, UnitKind

HEADER = "code,name,kind,parent_code,valid_from,valid_to\n"


def _write(tmp_path, text, name="units.csv", bom=False):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return str(path)


def _import(path):
    out, err = StringIO(), StringIO()
    call_command("import_units", path, stdout=out, stderr=err)
    return out.getvalue()


def _rejected(path):
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_units", path, stdout=StringIO(), stderr=err)
    return err.getvalue()


def _snapshot():
    return list(
        Unit.objects.order_by("code").values_list("code", "name", "kind", "parent__code", "valid_from", "valid_to")
    )


@pytest.mark.django_db
def test_units_are_created_with_parents_from_any_line_of_the_file(tmp_path):
    path = _write(
        tmp_path,
        HEADER + "X1,Xã Một,commune,H,,2025-06-30\nH,Huyện Hai,district,P,,\nP,Tỉnh Ba,province,,1997-01-01,\n",
        bom=True,
    )
    assert _import(path).strip() == "created 3, updated 0, unchanged 0"
    x1 = Unit.objects.get(code="X1")
    assert (x1.parent.code, x1.parent.parent.code) == ("H", "P")
    assert x1.valid_to == datetime.date(2025, 6, 30) and x1.kind == UnitKind.COMMUNE


@pytest.mark.django_db
def test_a_second_import_updates_by_code_and_counts_what_changed(tmp_path):
    _import(_write(tmp_path, HEADER + "P,Tỉnh Ba,province,,,\nH,Huyện Hai,district,P,,\n"))
    assert _import(
        _write(tmp_path, HEADER + "P,Tỉnh Ba,province,,,\nH,Thị xã Hai,district,P,,2025-06-30\n")
    ).strip() == ("created 0, updated 1, unchanged 1")
    assert Unit.objects.get(code="H").name == "Thị xã Hai"


@pytest.mark.django_db
def test_an_xlsx_file_reads_like_the_csv(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Code", "Name", "Kind", "Parent_code", "Valid_from", "Valid_to"])
    sheet.append(["P", "Tỉnh Ba", "province", None, datetime.datetime(1997, 1, 1), None])
    sheet.append(["H", "Huyện Hai", "district", "P", None, None])
    workbook.save(tmp_path / "units.xlsx")
    _import(str(tmp_path / "units.xlsx"))
    assert _snapshot() == [
        ("H", "Huyện Hai", "district", "P", None, None),
        ("P", "Tỉnh Ba", "province", None, datetime.date(1997, 1, 1), None),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "line 1: the file is empty"),
        (HEADER, "line 1: the file has a header but no rows"),
        ("code,name\nP,Tỉnh\n", "line 1, column kind: missing column"),
        (HEADER.strip() + ",colour\nP,Tỉnh,province,,,,red\n", "line 1, column colour: unknown column"),
        (HEADER + ",Tỉnh,province,,,\n", "line 2, column code: the code is empty"),
        (HEADER + "P,,province,,,\n", "line 2, column name: the name is empty"),
        (HEADER + "P,Tỉnh,state,,,\n", "line 2, column kind: “state” is not one of"),
        (HEADER + "P,Tỉnh,province,,2025-02-30,\n", "line 2, column valid_from: “2025-02-30” is not a date"),
        (
            HEADER + "P,Tỉnh,province,,2025-07-01,2025-06-30\n",
            "line 2, column valid_to: the unit ends before it starts",
        ),
        (HEADER + "P,Tỉnh,province,,,\nP,Tỉnh,province,,,\n", "line 3, column code: duplicate of line 2"),
        (HEADER + "H,Huyện,district,NOPE,,\n", "line 2, column parent_code: unknown unit “NOPE”"),
        (HEADER + "H,Huyện,district,H,,\n", "line 2, column parent_code: a unit cannot be its own parent"),
        (HEADER + "A,A,district,B,,\nB,B,district,A,,\n", "the parents form a loop"),
    ],
)
@pytest.mark.django_db
def test_a_bad_file_writes_nothing_and_says_where_and_why(tmp_path, text, expected):
    Unit.objects.create(code="KEEP", name="Đơn vị có sẵn", kind=UnitKind.PROVINCE)
    before = _snapshot()
    # A good row at the end: it must not be written either.
    with_good_row = text + "NEW,Đơn vị mới,commune,KEEP,,\n" if text.startswith(HEADER) and text != HEADER else text
    errors = _rejected(_write(tmp_path, with_good_row))
    assert expected in errors
    assert _snapshot() == before


@pytest.mark.django_db
def test_every_problem_is_listed_not_just_the_first(tmp_path):
    errors = _rejected(_write(tmp_path, HEADER + "P,,state,,,\nQ,Tỉnh,province,,someday,\n"))
    assert [line.split(": ", 1)[1].split(":")[0] for line in errors.strip().splitlines()] == [
        "line 2, column kind",
        "line 2, column name",
        "line 3, column valid_from",
    ]


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(HEADER.encode() + "P,Tánh,province,,,\n".encode("latin-1"))  # Excel's "CSV", not "CSV UTF-8"
    assert "not UTF-8" in _rejected(str(path))
