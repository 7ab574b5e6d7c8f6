"""The rankings exports (CSV streamed, XLSX): exactly the rows and columns the page shows, every
page of them, each cell safe to open in a spreadsheet, and only what the reader may see."""

import csv
import html
import io
import re

import pytest
from django.urls import reverse

from indicators.models import Methodology, Result
from tests.indicators.builders import publish_by_decision
from tests.indicators.test_rankings_view import many_departments, rankings  # noqa: F401 (fixture)
from tests.xlsx import header_row, xlsx_sheet, xlsx_table, xlsx_titles
from units.models import Unit, UnitKind

URL = reverse("rankings")
GROUP = {"index": "par", "year": 2023, "kind": "department", "parent": "P"}


def csv_rows(response):
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response):
    """The header and the rows, below the title lines."""
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return xlsx_table(response.content)


def shown_headers(response):
    """The table's column headers as the page shows them, tags and spacing removed."""
    thead = re.search(
        r'<table class="table ranking-table">.*?<thead[^>]*>(.*?)</thead>', response.content.decode(), re.DOTALL
    )
    cells = re.findall(r"<th[^>]*>(.*?)</th>", thead.group(1), re.DOTALL)
    return [html.unescape(" ".join(re.sub(r"<[^>]+>", " ", cell).split())) for cell in cells]


@pytest.fixture
def staff_client(client, staff, rankings):
    client.force_login(staff)
    return client


def test_the_csv_has_the_columns_shown_and_the_stored_values(staff_client):
    shown = staff_client.get(URL, GROUP)
    rows = csv_rows(staff_client.get(URL, {**GROUP, "export": "csv"}))
    # The columns shown, with the group size in its place (the page says it once, in the table's
    # caption), then last year's rank, its group size and whether the groups compare, then the
    # target's value, rank and the distance to it.
    headers = shown_headers(shown)
    assert rows[0][:-6] == [headers[0], "Số đơn vị", *headers[1:]] and len(rows[0]) == len(headers) + 7
    assert rows[0][-3:] == ["Giá trị mục tiêu", "Thứ hạng mục tiêu", "Chênh lệch so với mục tiêu (âm: còn thiếu)"]
    assert "Xếp hạng trong 3 đơn vị của nhóm." in shown.content.decode()
    assert [row[3] for row in rows[1:]] == ["A", "A2", "A3"]
    # Stored precision and plain numbers: a spreadsheet sorts and sums them.
    assert rows[1][:3] == ["1", "3", "2"] and rows[1][5] == "84.600000" and rows[1][7] == "91.000000"
    assert rows[3][2] == "-1"


def test_the_xlsx_has_the_same_rows_with_numbers_as_numbers(staff_client):
    rows = xlsx_rows(staff_client.get(URL, {**GROUP, "export": "xlsx"}))
    csv_version = csv_rows(staff_client.get(URL, {**GROUP, "export": "csv"}))
    assert rows[0] == csv_version[0]
    assert [row[3] for row in rows[1:]] == ["A", "A2", "A3"]
    assert rows[1][0] == 1 and rows[1][5] == pytest.approx(84.6) and rows[1][6] == "Tốt"


def test_the_english_export_has_english_headers(staff_client):
    staff_client.post(reverse("set_language"), {"language": "en"})
    header = csv_rows(staff_client.get(URL, {**GROUP, "export": "csv"}))[0]
    assert header[:7] == ["Rank", "Of", "Change", "Code", "Unit", "Value (%)", "Band"]


def test_the_export_keeps_the_search_and_the_sort(staff_client):
    assert [row[3] for row in csv_rows(staff_client.get(URL, {**GROUP, "q": "hai", "export": "csv"}))[1:]] == ["A2"]
    sorted_rows = csv_rows(staff_client.get(URL, {**GROUP, "sort": "unit", "export": "csv"}))
    assert [row[4] for row in sorted_rows[1:]] == ["Sở A", "Sở Ba", "Sở Hai"]


def test_the_export_has_every_page(staff_client, rankings):
    many_departments(rankings.tree, rankings.par, 120)
    params = {**GROUP, "year": 2024}
    assert len(staff_client.get(URL, params).context["table"].page.object_list) == 50
    rows = csv_rows(staff_client.get(URL, {**params, "export": "csv", "page": 2}))
    assert len(rows) == 121 and rows[1][3] == "D000" and rows[-1][3] == "D119"


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","y")', "+1 trick", "-2 trick", "@SUM(A1)"])
def test_a_name_a_spreadsheet_would_run_is_escaped(staff_client, rankings, name):
    Unit.objects.filter(code="A3").update(name=name)
    csv_version = csv_rows(staff_client.get(URL, {**GROUP, "export": "csv"}))
    assert csv_version[3][4] == "'" + name
    xlsx_version = xlsx_rows(staff_client.get(URL, {**GROUP, "export": "xlsx"}))
    assert xlsx_version[3][4] == "'" + name


def test_a_negative_change_stays_a_number(staff_client):
    rows = xlsx_rows(staff_client.get(URL, {**GROUP, "export": "xlsx"}))
    assert rows[3][2] == -1


def test_the_head_of_b_exports_only_his_rows(client, head_b, rankings):
    client.force_login(head_b)
    rows = csv_rows(client.get(URL, {"index": "par", "year": 2023, "kind": "district", "export": "csv"}))
    assert [row[3] for row in rows[1:]] == ["B"]
    assert len(csv_rows(client.get(URL, {"index": "par", "year": 2023, "kind": "department", "export": "csv"}))) == 1


@pytest.mark.parametrize("parent", ["P", "NOPE"])
def test_an_export_link_to_a_group_the_head_of_b_may_not_see_exports_his_own_group(client, head_b, rankings, parent):
    # A shared export link of the province's departments (or of a unit that does not exist): his
    # own group instead, the districts, with only his row; nothing of the departments.
    client.force_login(head_b)
    foreign = {**GROUP, "parent": parent}
    exported = {
        "csv": csv_rows(client.get(URL, {**foreign, "export": "csv"})),
        "xlsx": xlsx_rows(client.get(URL, {**foreign, "export": "xlsx"})),
    }
    for rows in exported.values():
        assert [row[3] for row in rows[1:]] == ["B"]
        for name in ("Sở A", "Sở Hai", "Sở Ba", "Huyện C"):
            assert name not in str(rows)


def test_an_outsider_exports_no_row(client, outsider, rankings):
    client.force_login(outsider)
    assert xlsx_rows(client.get(URL, {"index": "par", "year": 2023, "kind": "department", "export": "xlsx"}))[1:] == []


def test_anonymous_readers_must_log_in_to_export(client, rankings):
    response = client.get(URL, {**GROUP, "export": "csv"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_public_rankings_export_only_published_results(client, settings, rankings):
    settings.PUBLIC_RANKINGS = True
    publish_by_decision(Methodology.objects.filter(year=2022, unit_kind=UnitKind.DEPARTMENT))
    assert [row[3] for row in csv_rows(client.get(URL, {**GROUP, "year": 2022, "export": "csv"}))[1:]] == [
        "A2",
        "A3",
        "A",
    ]
    assert csv_rows(client.get(URL, {**GROUP, "export": "csv"}))[1:] == []  # 2023 is not published


def test_an_unknown_format_is_not_found(staff_client):
    assert staff_client.get(URL, {**GROUP, "export": "pdf"}).status_code == 404


def test_the_export_file_is_named_for_its_group(staff_client):
    response = staff_client.get(URL, {**GROUP, "export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="rankings-par-2023-department-P.xlsx"'


def test_the_number_of_queries_does_not_grow_with_the_rows(staff_client, rankings, django_assert_max_num_queries):
    many_departments(rankings.tree, rankings.par, 10)
    with django_assert_max_num_queries(20) as few:
        list(staff_client.get(URL, {**GROUP, "year": 2024, "export": "csv"}).streaming_content)
    Result.objects.filter(year=2024).delete()
    Unit.objects.filter(code__startswith="D").delete()
    many_departments(rankings.tree, rankings.par, 200)
    with django_assert_max_num_queries(len(few.captured_queries)):
        list(staff_client.get(URL, {**GROUP, "year": 2024, "export": "csv"}).streaming_content)


# --- The XLSX as a sheet to read: title, frozen header, formats, widths ---------------------------


def test_the_xlsx_says_which_index_year_and_group_and_that_it_is_provisional(staff_client):
    content = staff_client.get(URL, {**GROUP, "export": "xlsx"}).content
    first, second = xlsx_titles(content)
    assert first.startswith("Chỉ số CCHC — năm 2023 — tạm tính — số liệu tính đến ")
    assert re.search(r"số liệu tính đến \d\d/\d\d/\d{4} \d\d:\d\d$", first)
    assert second == "Sở, ban, ngành — Tỉnh Thử"


def test_a_published_ranking_says_official_and_names_its_decision(staff_client, rankings, english):
    publish_by_decision(Methodology.objects.filter(year=2022, unit_kind=UnitKind.DEPARTMENT))
    first, second = xlsx_titles(staff_client.get(URL, {**GROUP, "year": 2022, "export": "xlsx"}).content)
    assert first.startswith("PAR Index — year 2022 — official — figures as of ")
    assert second.endswith("decision QĐ 100/QĐ-UBND of 01/03/2023")


def test_the_header_is_bold_frozen_and_filtered(staff_client):
    sheet = xlsx_sheet(staff_client.get(URL, {**GROUP, "export": "xlsx"}).content)
    header = header_row(sheet)
    assert header == 4 and sheet.freeze_panes == "A5"  # two title lines, a blank row, the header
    assert sheet.cell(header, 1).value == "Thứ hạng" and all(cell.font.b for cell in sheet[header] if cell.value)
    assert sheet.auto_filter.ref == f"A{header}:{sheet.cell(header, sheet.max_column).column_letter}{header + 3}"


def test_numbers_are_number_cells_with_their_formats_and_the_columns_are_sized(staff_client):
    sheet = xlsx_sheet(staff_client.get(URL, {**GROUP, "export": "xlsx"}).content)
    first = header_row(sheet) + 1
    rank, size, change, value, area = (sheet.cell(first, column) for column in (1, 2, 3, 6, 8))
    assert (rank.value, rank.data_type, rank.number_format) == (1, "n", "0")
    assert (size.value, size.number_format) == (3, "0")
    assert (change.value, change.number_format) == (2, "0")
    assert (value.value, value.data_type, value.number_format) == (pytest.approx(84.6), "n", "0.00")
    assert (area.data_type, area.number_format) == ("n", "0.00")  # an area's %
    assert sheet.cell(first, 5).value == "Sở A" and sheet.cell(first, 5).data_type == "s"
    widths = {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()}
    assert set(widths) >= {"A", "B", "C", "D", "E", "F"}
    assert all(6 <= width <= 60 for width in widths.values())
    assert widths["E"] >= len("Đơn vị") + 2  # at least as wide as the header
