"""reformdash.lib.tabular.read_rows, the streaming mode of the one tabular reader: rows of a CSV or
XLSX one at a time with their lines, the rows before an unreadable line given first, and the same
refusals as read_table (zip bombs before openpyxl opens anything)."""

import codecs
import io
from unittest import mock

import pytest

from reformdash.lib.tabular import Unreadable, read_rows, read_table
from tests.reformdash.test_tabular import spreadsheet_bytes, zip_bomb


def test_csv_rows_come_with_their_lines_blank_ones_included_cells_as_written(english):
    data = '\ufeffcode, name\r\n\r\nA,"Sở\nA"\r\nB , x\r\n'.encode()
    assert list(read_rows(data)) == [(1, ["code", " name"]), (2, []), (4, ["A", "Sở\nA"]), (5, ["B ", " x"])]


def test_old_mac_line_breaks_are_lines_as_read_table_counts_them(english):
    data = b"code,name\rA,a\rB,b\r"
    assert list(read_rows(data)) == [(1, ["code", "name"]), (2, ["A", "a"]), (3, ["B", "b"])]
    assert [row.line for row in read_table(data).rows] == [2, 3]


def test_a_line_that_is_not_utf8_stops_the_stream_after_the_rows_before_it(english):
    rows = read_rows(b"code\nA\nB\xe9\nC\n")
    assert [next(rows), next(rows)] == [(1, ["code"]), (2, ["A"])]
    with pytest.raises(Unreadable) as raised:
        next(rows)
    assert raised.value.cause == "encoding"
    assert str(raised.value.problem) == "line 3: the file is not UTF-8 text (save it as “CSV UTF-8”)"


def test_lines_read_a_block_at_a_time_keep_their_numbers_and_cells_across_blocks(english):
    # Lines are decoded 64 KB at a time: a quoted line break straddling two blocks, a BOM, old Mac
    # breaks, and a line that is not UTF-8 thousands of lines in are read as line by line.
    good = [f"A{number},{'Sở' if number % 7 else 'x'}\r\n".encode() for number in range(2, 9000)]
    straddling = b'Q,"first\n' + b"x" * 70_000 + b'\rlast"\n'
    data = codecs.BOM_UTF8 + b"code,name\n" + b"".join(good) + straddling + b"R,r\rS,s\nT,\xe9\nU,u\n"
    rows = read_rows(data)
    read = [next(rows) for _ in range(9000 + 2)]
    assert read[0] == (1, ["code", "name"])
    assert read[1:3] == [(2, ["A2", "Sở"]), (3, ["A3", "Sở"])] and read[6] == (7, ["A7", "x"])
    assert read[8998] == (8999, ["A8999", "Sở"])
    # csv numbers a row by its last line: the quoted \n and the lone \r inside it count as breaks.
    assert read[8999] == (9002, ["Q", "first\n" + "x" * 70_000 + "\rlast"])
    assert read[9000:] == [(9003, ["R", "r"]), (9004, ["S", "s"])]
    with pytest.raises(Unreadable) as raised:
        next(rows)
    # The encoding's line counts the file's \n-ended lines (the lone \r is not one).
    assert raised.value.cause == "encoding" and raised.value.problem.line == 9003


def test_a_file_that_is_not_utf8_is_said_so_by_read_table_even_after_a_csv_error(english):
    too_long = "x" * 200_000  # past csv's field size limit, on line 2
    data = f"code\n{too_long}\nA\xe9\n".encode("latin-1")
    assert str(read_table(data).problems[0]) == "line 3: the file is not UTF-8 text (save it as “CSV UTF-8”)"
    with pytest.raises(Unreadable) as raised:
        list(read_rows(data))
    assert raised.value.cause == "csv" and raised.value.problem.line == 2


def test_xlsx_rows_stream_like_the_csv_without_the_empty_cells_ending_a_row(tmp_path, english):
    path = tmp_path / "rows.xlsx"
    path.write_bytes(spreadsheet_bytes([["code", "value", None], [None], ["A", 84.6, None], ["B", 2, "x"]]))
    assert list(read_rows(str(path))) == [(1, ["code", "value"]), (2, []), (3, ["A", "84.6"]), (4, ["B", "2", "x"])]
    with open(path, "rb") as handle:
        assert list(read_rows(handle))[-1] == (4, ["B", "2", "x"])


def test_a_zip_bomb_is_refused_from_its_directory_in_the_streaming_mode_too(tmp_path, english):
    path = zip_bomb(tmp_path / "bomb.xlsx")
    with mock.patch("openpyxl.load_workbook") as load_workbook, pytest.raises(Unreadable) as raised:
        next(read_rows(str(path)))
    load_workbook.assert_not_called()
    assert raised.value.cause == "xlsx"
    assert "far more than a real spreadsheet: refused" in raised.value.problem.reason


def test_a_file_that_is_not_a_workbook_is_unreadable_not_an_error(english):
    with pytest.raises(Unreadable) as raised:
        list(read_rows(io.BytesIO(b"PK\x03\x04 not a zip"), filename="x.xlsx"))
    assert raised.value.cause == "xlsx" and raised.value.problem.line == 1
