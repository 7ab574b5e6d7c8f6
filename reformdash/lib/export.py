"""Exports: cells that are safe to open in a spreadsheet, and CSV and XLSX downloads of rows."""

import csv
import io
import itertools

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook

# A cell starting with one of these is run as a formula by Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as text, with a leading apostrophe where a spreadsheet would take it for a formula.

    Numbers are left alone (a negative change of rank is a number, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) or hasattr(value, "as_tuple"):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file whose write() hands the line back, so csv.writer can feed a streaming response."""

    def write(self, line):
        return line


def _attachment(response, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(rows, *, filename):
    """Rows (the header first) as a streamed CSV download, every cell made safe; with a BOM so that
    Excel reads the Vietnamese names as UTF-8. Rows may be a generator: nothing is held whole."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow([safe_cell(cell) for cell in row]) for row in rows)
    return _attachment(
        StreamingHttpResponse(itertools.chain(["\ufeff"], lines), content_type="text/csv; charset=utf-8"), filename
    )


def xlsx_response(rows, *, filename, sheet_title):
    """Rows (the header first) as an XLSX download, every cell made safe; written row by row
    (openpyxl's write-only mode)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(sheet_title)[:31])  # Excel's limit on a sheet's name
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _attachment(
        HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
        filename,
    )
