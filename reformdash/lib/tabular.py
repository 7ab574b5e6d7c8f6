"""Read a CSV or XLSX file into rows that remember their line, and collect what is wrong with them.

Every import works the same way: read the whole file, check every row, and either write all of it
or nothing, listing each problem with its line, column and reason. This module does the reading
and the bookkeeping; each importer brings its own checks.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

# Spreadsheets come from many hands: tolerate a BOM, a header in any case, spaces around cells.
XLSX_MAGIC = b"PK\x03\x04"
# An XLSX is a zip: a few megabytes can declare gigabytes of XML. Its directory is read before
# openpyxl opens anything, and a file declaring more than this in all, or one member squeezed
# more than XLSX_MAX_RATIO times (deflate of real sheets gives 5–30×), is refused. Python's
# zipfile never inflates a member past its declared size, so a lying directory cannot get around it.
XLSX_MAX_UNCOMPRESSED = 256 * 1024 * 1024
XLSX_MAX_RATIO = 200
_XLSX_RATIO_FROM = 1024 * 1024  # tiny members (styles, empty sheets) legitimately compress more
# A workbook has a few dozen parts. Python's zipfile builds an object for every entry of the
# directory before anything can be checked: a 20 MB upload of empty entries would cost hundreds of
# megabytes, so the directory's declared size and entry count are read from its end record first.
XLSX_MAX_MEMBERS = 5000
_XLSX_MAX_DIRECTORY_BYTES = XLSX_MAX_MEMBERS * 1024
_ZIP_END = b"PK\x05\x06"
_ZIP_END_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
# The end record sits in a zip's last 22 bytes plus its comment (at most 65,535), with ZIP64's
# locator right before it: this many bytes from the end are enough to read it.
ZIP_TAIL_BYTES = 20 + _ZIP_END_SIZE + 0xFFFF


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: where (line, column) and why."""

    line: int
    column: str
    reason: str

    def __str__(self):
        where = _("line %(line)d") % {"line": self.line}
        if self.column:
            where += ", " + _("column %(column)s") % {"column": self.column}
        return f"{where}: {self.reason}"


class ImportRejected(Exception):
    """The file was not written: every problem found, in file order."""

    def __init__(self, problems):
        self.problems = sorted(problems, key=lambda problem: (problem.line, problem.column))
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass
class Row:
    line: int
    cells: dict

    def get(self, column):
        return self.cells.get(column, "")


@dataclass
class Table:
    headers: list
    rows: list
    problems: list = field(default_factory=list)
    # Headers are matched in lower case; problems name the column as the file wrote it.
    written: dict = field(default_factory=dict)

    def problem(self, line, column, reason):
        self.problems.append(Problem(line, self.written.get(column, column), reason))

    def require_headers(self, required, optional=(), extra_allowed=None):
        """Record a problem for each missing or unknown header; True when the headers are usable.

        `extra_allowed(header)` accepts further columns (the criterion columns of a wide file)."""
        known = set(required) | set(optional)
        for header in required:
            if header not in self.headers:
                self.problem(1, header, _("missing column"))
        for header in self.headers:
            if header not in known and not (extra_allowed and extra_allowed(header)):
                self.problem(1, header, _("unknown column"))
        seen = set()
        for header in self.headers:
            if header in seen:
                self.problem(1, header, _("the column appears twice"))
            seen.add(header)
        return not self.problems

    def raise_if_problems(self):
        if self.problems:
            raise ImportRejected(self.problems)


def read_table(source, *, filename=""):
    """Read a CSV (UTF-8, with or without BOM) or XLSX file: a path or a binary file object.

    Header names are stripped and matched in lower case (problems still name them as written);
    cells are stripped strings ("" when empty). Lines
    are numbered as a person sees them in the file: the header is line 1. An empty file, or one
    that is not CSV or XLSX, gives a Table whose only problem says so.
    """
    data = _read_bytes(source)
    name = (filename or getattr(source, "name", "") or str(source if isinstance(source, str) else "")).lower()
    if data.startswith(XLSX_MAGIC) or name.endswith(".xlsx"):
        raw_rows = _xlsx_rows(data)
    else:
        raw_rows = _csv_rows(data)
    if isinstance(raw_rows, Problem):
        return Table(headers=[], rows=[], problems=[raw_rows])
    header_line, headers, rows = None, [], []
    for line, values in raw_rows:
        if header_line is None:
            if not any(values):
                continue  # leading blank lines before the header
            header_line = line
            written = {value.strip().lower(): value.strip() for value in values if value.strip()}
            headers = [value.strip().lower() for value in values]
            continue
        if not any(values):
            continue  # blank lines between and after rows
        cells = {header: (values[i] if i < len(values) else "") for i, header in enumerate(headers) if header}
        rows.append(Row(line=line, cells=cells))
    if header_line is None:
        return Table(headers=[], rows=[], problems=[Problem(1, "", _("the file is empty"))])
    table = Table(headers=[header for header in headers if header], rows=rows, written=written)
    if not rows:
        table.problem(header_line, "", _("the file has a header but no rows"))
    return table


def _read_bytes(source):
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if hasattr(source, "read"):
        return source.read()
    with open(source, "rb") as handle:
        return handle.read()


def _csv_rows(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Problem(line, "", _("the file is not UTF-8 text (save it as “CSV UTF-8”)"))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [(reader.line_num, [value.strip() for value in values]) for values in reader]
    except csv.Error as error:
        return Problem(reader.line_num, "", _("the CSV cannot be read: %(error)s") % {"error": error})


def xlsx_expansion_problem(data):
    """A Problem when the zip directory of an XLSX declares a dangerous expansion (a zip bomb), else None.

    Reads only the central directory: nothing is inflated."""
    if zip_too_many_members(data):
        return Problem(
            1, "", _("the XLSX file has more than %(limit)s parts, far more than a real spreadsheet: refused")
            % {"limit": f"{XLSX_MAX_MEMBERS:,}"},
        )  # fmt: skip
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        return Problem(1, "", _("the XLSX file cannot be opened: %(error)s") % {"error": error})
    total = sum(member.file_size for member in members)
    if total > XLSX_MAX_UNCOMPRESSED:
        return Problem(
            1,
            "",
            _("the XLSX file would expand to %(size)s MB when opened, more than the %(limit)s MB allowed: refused")
            % {"size": f"{total / 2**20:,.0f}", "limit": f"{XLSX_MAX_UNCOMPRESSED / 2**20:,.0f}"},
        )
    for member in members:
        if member.file_size > _XLSX_RATIO_FROM and member.file_size > XLSX_MAX_RATIO * max(member.compress_size, 1):
            return Problem(
                1,
                "",
                _("the XLSX file is compressed %(ratio)s times, far more than a real spreadsheet: refused")
                % {"ratio": f"{member.file_size // max(member.compress_size, 1):,}"},
            )
    return None


def zip_too_many_members(data):
    """Whether the zip's end record declares more entries, or a bigger directory, than a workbook (or a
    DOCX) has — ZIP64's markers included: no such document needs them. `data` is the file, or its last
    ZIP_TAIL_BYTES. Without an end record zipfile refuses the file anyway."""
    at = len(data) - _ZIP_END_SIZE
    if data[at : at + 4] != _ZIP_END:
        at = data.rfind(_ZIP_END, max(0, len(data) - _ZIP_END_SIZE - 0xFFFF))
        if at < 0 or len(data) < at + _ZIP_END_SIZE:
            return False
    if at >= 20 and data[at - 20 : at - 16] == _ZIP64_LOCATOR:
        return True  # zipfile would take the count and size from the ZIP64 record instead
    entries = int.from_bytes(data[at + 10 : at + 12], "little")
    directory_bytes = int.from_bytes(data[at + 12 : at + 16], "little")
    return entries > XLSX_MAX_MEMBERS or directory_bytes > _XLSX_MAX_DIRECTORY_BYTES


def _xlsx_rows(data):
    from openpyxl import load_workbook

    problem = xlsx_expansion_problem(data)
    if problem is not None:
        return problem
    # A damaged or hostile file can make openpyxl raise nearly anything (KeyError, TypeError, XML
    # parse errors…): whatever it is, the answer is that the file cannot be read.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001
        return _entity_problem(error) or Problem(1, "", _("the XLSX file cannot be opened: %(error)s") % {"error": error})
    try:
        if not workbook.worksheets:
            return Problem(1, "", _("the XLSX file has no sheet"))
        sheet = workbook.worksheets[0]
        return [
            (line, [_xlsx_cell(value) for value in values])
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    except Exception as error:  # noqa: BLE001
        return _entity_problem(error) or Problem(1, "", _("the XLSX file cannot be read: %(error)s") % {"error": error})
    finally:
        workbook.close()


def _entity_problem(error):
    """A Problem naming an XML entity bomb when one is why openpyxl failed, else None.

    openpyxl parses with defusedxml (a dependency for this), which refuses any entity declaration; it
    wraps the refusal in an error of its own, so the chain of causes is searched for it."""
    from defusedxml import DefusedXmlException

    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, DefusedXmlException):
            return Problem(1, "", _("the XLSX file declares XML entities, which no spreadsheet needs: refused"))
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def _xlsx_cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        # repr gives the shortest text that reads back as the same double: 84.6, not 84.59999…
        return repr(value) if not value.is_integer() else str(int(value))
    if hasattr(value, "isoformat"):
        return value.date().isoformat() if hasattr(value, "date") and callable(value.date) else value.isoformat()
    return str(value).strip()


def parse_decimal(text):
    """A decimal from a cell, or None. Accepts 84.6 and the Vietnamese 84,6; refuses 1.234,5 and NaN."""
    text = text.strip().replace(" ", "")
    if "," in text:
        if "." in text:
            return None  # thousands separators are ambiguous: refuse rather than guess
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_date(text):
    """An ISO date (2025-07-01) from a cell, or None when it is not one."""
    import datetime

    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        return None


def decimal_problem(text, *, places=6):
    """(value, reason): the decimal in a cell, or None and why it is not one we can store as is."""
    value = parse_decimal(text)
    if value is None:
        return None, _("“%(text)s” is not a number") % {"text": text}
    if value.as_tuple().exponent < -places:
        return None, _("“%(text)s” has more than %(places)d decimal places and would be rounded") % {
            "text": text,
            "places": places,
        }
    return value, None
