import datetime

from django.core.management.base import BaseCommand, CommandError, no_translations

from audit.models import AuditSource
from units.importers.admin_units import REORGANISATION_DATE, AdminUnitsRejected, admin_units_import


class Command(BaseCommand):
    help = (
        "Create or update a province's administrative units as of 1/7/2025 (34 provinces, 3,321 communes) "
        "from units.admin_data, by the statistics office's codes; with --legacy also the provinces, districts "
        "and communes that formed it (codes prefixed L, valid until the day before) and the lineage from old "
        "to new. Idempotent; --dry-run prints what would change and writes nothing."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--province", action="append", metavar="CODE", help="a province code, e.g. 48 (repeatable)")
        which.add_argument("--all", dest="all_provinces", action="store_true", help="all 34 provinces")
        parser.add_argument(
            "--as-of", type=datetime.date.fromisoformat, default=REORGANISATION_DATE, help="default 2025-07-01"
        )
        parser.add_argument("--legacy", action="store_true", help="also the units before, with lineage")
        parser.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")

    @no_translations
    def handle(self, *args, province, all_provinces, as_of, legacy, dry_run, verbosity, **options):
        try:
            result = admin_units_import(
                province_codes=None if all_provinces else [code.strip() for code in province],
                as_of=as_of,
                legacy=legacy,
                dry_run=dry_run,
                source=AuditSource.COMMAND,
            )
        except AdminUnitsRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(problem)
            raise CommandError(f"nothing was written; {len(rejected.problems)} problem(s) to fix first.") from None
        # A dry run lists every change; a real run lists them with -v 2.
        if dry_run or verbosity > 1:
            for code in result.created:
                self.stdout.write(f"create {code}")
            for code, changes in result.updated.items():
                diff = "; ".join(f"{name}: {old!s} → {new!s}" for name, (old, new) in changes.items())
                self.stdout.write(f"update {code}: {diff}")
            for predecessor, successor, kind in result.lineage_added:
                self.stdout.write(f"lineage {predecessor} → {successor} ({kind})")
            for (predecessor, successor), changes in result.lineage_updated.items():
                diff = "; ".join(f"{name}: {old!s} → {new!s}" for name, (old, new) in changes.items())
                self.stdout.write(f"lineage {predecessor} → {successor}: {diff}")
            for predecessor, successor, kind in result.skipped:
                self.stdout.write(
                    f"skipped lineage {predecessor} → {successor} ({kind}): not in the provinces imported"
                )
        elif result.skipped:
            self.stdout.write(
                f"{len(result.skipped)} lineage link(s) skipped: their other end is in a province not imported "
                "(-v 2 lists them)"
            )
        counts = (
            f"created {len(result.created)}, updated {len(result.updated)}, unchanged {result.unchanged}, "
            f"lineage added {len(result.lineage_added)}, lineage updated {len(result.lineage_updated)} "
            f"(data: {result.source})"
        )
        if not result.changed:
            self.stdout.write(f"nothing changed; {counts}")
        elif dry_run:
            self.stdout.write(f"dry run, nothing written; would have {counts}")
        else:
            self.stdout.write(counts)
