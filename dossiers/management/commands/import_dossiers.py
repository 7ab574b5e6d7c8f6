"""`import_dossiers FILE`: a one-stop system's dossiers from CSV or XLSX, millions of rows at a time.

Unlike the other imports, which check a whole file and write all of it or nothing, this one keeps
the good rows: a bad row is reported on stderr (`FILE: line N, column C: reason`) and skipped.
The file is streamed (reformdash.lib.tabular.read_rows, the reader of every import) and written in
batches, each in a transaction of its own, so memory stays the same whatever the file's length, and
an interrupted import is finished by running it again (rows already stored are found unchanged). The only thing that grows with the file is the list of
(source, external_id) already seen, which a duplicate line is checked against: it is kept in a
temporary table of this database connection, not in memory.
"""

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.importers.dossiers import COLUMNS, REQUIRED_COLUMNS, dossier_parse, dossiers_write
from reformdash.lib.tabular import Problem, Unreadable, read_rows
from units.models import Unit


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
        parser.add_argument("--batch-size", type=int, default=5000, help="rows written per transaction (default 5000)")

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
    """One pass over the file: check each row, write them a batch at a time, count and report."""

    def __init__(self, *, command, file, batch_size, seen, verbose):
        self.command, self.file, self.batch_size, self.seen, self.verbose = command, file, batch_size, seen, verbose
        # Every unit, once: a few thousand codes, small whatever the file's length.
        self.units_by_code = dict(Unit.objects.values_list("code", "pk"))
        self.now = timezone.now()
        self.counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        self.batch = {}  # (source, external_id) → (line, dossier), in file order

    def read(self, rows):
        line = 1
        try:
            headers = self.check_header(next(rows, None))
            for line, values in rows:
                self.take(line, self.record(headers, values))
                if len(self.batch) >= self.batch_size:
                    self.flush(line)
        except Unreadable as error:
            line = error.problem.line
            reason = error.problem.reason
            if error.cause == "encoding":
                reason = _("not UTF-8 text (save the file as “CSV UTF-8”)")
            self.flush(line)
            self.summary()
            raise CommandError(
                f"{self.file}: line {line}: {reason}; reading stopped there, the rows before it were written."
            ) from None
        self.flush(line)
        self.summary()
        if self.counts["rejected"]:
            raise CommandError(
                f"{self.file}: {self.counts['rejected']} row(s) rejected (listed above); the other rows were written."
            )

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

    def take(self, line, values):
        extra = values.pop(None, None)
        if not any(values.values()) and not extra:
            return  # a line of empty cells: nothing to import, nothing to complain about
        if extra:
            self.reject(line, [Problem(line, "", _("more cells than the header has columns"))])
            return
        dossier, problems = dossier_parse(values, units_by_code=self.units_by_code, line=line, now=self.now)
        if problems:
            self.reject(line, problems)
            return
        key = (dossier.source, dossier.external_id)
        if key in self.batch:
            self.reject(line, [self.duplicate(line, self.batch[key][0])])
            return
        self.batch[key] = (line, dossier)

    def flush(self, line):
        if not self.batch:
            return
        try:
            with transaction.atomic():
                for key, first_line in self.seen.lines_of(list(self.batch)).items():
                    duplicate_line, _dossier = self.batch.pop(key)
                    self.reject(duplicate_line, [self.duplicate(duplicate_line, first_line)])
                self.seen.add([(key, first) for key, (first, _dossier) in self.batch.items()])
                written = dossiers_write(dossiers=[dossier for _line, dossier in self.batch.values()], now=self.now)
        except IntegrityError as error:
            # A unit deleted, or a dossier written by someone else, between our checks and our writes.
            self.summary()
            raise CommandError(
                f"{self.file}: the batch ending at line {line} was not written, the data changed while importing "
                f"({error}); the batches before it were. Run the import again."
            ) from None
        for name, count in written.items():
            self.counts[name] += count
        self.batch = {}
        if self.verbose:
            self.command.stdout.write(f"{self.file}: up to line {line}: " + self.counts_text())

    def duplicate(self, line, first_line):
        return Problem(line, "external_id", _("duplicate of line %(line)d") % {"line": first_line})

    def reject(self, line, problems):
        self.counts["rejected"] += 1
        for problem in problems:
            self.report(problem)

    def report(self, problem):
        self.command.stderr.write(f"{self.file}: {problem}")

    def counts_text(self):
        return ", ".join(f"{name} {count}" for name, count in self.counts.items())

    def summary(self):
        self.command.stdout.write(self.counts_text())


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

    @staticmethod
    def _chunk_size(params_per_item):
        return ((connection.features.max_query_params or 30_000) - 1) // params_per_item

    def lines_of(self, keys):
        """{key: line} of the keys already seen."""
        by_source = {}
        for source, external_id in keys:
            by_source.setdefault(source, []).append(external_id)
        found = {}
        size = self._chunk_size(1)
        with connection.cursor() as cursor:
            for source, external_ids in by_source.items():
                for start in range(0, len(external_ids), size):
                    chunk = external_ids[start : start + size]
                    cursor.execute(
                        f"SELECT external_id, line FROM {self.table} WHERE source = %s AND external_id IN "
                        f"({', '.join(['%s'] * len(chunk))})",
                        [source, *chunk],
                    )
                    found.update({(source, external_id): line for external_id, line in cursor.fetchall()})
        return found

    def add(self, keyed_lines):
        size = self._chunk_size(3)
        with connection.cursor() as cursor:
            for start in range(0, len(keyed_lines), size):
                chunk = keyed_lines[start : start + size]
                cursor.execute(
                    f"INSERT INTO {self.table} (source, external_id, line) VALUES "
                    + ", ".join(["(%s, %s, %s)"] * len(chunk)),
                    [value for (source, external_id), line in chunk for value in (source, external_id, line)],
                )
