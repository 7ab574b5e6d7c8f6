"""Dossiers in from a one-stop system: checking one record, and writing a batch of them.

Used alike by `import_dossiers` (a CSV or XLSX file, millions of rows) and by the push endpoint
`POST /api/dossiers/batch/` (JSON). A dossier is identified by (source, external_id): sending it
again replaces the stored version, and sending an identical version changes nothing.

Unlike the other imports a bad record does not stop the good ones: each is checked on its own,
its problems are reported with the column and the reason, and the good records are written.

Columns (CSV header, or keys of each JSON item; header names are matched in any case):

| column              | required              | what it holds                                                       |
| ------------------- | --------------------- | ------------------------------------------------------------------- |
| source              | yes (API: implied)    | code of the one-stop system, letters, digits, - and _ (≤ 32)        |
| external_id         | yes                   | the dossier's id in that system (≤ 64 characters)                   |
| unit_code           | yes                   | code of the unit handling the dossier (as in `import_units`)        |
| procedure_code      | no                    | code of the administrative procedure (≤ 64)                         |
| procedure_name      | no                    | its name (≤ 500)                                                    |
| received_at         | yes                   | date and time, ISO 8601: `2024-07-02T09:30:00+07:00`                |
| due_at              | yes                   | date and time, not before received_at                               |
| completed_at        | unless `pending`      | when processing ended: completed, returned or stopped; empty if not |
| status              | yes                   | `pending`, `completed`, `returned` or `withdrawn`                   |
| channel             | yes                   | `in_person`, `online` or `postal`                                   |
| fully_online        | no (no)               | yes/no; a fully-online dossier came in through channel `online`     |
| fee_required        | no (no)               | yes/no                                                              |
| paid_online         | no (no)               | yes/no; only a dossier with a fee can be paid online                |
| supplement_requests | no (0)                | how many times the citizen was asked to supplement it, whole ≥ 0   |
| supplement_days     | no (0)                | days spent waiting for the citizen, ≥ 0, two decimals at most       |
| result_entered      | no (no)               | yes/no: the result was entered in the one-stop software             |

A date and time without an offset (`2024-07-02 09:30`) is Vietnam time; a date alone is refused,
since a due *date* could mean the start or the end of that day. Yes/no accepts 1/0, true/false,
yes/no, có/không (and JSON true/false). An empty optional value takes its default: a record is the
whole dossier, so leaving out a column when re-sending resets that value.
"""

import contextlib
import datetime
import functools
import re
import unicodedata
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import measures
from dossiers.models import Channel, Dossier, DossierMonthDirty, DossierStatus
from dossiers.services import (
    derived_values,
    dossier_derive,
    dossier_stats_lock,
    dossier_stats_request,
    dossiers_added_record,
)
from reformdash.lib.bulk import rows_insert
from reformdash.lib.tabular import Problem, decimal_problem
from units.validators import unknown_unit_reason

COLUMNS = (
    "source",
    "external_id",
    "unit_code",
    "procedure_code",
    "procedure_name",
    "received_at",
    "due_at",
    "completed_at",
    "status",
    "channel",
    "fully_online",
    "fee_required",
    "paid_online",
    "supplement_requests",
    "supplement_days",
    "result_entered",
)
REQUIRED_COLUMNS = ("source", "external_id", "unit_code", "received_at", "due_at", "status", "channel")

# The stored fields a record sets; a stored dossier whose values are all these is left alone.
DATA_FIELDS = (
    "unit_id",
    "procedure_code",
    "procedure_name",
    "received_at",
    "due_at",
    "completed_at",
    "status",
    "channel",
    "fully_online",
    "fee_required",
    "paid_online",
    "supplement_requests",
    "supplement_days",
    "result_entered",
)
_DERIVED_FIELDS = ("received_month", "completed_month", "effective_completed_at", "effective_due_at")
_UPDATE_FIELDS = ["unit" if name == "unit_id" else name for name in DATA_FIELDS] + [*_DERIVED_FIELDS, "updated_at"]

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=VIETNAM)
# One-stop systems' clocks drift; a day ahead of ours is a typo in the year, not drift.
_FUTURE_TOLERANCE = datetime.timedelta(days=1)
_TIME_OF_DAY = re.compile(r"[Tt ]\d")
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_BOOLEAN_COLUMNS = ("fully_online", "fee_required", "paid_online", "result_entered")
_SOURCE = re.compile(r"[-a-zA-Z0-9_]+")
_TRUE = {"1", "true", "yes", "có", "co"}
_FALSE = {"0", "false", "no", "không", "khong"}
_MAX_LENGTH = {"source": 32, "external_id": 64, "procedure_code": 64, "procedure_name": 500}
_SUPPLEMENT_DAYS_LIMIT = Decimal(100_000)  # max_digits=7, decimal_places=2
_SMALL_INTEGER_LIMIT = 32767
# A choices class's `values` is built anew at each use: a tuple once, for the rows of a large file.
_CHOICES = {choices: tuple(choices.values) for choices in (DossierStatus, Channel)}
_COLUMN_SET = frozenset(COLUMNS)
_NFC = functools.partial(unicodedata.normalize, "NFC")
_YES_NO = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def dossier_parse(values, *, units_by_code, line=None, now=None):
    """(Dossier or None, problems) from one record: a dict of column → value.

    Values are CSV cells (strings) or JSON values (strings, numbers, booleans, null).
    `units_by_code` maps unit codes to unit ids. Each problem is a `Problem(line, column, reason)`;
    the dossier is returned, unsaved, only when there is none."""
    fields, problems = dossier_check(values, units_by_code=units_by_code, line=line, now=now)
    return (None, problems) if problems else (Dossier(**fields), [])


def dossier_check(values, *, units_by_code, line=None, now=None):
    """(fields or None, problems): dossier_parse's checks, and the dossier as {field: value}
    (derived columns included) rather than a model instance, which a million rows need not build."""
    record = _Record(line)
    if not _COLUMN_SET.issuperset(values):
        for key in values:
            if key not in _COLUMN_SET:
                record.problem(key if isinstance(key, str) else "", _("unknown column"))
    texts = _file_texts(values)
    if texts is None:
        texts = {column: record.text(column, values.get(column)) for column in COLUMNS}
    for column in REQUIRED_COLUMNS:
        if not texts[column] and column not in record.columns:
            record.problem(column, _("this value is required"))
    for column, limit in _MAX_LENGTH.items():
        if len(texts[column]) > limit:
            record.problem(
                column,
                _("longer than %(limit)d characters (%(length)d)") % {"limit": limit, "length": len(texts[column])},
            )
    if texts["source"] and not _SOURCE.fullmatch(texts["source"]):
        record.problem("source", _("a source code has only letters, digits, - and _"))

    unit_id = None
    if texts["unit_code"]:
        unit_id = units_by_code.get(texts["unit_code"])
        if unit_id is None:
            # A stored code is known whatever it holds (units from before the code rules); an unknown
            # one is told apart from one that cannot be a code at all.
            reason = unknown_unit_reason(texts["unit_code"])
            record.problem("unit_code", reason)

    received_at = record.moment("received_at", texts["received_at"])
    due_at = record.moment("due_at", texts["due_at"])
    completed_at = record.moment("completed_at", texts["completed_at"])
    status = record.choice("status", texts["status"], DossierStatus)
    channel = record.choice("channel", texts["channel"], Channel)
    flags = {}
    for column in _BOOLEAN_COLUMNS:
        flags[column] = record.boolean(column, values.get(column), texts[column])
    supplement_requests = record.whole_number("supplement_requests", texts["supplement_requests"])
    supplement_days = record.days("supplement_days", texts["supplement_days"])

    latest = (now or timezone.now()) + _FUTURE_TOLERANCE
    if received_at is not None:
        if received_at < _EARLIEST:
            record.problem("received_at", _("before 2000: is the year right?"))
        elif received_at > latest:
            record.problem("received_at", _("in the future"))
        if due_at is not None and due_at < received_at:
            record.problem("due_at", _("before received_at"))
        if completed_at is not None and completed_at < received_at:
            record.problem("completed_at", _("before received_at"))
    if completed_at is not None and completed_at > latest:
        record.problem("completed_at", _("in the future"))
    if status == DossierStatus.COMPLETED and completed_at is None and "completed_at" not in record.columns:
        record.problem("completed_at", _("a completed dossier needs the time it was completed"))
    if status in measures.STOPPED and completed_at is None and "completed_at" not in record.columns:
        record.problem("completed_at", _("a returned or withdrawn dossier needs the time its processing ended"))
    if status == DossierStatus.PENDING and completed_at is not None:
        record.problem("status", _("pending, yet completed_at is given"))
    if flags["paid_online"] and flags["fee_required"] is False:
        record.problem("paid_online", _("paid online, yet fee_required says there is no fee"))
    if flags["fully_online"] and channel is not None and channel != Channel.ONLINE:
        record.problem("fully_online", _("a fully-online dossier comes in through channel “online”"))
    if supplement_days and supplement_requests == 0:
        record.problem("supplement_days", _("days waiting for the citizen, yet supplement_requests is 0"))
    if supplement_days and received_at and completed_at and completed_at >= received_at:
        span_days = Decimal((completed_at - received_at).total_seconds()) / Decimal(86400)
        if supplement_days > span_days:
            record.problem("supplement_days", _("longer than the time from received_at to completed_at"))

    if record.problems:
        return None, record.problems
    fields = {
        "source": texts["source"],
        "external_id": texts["external_id"],
        "unit_id": unit_id,
        "procedure_code": texts["procedure_code"],
        "procedure_name": texts["procedure_name"],
        "received_at": received_at,
        "due_at": due_at,
        "completed_at": completed_at,
        "status": status,
        "channel": channel,
        "supplement_requests": supplement_requests,
        "supplement_days": supplement_days,
        **flags,
    }
    fields.update(
        derived_values(
            received_at=received_at, due_at=due_at, completed_at=completed_at, supplement_days=supplement_days
        )
    )
    return fields, []


def _file_texts(values):
    """{column: text} of a record whose every column is a string without NUL — a file's full row, the
    common case — as _Record.text makes them, in a few calls over the whole row; None otherwise."""
    cells = list(map(values.get, COLUMNS))
    try:
        joined = "".join(cells)
    except TypeError:  # a column missing (None), or a JSON number or boolean
        return None
    if "\x00" in joined:
        return None
    texts = map(str.strip, cells)
    if not joined.isascii():  # ASCII text is already NFC
        texts = [text if text.isascii() else _NFC(text) for text in texts]
    return dict(zip(COLUMNS, texts, strict=True))


class _Record:
    """The problems of one record, and the parsers of its kinds of value."""

    def __init__(self, line):
        self.line = line
        self.problems = []
        self.columns = set()  # columns with a problem: one reason each is enough

    def problem(self, column, reason):
        self.columns.add(column)
        self.problems.append(Problem(self.line, column, reason))

    def text(self, column, value):
        if value is None:
            return ""
        if isinstance(value, bool):
            # Only yes/no columns take a JSON boolean; elsewhere it is a mistake worth naming.
            if column in _BOOLEAN_COLUMNS:
                return "1" if value else "0"
            self.problem(column, _("a yes/no value where text or a number belongs"))
            return ""
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, str):
            if "\x00" in value:
                # PostgreSQL cannot store it: refused here, with the record, not by the database
                # with the whole batch.
                self.problem(column, _("holds a NUL character"))
                return ""
            return unicodedata.normalize("NFC", value.strip())
        self.problem(column, _("must be text, a number or a boolean"))
        return ""

    def moment(self, column, text):
        if column in self.columns:
            return None  # not a value of any kind: already reported
        if not text:
            return None
        try:
            value = datetime.datetime.fromisoformat(text)
        except ValueError:
            self.problem(
                column, _("“%(text)s” is not an ISO 8601 date and time (2024-07-02T09:30:00+07:00)") % {"text": text}
            )
            return None
        if not _TIME_OF_DAY.search(text):
            self.problem(
                column,
                _("“%(text)s” has no time of day: give one too, e.g. 2024-07-02T17:00:00+07:00") % {"text": text},
            )
            return None
        if value.tzinfo is None:  # fromisoformat's zones are fixed offsets: no tzinfo is naive
            value = value.replace(tzinfo=VIETNAM)
        return value

    def choice(self, column, text, choices):
        if column in self.columns:
            return None  # not a value of any kind: already reported
        if not text:
            return None
        value = text.lower()
        allowed = _CHOICES[choices]
        if value not in allowed:
            self.problem(
                column,
                _("“%(text)s” is not one of %(choices)s") % {"text": text, "choices": ", ".join(allowed)},
            )
            return None
        return value

    def boolean(self, column, raw, text):
        if column in self.columns:
            return None  # not a value of any kind: already reported
        if isinstance(raw, bool):
            return raw
        if not text:
            return False
        value = _YES_NO.get(text.lower())
        if value is not None:
            return value
        self.problem(column, _("“%(text)s” is not yes or no (1/0, true/false, có/không)") % {"text": text})
        return None

    def whole_number(self, column, text):
        if column in self.columns:
            return None  # not a value of any kind: already reported
        if not text:
            return 0
        if not _WHOLE_NUMBER.fullmatch(text) or int(text) > _SMALL_INTEGER_LIMIT:
            self.problem(
                column,
                _("“%(text)s” is not a whole number from 0 to %(max)d") % {"text": text, "max": _SMALL_INTEGER_LIMIT},
            )
            return None
        return int(text)

    def days(self, column, text):
        if column in self.columns:
            return None  # not a value of any kind: already reported
        if not text:
            return Decimal(0)
        value, reason = decimal_problem(text, places=2)
        if reason is None and value < 0:
            reason = _("“%(text)s” is negative") % {"text": text}
        elif reason is None and value >= _SUPPLEMENT_DAYS_LIMIT:
            reason = _("“%(text)s” is too large to store") % {"text": text}
        if reason:
            self.problem(column, reason)
            return None
        return value


def dossiers_write(*, dossiers, now=None):
    """Create or update a batch of dossiers by (source, external_id), in one transaction.

    `dossiers` are unsaved Dossier objects from `dossier_parse`, each key at most once. They go
    through the staging table and are written as `import_dossiers` writes a file's batch
    (`staged_write`). Returns {"created", "updated", "unchanged"} counts."""
    keys = [(dossier.source, dossier.external_id) for dossier in dossiers]
    if len(set(keys)) != len(keys):
        raise ValueError("a batch names the same (source, external_id) twice")
    with transaction.atomic():
        staging_prepare()
        staging_fill(
            (position, *(getattr(dossier_derive(dossier), name) for name in STAGED[1:]))
            for position, dossier in enumerate(dossiers, start=1)
        )
        return staged_write(now=now)


# --- the staging table: checked rows, written set-wise in SQL ----------------------------------
#
# A file's rows are checked one by one in Python (dossier_check: the one definition of what a
# good record is, which the push API uses too), then streamed into a temporary table: COPY on
# PostgreSQL, executemany on SQLite (reformdash.lib.bulk). Everything after that is a handful of
# statements over the whole table, whatever its length: the duplicates within the file, which
# rows are new, changed or the same as stored, the stale unit-months of old and new versions,
# and the upsert. Python holds one row at a time; the memory is the database's.

STAGING_TABLE = "dossier_staging"
STAGED = ("line", "source", "external_id", *DATA_FIELDS, *_DERIVED_FIELDS)
_WRITTEN = (*DATA_FIELDS, *_DERIVED_FIELDS)
_NULLABLE = [name for name in _WRITTEN if name != "unit_id" and Dossier._meta.get_field(name).null]
_MOMENT_POSITIONS = tuple(
    position
    for position, name in enumerate(STAGED)
    if name not in ("line", "unit_id") and Dossier._meta.get_field(name).get_internal_type() == "DateTimeField"
)
# action: c(reate), u(pdate), n(o change); and the stored version's unit and months, whose
# statistics an update makes stale too.
_CREATE, _UPDATE, _NO_CHANGE = "c", "u", "n"


def staging_prepare():
    """Create the staging table for this connection if it is not there, and empty it."""
    table = connection.ops.quote_name(STAGING_TABLE)
    columns = ["line bigint PRIMARY KEY"]
    for name in STAGED[1:]:
        field = Dossier._meta.get_field("unit" if name == "unit_id" else name)
        columns.append(f"{name} {field.db_type(connection)}{'' if field.null else ' NOT NULL'}")
    columns += [
        f"action char(1) NOT NULL DEFAULT '{_CREATE}'",
        "old_unit_id bigint",
        "old_received_month integer",
        "old_completed_month integer",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} ({', '.join(columns)})")
        # PostgreSQL: emptied to no pages. A delete left its rows' pages behind (nothing vacuums a
        # temporary table), and every scan of a file's twentieth batch read twenty batches' pages.
        cursor.execute(f"{'TRUNCATE' if connection.vendor == 'postgresql' else 'DELETE FROM'} {table}")


def staged_copy_values(row):
    """A staged row (a tuple in STAGED order) with its dates and times as ISO 8601 text, each
    distinct one written once: the effective end and due are the end and due themselves unless
    the citizen was waited for. For COPY on PostgreSQL, which reads them as str() would write
    them, at half the cost (str() of five date-times was a third of staging a row)."""
    row = list(row)
    texts = {}
    for position in _MOMENT_POSITIONS:
        moment = row[position]
        if moment is not None:
            text = texts.get(id(moment))
            if text is None:
                text = texts[id(moment)] = moment.isoformat()
            row[position] = text
    return row


def staging_fill(rows):
    """Stream rows (tuples in STAGED order) into the staging table; returns how many."""
    count = rows_insert(STAGING_TABLE, STAGED, rows, nullable=_NULLABLE)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A temporary table has no statistics until it is analysed: without them the joins
            # below are planned for a handful of rows. The row count and the joined key are enough:
            # every column's statistics took five times as long (270 against 50 ms for 50,000 rows).
            cursor.execute(f"ANALYZE {connection.ops.quote_name(STAGING_TABLE)} (source, external_id)")
    return count


def staged_duplicates(*, seen_table):
    """[(line, first line)] of the staged rows whose (source, external_id) an earlier line has (in
    the staging table, or in `seen_table`: source, external_id, line of rows staged before); they
    are taken out of the staging table."""
    staging, seen = connection.ops.quote_name(STAGING_TABLE), connection.ops.quote_name(seen_table)
    repeated = (
        f"SELECT x.line, COALESCE(seen.line, x.first) AS first FROM (SELECT line, source, external_id, "
        f"MIN(line) OVER (PARTITION BY source, external_id) AS first FROM {staging}) x "
        f"LEFT JOIN {seen} seen ON seen.source = x.source AND seen.external_id = x.external_id "
        "WHERE seen.line IS NOT NULL OR x.line > x.first"
    )
    with connection.cursor() as cursor:
        with _index_probes(cursor):
            cursor.execute(f"{repeated} ORDER BY x.line")
            duplicates = cursor.fetchall()
        if duplicates:
            cursor.execute(f"DELETE FROM {staging} WHERE line IN (SELECT line FROM ({repeated}) repeated)")
    return duplicates


def staged_write(*, now=None):
    """Write the staged dossiers, in the caller's transaction: create the new ones, update those
    whose stored values differ, leave the others alone (not even updated_at moves); mark stale
    every unit-month the old or the new version of an updated one counts in, record the created
    ones as added (the job adds what they count), and ask for the statistics job.
    Returns {"created", "updated", "unchanged"} counts."""
    written_at = timezone.now()
    now = now or written_at
    quote = connection.ops.quote_name
    staging, dossiers = quote(STAGING_TABLE), quote(Dossier._meta.db_table)
    postgres = connection.vendor == "postgresql"
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    match = "d.source = s.source AND d.external_id = s.external_id"
    with transaction.atomic(), connection.cursor() as cursor:
        # Before anything is read: no statistics job runs between this read of what is new and
        # the commit of the dossiers recorded as added (dossier_stats_lock).
        dossier_stats_lock(shared=True)
        stored = dossiers
        if postgres:
            # The stored versions stay as read until the transaction ends, so their months are true:
            # locked (in id order, as every writer locks them) by the same join that reads them,
            # not by a join of its own (0.3-0.5 s of a batch of 50,000 at load 5-7).
            columns = ", ".join(
                f"d.{name}" for name in ("source", "external_id", *DATA_FIELDS, "received_month", "completed_month")
            )
            stored = f"(SELECT {columns} FROM {dossiers} d JOIN {staging} s ON {match} ORDER BY d.id FOR UPDATE OF d)"
        changed = " OR ".join(f"d.{name} {distinct} s.{name}" for name in DATA_FIELDS)
        with _index_probes(cursor):
            cursor.execute(
                f"UPDATE {staging} AS s SET action = CASE WHEN {changed} THEN %s ELSE %s END, "
                "old_unit_id = d.unit_id, old_received_month = d.received_month, "
                f"old_completed_month = d.completed_month FROM {stored} AS d WHERE {match}",
                [_UPDATE, _NO_CHANGE],
            )
        cursor.execute(f"SELECT action, COUNT(*) FROM {staging} GROUP BY action")
        counts = dict(cursor.fetchall())
        created, updated = counts.get(_CREATE, 0), counts.get(_UPDATE, 0)
        if updated:
            _staged_months_mark_dirty(cursor, now_month=measures.month_of(now))
        if created or updated:
            names = ", ".join(_WRITTEN)
            updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*_WRITTEN, "updated_at"))
            upsert = (
                f"INSERT INTO {dossiers} (source, external_id, {names}, updated_at) "
                f"SELECT source, external_id, {names}, %s FROM {staging} WHERE {{actions}} ORDER BY line "
                f"ON CONFLICT (source, external_id) DO UPDATE SET {updates}"
            )
            written_at_value = connection.ops.adapt_datetimefield_value(written_at)
            if postgres:
                # The new ones apart, their ids recorded as added from the upsert's RETURNING:
                # looking them up again by their keys cost as much as writing them.
                if updated:
                    cursor.execute(upsert.format(actions="action = %s"), [written_at_value, _UPDATE])
                if created:
                    dossiers_added_record(
                        written=upsert.format(actions="action = %s") + " RETURNING id",
                        params=[written_at_value, _CREATE],
                    )
            else:
                cursor.execute(upsert.format(actions="action <> %s"), [written_at_value, _NO_CHANGE])
                if created:
                    # The new dossiers are added to the statistics, not recounted with their months.
                    dossiers_added_record(
                        where=f"EXISTS (SELECT 1 FROM {staging} s WHERE {match} AND s.action = %s)", params=[_CREATE]
                    )
            dossier_stats_request()
    return {"created": created, "updated": updated, "unchanged": counts.get(_NO_CHANGE, 0)}


@contextlib.contextmanager
def _index_probes(cursor):
    """PostgreSQL: join the staging table to a large table (the stored dossiers, the keys seen) by
    look-ups in the large one's unique index, for the statement run inside, whatever the planner
    estimates. Its estimate, a hash join, reads the whole large table for every batch: at a
    million stored dossiers that was 0.7 s of server CPU per 50,000 new ones, against 0.25 s for
    the 50,000 look-ups, whose cost follows the batch and not the table. The settings are put back
    as they were after the statement; after an error the rollback puts them back."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
    hashjoin, mergejoin = cursor.fetchone()
    cursor.execute("SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)")
    yield
    cursor.execute(
        "SELECT set_config('enable_hashjoin', %s, true), set_config('enable_mergejoin', %s, true)",
        [hashjoin, mergejoin],
    )


def _staged_months_mark_dirty(cursor, *, now_month):
    """Mark stale the unit-months the updated rows count in, old versions and new
    (dossiers.services.touched_months: from the month received to the month completed, or to
    this month while pending), in one statement. The created rows are not marked: they are
    recorded as added (dossiers_added_record), and the job adds what they count."""
    staging = connection.ops.quote_name(STAGING_TABLE)
    dirty = connection.ops.quote_name(DossierMonthDirty._meta.db_table)
    spans = (
        f"SELECT unit_id, received_month AS first, COALESCE(completed_month, %s) AS last "
        f"FROM {staging} WHERE action = %s "
        f"UNION SELECT old_unit_id, old_received_month, COALESCE(old_completed_month, %s) "
        f"FROM {staging} WHERE action = %s"
    )
    span_params = [now_month, _UPDATE, now_month, _UPDATE]
    cursor.execute(f"SELECT MIN(first), MAX(last) FROM ({spans}) x", span_params)
    first, last = cursor.fetchone()
    # Every yyyymm month from the first to the last: December's next is 89 on (202412 → 202501).
    cursor.execute(
        "WITH RECURSIVE months (month) AS (SELECT %s UNION ALL "
        "SELECT CASE WHEN month %% 100 = 12 THEN month + 89 ELSE month + 1 END FROM months WHERE month < %s) "
        f"INSERT INTO {dirty} (unit_id, month) "
        f"SELECT DISTINCT x.unit_id, months.month FROM ({spans}) x JOIN months "
        "ON months.month >= x.first AND months.month <= CASE WHEN x.last > x.first THEN x.last ELSE x.first END "
        "WHERE true ON CONFLICT (unit_id, month) DO NOTHING",
        [first, max(last, first), *span_params],
    )
