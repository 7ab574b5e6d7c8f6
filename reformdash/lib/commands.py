"""The shape every `import_*` command shares: read FILE, hand it to a service, report."""

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import IntegrityError
from django.db.models import ProtectedError

from reformdash.lib.tabular import ImportRejected, open_table, read_table


class ImportCommand(BaseCommand):
    """Subclasses set `help` and `source` (audit.models.AuditSource.COMMAND) and implement
    `run(table, **options)` returning a summary dict; they hand `self.source` to the importer, so
    that the audit trail tells the command line (no user) from an import in the browser. The
    subclass names the source because this shared helper imports no app."""

    source = None
    # True for an importer that reads its rows once, as they come (open_table): the file is then
    # never held whole in memory.
    streamed = False

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8, with or without BOM) or XLSX file")

    @no_translations
    def handle(self, *args, file, **options):
        try:
            table = open_table(file) if self.streamed else read_table(file)
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}") from None
        try:
            summary = self.run(table, **options)
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(
                f"{file}: nothing was written; {len(rejected.problems)} problem(s) to fix first."
            ) from None
        except (IntegrityError, ProtectedError) as error:
            # Someone changed the same data between our checks and our writes: nothing was
            # written (one transaction), and running the import again will check afresh.
            raise CommandError(f"{file}: nothing was written; the data changed while importing: {error}") from None
        self.stdout.write(", ".join(f"{key} {value}" for key, value in summary.items()))

    def run(self, table, **options):
        raise NotImplementedError
