"""reformdash.lib.export: the XLSX writer every export uses (title lines, a bold frozen header with
a filter, widths from content, numbers and dates kept as such in their formats) and the plain CSV."""

import datetime
from decimal import Decimal as D

import pytest
from django.http import Http404
from django.utils import timezone

from reformdash.lib.export import MAX_WIDTH, MIN_WIDTH, ColumnType, csv_response, export_response, xlsx_response
from tests.xlsx import header_row, xlsx_sheet, xlsx_table, xlsx_titles

T = ColumnType
HEADER = ["Thứ hạng", "Đơn vị", "Giá trị (%)", "Điểm", "Ngày", "Lúc"]
TYPES = [T.INTEGER, T.TEXT, T.PERCENT, T.POINTS, T.DATE, T.DATETIME]
AT = datetime.datetime(2025, 3, 1, 1, 2, 3, tzinfo=datetime.UTC)  # 08:02:03 in Vietnam
ROWS = [
    [1, "Sở Nội vụ", D("78.444444"), D("20.5"), datetime.date(2025, 3, 1), AT],
    [2, "=HYPERLINK()", None, 3, None, None],
]


def workbook(rows=ROWS, **options):
    options = {"title_lines": ["Chỉ số CCHC — năm 2025 — tạm tính", "Cấp xã"], "types": TYPES, **options}
    return xlsx_response([HEADER, *rows], filename="x.xlsx", sheet_title="Xếp hạng", **options).content


def test_the_title_lines_stand_above_a_blank_row_and_the_bold_frozen_header():
    content = workbook()
    assert xlsx_titles(content) == ["Chỉ số CCHC — năm 2025 — tạm tính", "Cấp xã"]
    sheet = xlsx_sheet(content)
    assert sheet.freeze_panes == "A5" and header_row(sheet) == 4
    assert sheet.cell(1, 1).font.b and sheet.cell(3, 1).value is None
    assert [cell.value for cell in sheet[4]] == HEADER and all(cell.font.b for cell in sheet[4])
    assert sheet.auto_filter.ref == "A4:F6"


def test_without_title_lines_the_header_is_the_first_row():
    sheet = xlsx_sheet(workbook(title_lines=()))
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:F3"


def test_numbers_and_dates_stay_numbers_and_dates_in_their_columns_formats():
    sheet = xlsx_sheet(workbook())
    rank, _name, percent, points, day, moment = sheet[5]
    assert (rank.value, rank.data_type, rank.number_format) == (1, "n", "0")
    assert (percent.value, percent.data_type, percent.number_format) == (pytest.approx(78.444444), "n", "0.00")
    assert (points.value, points.number_format) == (20.5, "0.00")
    assert (day.value, day.data_type, day.number_format) == (datetime.datetime(2025, 3, 1), "d", "dd/mm/yyyy")
    # Vietnam time, without a zone (a spreadsheet has none).
    assert moment.value == datetime.datetime(2025, 3, 1, 8, 2, 3) and moment.number_format == "dd/mm/yyyy hh:mm:ss"


def test_empty_cells_are_empty_and_text_is_made_safe():
    assert xlsx_table(workbook())[2] == [2, "'=HYPERLINK()", None, 3, None, None]
    assert xlsx_titles(workbook(title_lines=["=SUM(A1)"])) == ["'=SUM(A1)"]


def test_widths_follow_the_content_within_bounds():
    long_name = "Ủy ban nhân dân xã " * 10
    sheet = xlsx_sheet(workbook(rows=[[1, long_name, D("1.5"), 2, None, None]]))
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEF"}
    assert widths["B"] == MAX_WIDTH  # a long name is cut on screen, kept whole in the cell
    assert widths["A"] == len("Thứ hạng") + 3  # the header is the widest
    assert all(MIN_WIDTH <= width <= MAX_WIDTH for width in widths.values())
    assert sheet.cell(5, 2).value == long_name


def test_columns_without_a_type_are_text():
    sheet = xlsx_sheet(workbook(types=[T.INTEGER]))
    assert sheet.cell(5, 3).number_format == "General" and sheet.cell(5, 3).data_type == "n"  # still a number


def test_the_csv_stays_plain_with_dates_written_the_vietnamese_way():
    response = csv_response([HEADER, *ROWS], filename="x.csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffThứ hạng,")
    assert text.splitlines()[1] == "1,Sở Nội vụ,78.444444,20.5,01/03/2025,01/03/2025 08:02:03"
    assert text.splitlines()[2] == "2,'=HYPERLINK(),,3,,"


def test_export_response_picks_the_format_and_refuses_another():
    assert export_response(iter([HEADER]), export="csv", filename="x", sheet_title="s")["Content-Disposition"] == (
        'attachment; filename="x.csv"'
    )
    called = []
    response = export_response(
        iter([HEADER]), export="xlsx", filename="x", sheet_title="s", title_lines=lambda: called.append(1) or ["t"]
    )
    assert response["Content-Disposition"] == 'attachment; filename="x.xlsx"' and called == [1]
    export_response(iter([HEADER]), export="csv", filename="x", sheet_title="s", title_lines=lambda: called.append(2))
    assert called == [1]  # the CSV has no title: not even worked out
    with pytest.raises(Http404):
        export_response(iter([HEADER]), export="pdf", filename="x", sheet_title="s")


def test_a_naive_datetime_is_taken_as_it_is():
    naive = timezone.make_naive(AT, timezone.get_default_timezone())
    assert xlsx_table(workbook(rows=[[1, "a", None, None, None, naive]]))[1][5] == datetime.datetime(
        2025, 3, 1, 8, 2, 3
    )
