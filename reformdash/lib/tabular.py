"""Read a CSV or XLSX file into rows that remember their line, and collect what is wrong with them.

The one reader of tabular files, with three modes. `read_table` reads a whole file into a Table: the
imports check every row and write all of it or nothing, listing each problem with its line, column and
reason. `open_table` gives the same Table with rows read from the file as they are iterated (the
score import, which stages its rows as it checks them). `read_rows` streams a file a row at a time, in
the memory of one row whatever the file's length: `import_dossiers` reads millions of rows with it. Both
go through the same checks (a CSV must be UTF-8; an XLSX's zip directory is checked for bombs before
openpyxl opens anything). This module does the reading and the bookkeeping; each importer brings its
own checks.
"""

import codecs
import csv
import io
import itertools
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
    """The file was not written: every problem found (or the first of them, when the table kept only
    so many: `count` says how many were found), in file order."""

    def __init__(self, problems, *, count=None):
        self.problems = sorted(problems, key=lambda problem: (problem.line, problem.column))
        self.count = max(count or 0, len(self.problems))
        super().__init__("\n".join(str(problem) for problem in self.problems))


class Unreadable(Exception):
    """`read_rows` cannot read the file on from `problem.line`. `cause` says why: "encoding" (a CSV
    line that is not UTF-8), "csv" (csv cannot parse it) or "xlsx" (the workbook is refused, or
    cannot be opened or read)."""

    def __init__(self, problem, *, cause):
        self.problem, self.cause = problem, cause
        super().__init__(str(problem))


@dataclass(slots=True)  # a million rows: no __dict__ each
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
    # (line, column) of the cells an importer took rounded to what it stores (a spreadsheet's
    # 6.64173603057861): a set, so that checking the same table twice counts each cell once.
    rounded: set = field(default_factory=set)
    # Keep at most this many problems in full (None: all of them); problem_count counts them all.
    # A file wrong on every line of a million gives a million problems: the browser check keeps the
    # first ones it can show, and the memory of those only.
    problem_limit: int | None = None
    problem_count: int = 0

    def __post_init__(self):
        self.problem_count = max(self.problem_count, len(self.problems))

    def problem(self, line, column, reason):
        self.problem_count += 1
        if self.problem_limit is None or len(self.problems) < self.problem_limit:
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
        if self.problem_count:
            raise ImportRejected(self.problems, count=self.problem_count)


def read_table(source, *, filename=""):
    """Read a CSV (UTF-8, with or without BOM) or XLSX file: a path, bytes or a binary file object.

    Header names are stripped and matched in lower case (problems still name them as written);
    cells are stripped strings ("" when empty). Lines
    are numbered as a person sees them in the file: the header is line 1. An empty file, or one
    that is not CSV or XLSX, gives a Table whose only problem says so.
    """
    data = _read_bytes(source)
    name = filename or getattr(source, "name", "") or (source if isinstance(source, str) else "")
    header_line, headers, rows, nul_cells = None, [], [], []
    # A long file repeats its short cells (unit codes, criterion codes, scores): one string object
    # each, not one per cell, saves most of the memory of the cells of a 200,000-row file. Long
    # texts (names, notes) are rarely repeated: not kept in `same`.
    same = {}
    try:
        for line, values in read_rows(io.BytesIO(data), filename=name):
            values = [_same(same, value.strip()) for value in values]
            if header_line is None:
                if not any(values):
                    continue  # leading blank lines before the header
                header_line = line
                written = {value.lower(): value for value in values if value}
                headers = [value.lower() for value in values]
                continue
            if not any(values):
                continue  # blank lines between and after rows
            cells = {header: (values[i] if i < len(values) else "") for i, header in enumerate(headers) if header}
            # PostgreSQL cannot store a NUL: a cell holding one is the file's problem, told with its
            # line and column, not the database's error when the import writes.
            nul_cells.extend((line, header) for header, value in cells.items() if "\x00" in value)
            rows.append(Row(line=line, cells=cells))
    except Unreadable as unreadable:
        problem = unreadable.problem
        if unreadable.cause == "csv":
            # A file that is not UTF-8 is said to be so, wherever the bad line is: the whole file is
            # at hand here (a stream stops at the first error, whichever comes first).
            problem = _utf8_problem(data) or problem
        return Table(headers=[], rows=[], problems=[problem])
    if header_line is None:
        return Table(headers=[], rows=[], problems=[Problem(1, "", _("the file is empty"))])
    table = Table(headers=[header for header in headers if header], rows=rows, written=written)
    if not rows:
        table.problem(header_line, "", _("the file has a header but no rows"))
    for line, header in nul_cells:
        table.problem(line, header, _("holds a NUL character"))
    return table


def open_table(source, *, filename=""):
    """A Table of a CSV or XLSX file whose rows are read from the file as they are iterated, in the
    memory of one row whatever the file's length: the same headers, rows, lines and problems as
    read_table gives (`import_scores` reads with it).

    `source` is a path, or a binary file object open for reading and seeking that stays open while
    the rows are iterated. The header is read here, with the first row after it: an empty file, one
    with a header but no rows, or one unreadable before its first row gives a Table whose only
    problem says so, as read_table's. A cell holding a NUL is recorded as a problem as its row is
    read. A file that cannot be read on further down raises ImportRejected with that one problem
    when the iteration reaches it (read_table's table would hold only that problem)."""
    name = filename or getattr(source, "name", "") or (str(source) if not hasattr(source, "read") else "")
    rows = _StreamedRows(source, name)
    try:
        header_line, headers, written, has_rows = rows.header()
    except Unreadable as unreadable:
        return Table(headers=[], rows=[], problems=[rows.unreadable_problem(unreadable)])
    if header_line is None:
        return Table(headers=[], rows=[], problems=[Problem(1, "", _("the file is empty"))])
    if not has_rows:
        table = Table(headers=[header for header in headers if header], rows=[], written=written)
        table.problem(header_line, "", _("the file has a header but no rows"))
        return table
    table = Table(headers=[header for header in headers if header], rows=rows, written=written)
    rows.table = table
    return table


class _StreamedRows:
    """open_table's rows: each iteration reads the file again from its start (one pass per import)."""

    def __init__(self, source, name):
        self.source, self.name, self.table = source, name, None

    def _is_path(self):
        return isinstance(self.source, str) or hasattr(self.source, "__fspath__")

    def _lines(self):
        if self._is_path():
            with open(self.source, "rb") as handle:
                yield from read_rows(handle, filename=self.name)
        else:
            self.source.seek(0)
            yield from read_rows(self.source, filename=self.name)

    def header(self):
        """(header line, headers, written, whether a row follows): read_table's view of the start."""
        header_line, headers, written = None, [], {}
        for line, values in self._lines():
            values = [value.strip() for value in values]
            if header_line is None:
                if any(values):
                    header_line = line
                    written = {value.lower(): value for value in values if value}
                    headers = [value.lower() for value in values]
                continue
            if any(values):
                return header_line, headers, written, True
        return header_line, headers, written, False

    def unreadable_problem(self, unreadable):
        if unreadable.cause != "csv":
            return unreadable.problem
        # A file that is not UTF-8 is said to be so, wherever the bad line is, as read_table does.
        if self._is_path():
            with open(self.source, "rb") as handle:
                return _utf8_problem_of_lines(handle) or unreadable.problem
        self.source.seek(0)
        return _utf8_problem_of_lines(self.source) or unreadable.problem

    def __iter__(self):
        table, header_line, headers = self.table, None, []
        # The cells taken rounded, counted rather than kept: one pass, each cell once.
        table.rounded = _CountedCells()
        try:
            for line, values in self._lines():
                values = [value.strip() for value in values]
                if header_line is None:
                    if any(values):
                        header_line, headers = line, [value.lower() for value in values]
                    continue
                if not any(values):
                    continue
                cells = {header: (values[i] if i < len(values) else "") for i, header in enumerate(headers) if header}
                for header, value in cells.items():
                    if "\x00" in value:
                        table.problem(line, header, _("holds a NUL character"))
                yield Row(line=line, cells=cells)
        except Unreadable as unreadable:
            raise ImportRejected([self.unreadable_problem(unreadable)]) from None


class _CountedCells:
    """A Table's `rounded` that counts the cells added rather than keeping them (open_table)."""

    def __init__(self):
        self.count = 0

    def add(self, _cell):
        self.count += 1

    def __len__(self):
        return self.count


def _utf8_problem_of_lines(handle):
    """_utf8_problem of a file read a line at a time (UTF-8 never puts a newline byte in a character)."""
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return Problem(number, "", _("the file is not UTF-8 text (save it as “CSV UTF-8”)"))
    return None


def _same(same, text):
    return same.setdefault(text, text) if len(text) <= 32 else text


def read_rows(source, *, filename=""):
    """Stream a CSV (UTF-8, with or without BOM) or the first sheet of an XLSX file: yield
    (line, cells) one row at a time, blank rows included, holding one row in memory at a time.

    `source` is a path, bytes, or a binary file object open for reading (and seeking, for an
    XLSX); an XLSX is told by its first bytes or its name. CSV cells are the strings as written
    (not stripped); XLSX cells are strings too (numbers as their shortest text, dates in ISO),
    without the empty cells that end a row. Lines are numbered as a person sees them: the header
    is line 1, and a CSV row spanning lines (a quoted line break) is numbered by its last line.
    Raises Unreadable when the file cannot be read on, after the rows before it were yielded."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    if hasattr(source, "read"):
        yield from _rows_of(source, filename or getattr(source, "name", "") or "")
        return
    with open(source, "rb") as handle:
        yield from _rows_of(handle, filename or str(source))


def _rows_of(handle, name):
    head = handle.read(len(XLSX_MAGIC))
    handle.seek(0)
    if head.startswith(XLSX_MAGIC) or str(name).lower().endswith(".xlsx"):
        yield from _xlsx_rows(handle)
    else:
        yield from _csv_rows(handle)


def _read_bytes(source):
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if hasattr(source, "read"):
        return source.read()
    with open(source, "rb") as handle:
        return handle.read()


def _csv_rows(handle):
    reader = csv.reader(itertools.chain.from_iterable(_decoded_lines(handle)))
    try:
        for values in reader:
            yield reader.line_num, values
    except csv.Error as error:
        problem = Problem(reader.line_num, "", _("the CSV cannot be read: %(error)s") % {"error": error})
        raise Unreadable(problem, cause="csv") from None


# Lines are decoded this many bytes at a time (whole lines): one decode and one C iteration per
# block rather than a generator step per line, a tenth of a million-row file's reading.
_DECODED_BLOCK_BYTES = 1 << 16


def _decoded_lines(handle):
    """The file's lines as text, as csv wants them; a line that is not UTF-8 stops the reading there
    (UTF-8 never puts a newline byte inside a character: line by line is exact). Yields blocks of
    lines (iterables of str): csv reads them through itertools.chain."""
    number = 0
    while raws := handle.readlines(_DECODED_BLOCK_BYTES):
        if number == 0 and raws[0].startswith(codecs.BOM_UTF8):
            raws[0] = raws[0][len(codecs.BOM_UTF8) :]
        try:
            text = b"".join(raws).decode("utf-8")
        except UnicodeDecodeError:
            yield _decoded_one_by_one(raws, number)
            number += len(raws)
            continue
        number += len(raws)
        # Split as a file opened with newline="" is: at \r\n, \n, and a \r alone (old Mac files).
        yield io.StringIO(text, newline="")


def _decoded_one_by_one(raws, before):
    """The lines of a block holding one that is not UTF-8, up to it; Unreadable with its number there
    (`before`: how many lines the blocks before this one had)."""
    for number, raw in enumerate(raws, start=before + 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            problem = Problem(number, "", _("the file is not UTF-8 text (save it as “CSV UTF-8”)"))
            raise Unreadable(problem, cause="encoding") from None
        yield from io.StringIO(text, newline="")


def _utf8_problem(data):
    """The Problem of the first line that is not UTF-8 in a whole file, or None."""
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Problem(line, "", _("the file is not UTF-8 text (save it as “CSV UTF-8”)"))
    return None


def xlsx_expansion_problem(data):
    """A Problem when the zip directory of an XLSX declares a dangerous expansion (a zip bomb), else None.

    `data` is the file's bytes or a seekable binary file. Reads only the end record and the central
    directory: nothing is inflated, and a file need not be read whole."""
    handle = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    handle.seek(0, io.SEEK_END)
    handle.seek(max(0, handle.tell() - ZIP_TAIL_BYTES))
    if zip_too_many_members(handle.read()):
        return Problem(
            1,
            "",
            _("the XLSX file has more than %(limit)s parts, far more than a real spreadsheet: refused")
            % {"limit": f"{XLSX_MAX_MEMBERS:,}"},
        )
    try:
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
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


def _xlsx_rows(handle):
    from openpyxl import load_workbook

    problem = xlsx_expansion_problem(handle)
    if problem is not None:
        raise Unreadable(problem, cause="xlsx")
    handle.seek(0)
    # A damaged or hostile file can make openpyxl raise nearly anything (KeyError, TypeError, XML
    # parse errors…): whatever it is, the answer is that the file cannot be read. Read-only mode
    # parses the sheet as its rows are asked for: one row in memory at a time.
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 (anything openpyxl raises means unreadable)
        problem = _entity_problem(error) or Problem(
            1, "", _("the XLSX file cannot be opened: %(error)s") % {"error": error}
        )
        raise Unreadable(problem, cause="xlsx") from None
    try:
        if not workbook.worksheets:
            raise Unreadable(Problem(1, "", _("the XLSX file has no sheet")), cause="xlsx")
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        for line in itertools.count(1):
            try:
                values = next(rows, None)
                if values is None:
                    return
                cells = [_xlsx_cell(value) for value in values]
            except Exception as error:  # noqa: BLE001 (anything openpyxl raises means unreadable)
                problem = _entity_problem(error) or Problem(
                    1, "", _("the XLSX file cannot be read: %(error)s") % {"error": error}
                )
                raise Unreadable(problem, cause="xlsx") from None
            while cells and cells[-1] == "":
                cells.pop()  # a sheet is a grid: the empty cells ending a row are not cells of it
            yield line, cells
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
