"""Reading the XLSX exports back (reformdash.lib.export.xlsx_response): the title lines above the
header, and the header with the rows below it; the header is the row above the frozen panes."""

import io

from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_from_string


def xlsx_sheet(content):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def header_row(sheet):
    """The header's row number: the one just above the frozen panes."""
    assert sheet.freeze_panes, "the header is frozen"
    return coordinate_from_string(sheet.freeze_panes)[1] - 1


def xlsx_titles(content):
    """The title lines above the header (the blank row between them left out)."""
    sheet = xlsx_sheet(content)
    rows = sheet.iter_rows(max_row=header_row(sheet) - 1, max_col=1, values_only=True)
    return [row[0] for row in rows if row[0] is not None]


def xlsx_table(content):
    """The header and the rows below it, as lists of values."""
    sheet = xlsx_sheet(content)
    return [list(row) for row in sheet.iter_rows(min_row=header_row(sheet), values_only=True)]
