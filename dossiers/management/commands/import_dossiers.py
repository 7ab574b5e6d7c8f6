"""`import_dossiers FILE`: a one-stop system's dossiers from CSV or XLSX, millions of rows at a time.

Unlike the other imports, which check a whole file and write all of it or nothing, this one keeps
the good rows: a bad row is reported on stderr (`FILE: line N, column C: reason`) and skipped.
The file is streamed (reformdash.lib.tabular.read_rows, the reader of every import), each row
checked (dossier_check) and streamed on into a temporary staging table (COPY on PostgreSQL), a
batch at a time, each batch in a transaction of its own; the batch is then written set-wise in SQL
(dossiers.importers.dossiers.staged_write). Memory stays the same whatever the file's length, and
an interrupted import is finished by running it again (rows already stored are found unchanged).
The only thing that grows with the file is the list of (source, external_id) already seen, which
a duplicate line is checked against: it is kept in a temporary table of this database connection,
not in memory.
"""

import functools
import operator
import threading
from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dossiers.importers.dossiers import (
    COLUMNS,
    REQUIRED_COLUMNS,
    STAGED,
    STAGING_TABLE,
    dossier_check,
    staged_copy_values,
    staged_duplicates,
    staged_write,
    staging_fill,
    staging_prepare,
)
from reformdash.lib.bulk import CopyText
from reformdash.lib.tabular import Problem, Unreadable, read_rows
from units.models import Unit

# A checked row's fields in the staging table's order, taken in C rather than a generator per row.
_staged_values = operator.itemgetter(*STAGED[1:])

# Rows stream through (nothing of a batch is held in Python but its problems): a batch's size is
# only how much one transaction writes, and how much an interrupted import leaves to do again.
BATCH_SIZE = 50_000
# A batch's problems wait for its duplicates, to be reported in line order: a file bad on every
# line ends its batches sooner, so they never hold more than this many.
PROBLEMS_PER_BATCH = 10_000


class Command(BaseCommand):
    help = (
        "Create or update dossiers from a CSV file (UTF-8, with or without BOM) or an XLSX file's first sheet "
        "(dates and times as text), matched by "
        "(source, external_id). Columns: " + ", ".join(COLUMNS) + "; required: " + ", ".join(REQUIRED_COLUMNS) + ". "
        "Bad rows are reported on stderr as 'FILE: line N, column C: reason' and skipped; the good rows are "
        "written. Ends with 'created X, updated Y, unchanged Z, rejected W', and exits non-zero when any row "
        "was rejected, so scripts notice. A repeated (source, external_id) keeps its first line."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8 with or without BOM, or XLSX file")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"rows read per transaction (default {BATCH_SIZE})"
        )

    @no_translations
    def handle(self, *args, file, batch_size, **options):
        if not 1 <= batch_size <= 100_000:
            raise CommandError("--batch-size must be between 1 and 100000")
        try:
            handle = open(file, "rb")
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}") from None
        with handle, SeenKeys() as seen:
            run = ImportRun(
                command=self, file=file, batch_size=batch_size, seen=seen, verbose=options["verbosity"] >= 2
            )
            run.read(read_rows(handle, filename=file))


class ImportRun:
    """One pass over the file: check each row, stage and write them a batch at a time, count and report."""

    def __init__(self, *, command, file, batch_size, seen, verbose):
        self.command, self.file, self.batch_size, self.seen, self.verbose = command, file, batch_size, seen, verbose
        # Every unit, once: a few thousand codes, small whatever the file's length.
        self.units_by_code = dict(Unit.objects.values_list("code", "pk"))
        self.now = timezone.now()
        self.counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        self.line = 1  # the last line read
        self.unreadable = None
        self.abandoned = threading.Event()  # a batch failed: the one read ahead stops there

    def read(self, rows):
        try:
            headers = self.check_header(next(rows, None))
        except Unreadable as error:
            self.unreadable = error
        else:
            self.read_batches(rows, headers)
        if self.unreadable is not None:
            line = self.unreadable.problem.line
            reason = self.unreadable.problem.reason
            if self.unreadable.cause == "encoding":
                reason = _("not UTF-8 text (save the file as “CSV UTF-8”)")
            self.summary()
            raise CommandError(
                f"{self.file}: line {line}: {reason}; reading stopped there, the rows before it were written."
            )
        self.summary()
        if self.counts["rejected"]:
            raise CommandError(
                f"{self.file}: {self.counts['rejected']} row(s) rejected (listed above); the other rows were written."
            )

    def read_batches(self, rows, headers):
        """Read and write the file a batch at a time. On PostgreSQL the next batch is read, checked and
        written out as COPY's text in a thread of its own while the database writes this one (its
        connection lets go of the GIL while it waits): the two cores each busy, where one waited for
        the other. The batches are still written one after another, each in its own transaction."""
        if connection.vendor != "postgresql":
            batch = None
            while batch is None or not batch.finished:
                batch = self.batch(rows, headers)
                self.flush(batch)  # its rows are read as the staging table takes them
            return
        read_ahead = functools.partial(self.batch_ahead, rows, headers, translation.get_language())
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-dossiers-read") as reader:
            try:
                upcoming = reader.submit(read_ahead)
                batch = None
                while batch is None or not batch.finished:
                    batch = upcoming.result()
                    if not batch.finished:
                        upcoming = reader.submit(read_ahead)
                    self.flush(batch)
            except BaseException:
                self.abandoned.set()  # the batch read ahead is not written: stop reading it
                raise

    def batch_ahead(self, rows, headers, language):
        """The next batch, read whole: its good rows as COPY's text (in the reader thread)."""
        # The messages in the language of the command's thread (translations are per thread).
        with translation.override(language):
            batch = self.batch(rows, headers)
            batch.rows = CopyText(map(staged_copy_values, batch.rows))
        return batch

    def batch(self, rows, headers):
        """The next batch_size lines: a _Batch whose rows are the good rows, as staged tuples, read as
        they are taken; the bad rows' problems are kept for the report."""
        batch = _Batch(line=self.line)
        batch.rows = self.batch_rows(batch, rows, headers)
        return batch

    def batch_rows(self, batch, rows, headers):
        """Sets the batch's `finished` at the end of the file, and the run's `unreadable` where it
        cannot be read on."""
        taken = 0
        try:
            for line, values in rows:
                batch.line = self.line = line
                staged = self.take(batch, line, self.record(headers, values))
                if staged is not None:
                    yield staged
                taken += 1
                if taken == self.batch_size or len(batch.problems) >= PROBLEMS_PER_BATCH:
                    return
                if self.abandoned.is_set():
                    return
        except Unreadable as error:
            self.unreadable = error
        batch.finished = True

    def check_header(self, first):
        """The columns, in lower case, of the file's first row (line, cells): it must be the header."""
        line, cells = first or (1, [])
        written = [(name or "").strip() for name in cells]
        headers = [name.lower() for name in written]
        problems = []
        if not any(headers):
            problems.append(Problem(line, "", _("the file is empty, or its first line is not the header")))
        else:
            for column in REQUIRED_COLUMNS:
                if column not in headers:
                    problems.append(Problem(line, column, _("missing column")))
            for i, (name, header) in enumerate(zip(written, headers, strict=False)):
                if header not in COLUMNS:
                    problems.append(Problem(line, name, _("unknown column")))
                elif header in headers[:i]:
                    problems.append(Problem(line, name, _("the column appears twice")))
        if problems:
            for problem in problems:
                self.report(problem)
            raise CommandError(f"{self.file}: nothing was written; fix the header first.")
        return headers

    @staticmethod
    def record(headers, cells):
        """A row as csv.DictReader gives it: column → cell, None for the columns a short row lacks,
        the cells beyond the header under None."""
        values = dict(zip(headers, cells, strict=False))
        if len(cells) > len(headers):
            values[None] = cells[len(headers) :]
        for header in headers[len(cells) :]:
            values[header] = None
        return values

    def take(self, batch, line, values):
        """The row as a staged tuple, or None (a blank line, or a bad row: its problems kept)."""
        extra = values.pop(None, None)
        if not any(values.values()) and not extra:
            return None  # a line of empty cells: nothing to import, nothing to complain about
        if extra:
            batch.reject([Problem(line, "", _("more cells than the header has columns"))])
            return None
        fields, problems = dossier_check(values, units_by_code=self.units_by_code, line=line, now=self.now)
        if problems:
            batch.reject(problems)
            return None
        return (line, *_staged_values(fields))

    def flush(self, batch):
        """Stage the batch's good rows, take out the repeated ones, write the rest."""
        written = {}
        try:
            with transaction.atomic():
                staging_prepare()
                if staging_fill(batch.rows):
                    for line, first_line in staged_duplicates(seen_table=self.seen.table):
                        batch.reject([self.duplicate(line, first_line)])
                    if not batch.finished:  # the last batch has no later lines to repeat it
                        self.seen.add_staged()
                    written = staged_write(now=self.now)
        except IntegrityError as error:
            # A unit deleted, or a dossier written by someone else, between our checks and our writes.
            self.report_problems(batch)
            self.summary()
            raise CommandError(
                f"{self.file}: the batch ending at line {batch.line} was not written, the data changed while "
                f"importing ({error}); the batches before it were. Run the import again."
            ) from None
        # Counted once committed: a batch that failed at its commit (a deferred check) wrote nothing.
        for name, count in written.items():
            self.counts[name] += count
        self.report_problems(batch)
        if self.verbose:
            self.command.stdout.write(f"{self.file}: up to line {batch.line}: " + self.counts_text())

    def duplicate(self, line, first_line):
        return Problem(line, "external_id", _("duplicate of line %(line)d") % {"line": first_line})

    def report_problems(self, batch):
        self.counts["rejected"] += batch.rejected
        # Stable: a line's problems keep the order the checks found them in.
        for problem in sorted(batch.problems, key=lambda problem: problem.line):
            self.report(problem)

    def report(self, problem):
        self.command.stderr.write(f"{self.file}: {problem}")

    def counts_text(self):
        return ", ".join(f"{name} {count}" for name, count in self.counts.items())

    def summary(self):
        self.command.stdout.write(self.counts_text())


class _Batch:
    """Lines of the file written in one transaction: their good rows, and the bad ones' problems."""

    def __init__(self, *, line):
        self.rows = None  # staged tuples: read as they are staged, or made ahead (CopyText)
        self.line = line  # the last line read
        self.problems = []  # reported in line order once the batch is written
        self.rejected = 0
        self.finished = False  # the file ends with this batch

    def reject(self, problems):
        self.rejected += 1
        self.problems.extend(problems)


class SeenKeys:
    """The (source, external_id) of every row written so far, with its line, in a temporary table.

    A file of millions of rows would need hundreds of megabytes to keep them in a Python set;
    the database keeps them on disk, indexed, for this connection only."""

    table = "import_dossiers_seen"

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.table} ("
                "source varchar(32) NOT NULL, external_id varchar(64) NOT NULL, line bigint NOT NULL, "
                "PRIMARY KEY (source, external_id))"
            )
            cursor.execute(f"DELETE FROM {self.table}")
        return self

    def __exit__(self, *exc_info):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(STAGING_TABLE)}")

    def add_staged(self):
        """Add the rows of the staging table (duplicates taken out), with their lines."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self.table} (source, external_id, line) "
                f"SELECT source, external_id, line FROM {connection.ops.quote_name(STAGING_TABLE)}"
            )
