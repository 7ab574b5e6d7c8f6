"""Exports: cells that are safe to open in a spreadsheet, and CSV and XLSX downloads of rows.

The CSV is plain: the cells as text, nothing above the header. The XLSX is a sheet a person opens
and reads: title lines saying what it is above a bold, frozen header with a filter, columns as
wide as their content, and each column's numbers and dates kept as numbers and dates with a
display format (ColumnType), so that the spreadsheet sorts and sums them."""

import csv
import datetime
import enum
import io
import itertools

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# A cell starting with one of these is run as a formula by Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The display of dates in the exports' text, Vietnamese style, as the pages show them.
DATE_TEXT, DATETIME_TEXT = "%d/%m/%Y", "%d/%m/%Y %H:%M:%S"


class ColumnType(enum.StrEnum):
    """What a column of an export holds: the XLSX keeps its values as numbers or dates and gives
    them this display (Excel shows the decimal separator of the reader's locale: 78,44 in
    Vietnamese). Percentages are stored as the page shows them (78.44 for 78,44 %), not as
    fractions: the header says "(%)", and a value copied from the sheet is the value published."""

    TEXT = "text"
    INTEGER = "integer"
    PERCENT = "percent"
    POINTS = "points"
    DATE = "date"
    DATETIME = "datetime"


NUMBER_FORMATS = {
    ColumnType.INTEGER: "0",
    ColumnType.PERCENT: "0.00",
    ColumnType.POINTS: "0.00",
    ColumnType.DATE: "dd/mm/yyyy",
    ColumnType.DATETIME: "dd/mm/yyyy hh:mm:ss",
}
# How many characters each type's cells show, where it does not depend on the value.
_FIXED_WIDTHS = {ColumnType.DATE: 10, ColumnType.DATETIME: 19}
# A column's width, in characters, is its widest cell's among the header and the first rows,
# within these bounds: a long name is cut on screen (the cell keeps it whole), not a page wide.
MIN_WIDTH, MAX_WIDTH = 6, 60
WIDTH_SAMPLE = 1000  # rows read ahead for the widths; the rest are written as they come


def safe_cell(value):
    """The value as text, with a leading apostrophe where a spreadsheet would take it for a formula.

    Numbers are left alone (a negative change of rank is a number, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) or hasattr(value, "as_tuple"):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _local(moment):
    """A datetime in Vietnam time without its zone (a spreadsheet has none); a date as it is."""
    if isinstance(moment, datetime.datetime) and timezone.is_aware(moment):
        return timezone.localtime(moment).replace(tzinfo=None)
    return moment


def _text_cell(value):
    """A cell of the CSV: dates as the pages write them (dd/mm/yyyy, Vietnam time), the rest safe_cell."""
    if isinstance(value, datetime.datetime):
        return _local(value).strftime(DATETIME_TEXT)
    if isinstance(value, datetime.date):
        return value.strftime(DATE_TEXT)
    return safe_cell(value)


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
    lines = (writer.writerow([_text_cell(cell) for cell in row]) for row in rows)
    return _attachment(
        StreamingHttpResponse(itertools.chain(["\ufeff"], lines), content_type="text/csv; charset=utf-8"), filename
    )


def export_response(rows, *, export, filename, sheet_title, title_lines=(), types=()):
    """Rows (the header first) as the download `export` names (EXPORT_FORMATS; Http404 for any
    other), named `filename` and the format's extension. The XLSX's `title_lines` may be a function
    giving them, called only for the XLSX (they may cost queries the CSV need not make)."""
    if export not in EXPORT_FORMATS:
        raise Http404("No such export format.")
    rows = iter(rows)
    # The header now, in the request's language: a streamed CSV is written after the request ends.
    rows = itertools.chain([next(rows)], rows)
    if export == "csv":
        return csv_response(rows, filename=f"{filename}.csv")
    return xlsx_response(
        rows,
        filename=f"{filename}.xlsx",
        sheet_title=sheet_title,
        title_lines=title_lines() if callable(title_lines) else title_lines,
        types=types,
    )


def as_of_text(moment):
    """The moment in an export's title: "figures as of dd/mm/yyyy HH:MM", in Vietnam time."""
    return _("figures as of %(time)s") % {"time": timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")}


def title_line(*parts):
    """Parts of an export's title joined as the exports write them: "Chỉ số CCHC — năm 2025"."""
    return " — ".join(str(part) for part in parts if part)


def xlsx_response(rows, *, filename, sheet_title, title_lines=(), types=()):
    """Rows (the header first) as an XLSX download, every cell made safe; written row by row
    (openpyxl's write-only mode) once the first WIDTH_SAMPLE rows have given the widths.

    `title_lines` go above the header, a blank row between (what the sheet is: index, year,
    official or provisional, as of when); `types` gives the ColumnType of each column in order,
    TEXT for any not given. The header is bold and frozen, with a filter over the rows."""
    rows = iter(rows)
    header = [safe_cell(cell) for cell in next(rows, [])]
    sample = list(itertools.islice(rows, WIDTH_SAMPLE))
    types = [ColumnType(kind) for kind in types][: len(header)]
    types += [ColumnType.TEXT] * (len(header) - len(types))

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(sheet_title)[:31])  # Excel's limit on a sheet's name
    # What goes before the rows (widths, frozen panes) must be set before the first row is written.
    for position, width in enumerate(_widths(header, sample, types), start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    header_row = len(title_lines) + 2 if title_lines else 1
    sheet.freeze_panes = f"A{header_row + 1}"

    for number, line in enumerate(title_lines):
        sheet.append([_styled(sheet, safe_cell(line), font=Font(bold=True, size=13) if number == 0 else None)])
    if title_lines:
        sheet.append([])
    bold = Font(bold=True)
    sheet.append([_styled(sheet, cell, font=bold) for cell in header])
    formats = [NUMBER_FORMATS.get(kind) for kind in types]
    count = 0
    for row in itertools.chain(sample, rows):
        sheet.append(
            [_data_cell(sheet, value, number_format) for value, number_format in zip(row, formats, strict=True)]
        )
        count += 1
    if header:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(header))}{header_row + count}"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE), filename)


def _styled(sheet, value, *, font=None, number_format=None):
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _is_number(value):
    return isinstance(value, (int, float)) or hasattr(value, "as_tuple")  # as_tuple: a Decimal


def _data_cell(sheet, value, number_format):
    """One cell of a row: empty for None; a number or a date kept as one, in its column's format;
    any other value as safe text."""
    if value is None:
        return None
    if isinstance(value, datetime.date):
        value = _local(value)
    elif not _is_number(value):
        return safe_cell(value)
    return value if number_format is None else _styled(sheet, value, number_format=number_format)


def _shown_length(value, kind):
    """How many characters a cell shows, for its column's width."""
    if value is None:
        return 0
    if isinstance(value, datetime.date):
        return _FIXED_WIDTHS.get(kind, _FIXED_WIDTHS[ColumnType.DATETIME])
    if _is_number(value):
        return len(f"{value:.2f}") if kind in (ColumnType.PERCENT, ColumnType.POINTS) else len(str(value))
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(header, sample, types):
    """Each column's width: its widest cell among the header (bold: a little wider) and the sample,
    plus a margin, within MIN_WIDTH and MAX_WIDTH."""
    widths = []
    for position, kind in enumerate(types):
        cells = (row[position] for row in sample if position < len(row))
        widest = max([_shown_length(header[position], ColumnType.TEXT) + 1, *(_shown_length(c, kind) for c in cells)])
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, widest + 2)))
    return widths
