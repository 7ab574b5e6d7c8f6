"""What the three indicator importers (methodology, scores, results) share: the checks of a cell,
the year, the index and the units a file names.

Each import works like `units_import`: check every row of the whole file, collecting each
problem with its line, column and reason, then write everything in one transaction or nothing
(ImportRejected). A number with more decimals than the database keeps (6.64173603057861, as a
spreadsheet writes it) is rounded half to even to the six stored decimals, and the import's
counts say how many were (`rounded_count`): what is compared, written and ranked is the stored
value. Writes are bulk (no query per row), rows whose stored values are already those
of the file are left alone (re-importing a file changes nothing), and each (index, year) touched
gets one recompute request inside the transaction, however many rows the file has.
"""

from decimal import ROUND_HALF_EVEN, Decimal

from django.utils.translation import gettext as _

from indicators.models import YEAR_RANGE_Q, Index
from reformdash.lib.fields import DECIMAL_PLACES, MAX_DIGITS
from reformdash.lib.tabular import ImportRejected, Problem, parse_decimal
from units.models import Unit
from units.selectors import units_valid_in
from units.validators import unknown_unit_reason

# A column people keep beside the code so the sheet is readable; it is not read.
UNIT_NAME_COLUMN = "unit_name"

# What a precise_decimal column can hold: 15 digits, 6 of them after the point.
_DECIMAL_LIMIT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)
_STORED_QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)
# The key of the import's counts that says how many values were rounded (only when some were).
ROUNDED = "values rounded"
_POSITIVE_INTEGER_LIMIT = 2147483647
_YEAR_MIN, _YEAR_MAX = dict(YEAR_RANGE_Q.children)["year__gte"], dict(YEAR_RANGE_Q.children)["year__lte"]
BATCH_SIZE = 1000


def checked_decimal(table, line, column, text, *, negative_allowed=False):
    """The decimal in a non-empty cell as it will be stored, or None after recording why it cannot be.

    Digits past the sixth decimal are rounded half to even, and the cell is noted in
    `table.rounded`; a negative number is refused (unless allowed) even when it would round to 0."""
    value = parse_decimal(text)
    if value is None:
        table.problem(line, column, _("“%(text)s” is not a number") % {"text": text})
        return None
    if value < 0 and not negative_allowed:
        table.problem(line, column, _("“%(text)s” is negative") % {"text": text})
        return None
    if value.as_tuple().exponent < -DECIMAL_PLACES and abs(value) < _DECIMAL_LIMIT:
        stored = value.quantize(_STORED_QUANTUM, rounding=ROUND_HALF_EVEN)
        if stored != value:  # 2.5000000 has seven decimals but loses nothing
            table.rounded.add((line, column))
        value = stored.copy_abs() if stored.is_zero() else stored  # -0.0000001 is stored as 0, not -0
    if abs(value) >= _DECIMAL_LIMIT:
        table.problem(line, column, _("“%(text)s” is too large to store") % {"text": text})
        return None
    return value


def rounded_count(table):
    """The import's count of values rounded to the stored decimals: {ROUNDED: n}, or {} when none was."""
    return {ROUNDED: len(table.rounded)} if table.rounded else {}


def whole_number(table, line, column, text):
    """A whole number ≥ 1 from a non-empty cell, or None after recording why not."""
    value = parse_decimal(text)
    if value is None or value != value.to_integral_value() or not 1 <= value <= _POSITIVE_INTEGER_LIMIT:
        table.problem(line, column, _("“%(text)s” is not a whole number of at least 1") % {"text": text})
        return None
    return int(value)


def check_year(table, year):
    if not _YEAR_MIN <= year <= _YEAR_MAX:
        table.problem(
            1,
            "",
            _("the year %(year)d is not between %(min)d and %(max)d")
            % {"year": year, "min": _YEAR_MIN, "max": _YEAR_MAX},
        )


def known_index(table, index_code):
    """The index, or ImportRejected with one problem: every other check needs it."""
    table.raise_if_problems()
    index = Index.objects.filter(code=index_code).first()
    if index is None:
        raise ImportRejected([Problem(1, "", _("unknown index “%(code)s”") % {"code": index_code})])
    return index


def number_text(count):
    return f"{count:,}"


class FileUnits:
    """The units a file names, read a batch of rows at a time, and the check every row of it goes through."""

    def __init__(self, table, year):
        self.year = year
        self.by_code = {}
        # Every unit of the year rather than `code__in` the file's codes: no IN list of thousands.
        self.valid_ids = set(units_valid_in(year=year).values_list("pk", flat=True))
        if isinstance(table.rows, list):  # a table read whole (read_table): its codes in one query
            self.prefetch(table.rows)

    def prefetch(self, rows):
        """Read the units the rows name that were not read yet (a streamed table's batch, before its
        rows are checked): as many kept as the file names units, whatever its length."""
        # A NUL, which PostgreSQL cannot compare, is no stored code: its row is told so below.
        codes = {
            code
            for code in (row.get("unit_code") for row in rows)
            if code and "\x00" not in code and code not in self.by_code
        }
        if codes:
            self.by_code.update(Unit.objects.in_bulk(list(codes), field_name="code"))

    def get(self, table, row):
        """The row's unit, or None after recording why it cannot be used in this year."""
        code = row.get("unit_code")
        if not code:
            table.problem(row.line, "unit_code", _("the unit code is empty"))
            return None
        unit = self.by_code.get(code)
        if unit is None:
            table.problem(row.line, "unit_code", unknown_unit_reason(code))
            return None
        if unit.id not in self.valid_ids:
            table.problem(
                row.line,
                "unit_code",
                _("the unit “%(code)s” did not exist in %(year)d (valid %(start)s – %(end)s)")
                % {"code": code, "year": self.year, "start": unit.valid_from or "…", "end": unit.valid_to or "…"},
            )
            return None
        return unit


def methodology_label(methodology, index):
    return _("the %(year)d %(kind)s methodology of %(index)s") % {
        "year": methodology.year,
        "kind": methodology.unit_kind,
        "index": index.code,
    }
