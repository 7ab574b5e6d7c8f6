"""reformdash.lib.tabular.read_table: an XLSX whose zip directory promises a huge expansion is refused
before openpyxl opens it, for the command line and the browser alike."""

import io
import time
import zipfile
from unittest import mock

import pytest

from reformdash.lib import tabular
from reformdash.lib.tabular import read_table

MB = 2**20


def zip_bomb(path, *, megabytes=200):
    """An .xlsx-named zip with one member of `megabytes` of zeros, written a megabyte at a time
    (the test never holds it whole): about 200 KB on disk."""
    chunk = b"\x00" * MB
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(megabytes):
            member.write(chunk)
    return path


def spreadsheet_bytes(rows):
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_from_its_directory_without_inflating_it(tmp_path, english):
    path = zip_bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 2 * MB
    started = time.monotonic()
    with mock.patch("openpyxl.load_workbook") as load_workbook:
        table = read_table(str(path))
    assert time.monotonic() - started < 2
    load_workbook.assert_not_called()
    assert table.rows == []
    [problem] = table.problems
    assert (problem.line, problem.column) == (1, "")
    assert "far more than a real spreadsheet: refused" in problem.reason


def test_a_file_declaring_more_than_the_limit_in_all_is_refused(tmp_path, monkeypatch, english):
    monkeypatch.setattr(tabular, "XLSX_MAX_UNCOMPRESSED", 10 * MB)
    with mock.patch("openpyxl.load_workbook") as load_workbook:
        table = read_table(str(zip_bomb(tmp_path / "big.xlsx", megabytes=12)))
    load_workbook.assert_not_called()
    assert table.problems[0].reason == (
        "the XLSX file would expand to 12 MB when opened, more than the 10 MB allowed: refused"
    )


def test_a_real_spreadsheet_passes_the_check(english):
    data = spreadsheet_bytes([["unit_code", "value"], *[[f"U{i}", i * 1.5] for i in range(5000)]])
    assert tabular.xlsx_expansion_problem(data) is None
    table = read_table(io.BytesIO(data), filename="results.xlsx")
    assert not table.problems and len(table.rows) == 5000


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04 not really a zip", b"PK\x03\x04" + b"\x00" * 100],
)
def test_a_broken_xlsx_is_a_problem_not_an_exception(data, english):
    table = read_table(io.BytesIO(data), filename="x.xlsx")
    assert table.problems[0].reason.startswith("the XLSX file cannot be opened")


def test_a_zip_that_is_not_a_workbook_is_a_problem(english):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    table = read_table(io.BytesIO(buffer.getvalue()), filename="x.xlsx")
    assert len(table.problems) == 1 and table.problems[0].line == 1
