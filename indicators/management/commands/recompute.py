"""`recompute`: results and rankings now, in this process, through the same jobs the workers run.

Each index and year is a job of its own: one that fails (an index computed from dossiers that
names no measure, say) is reported on stderr and recorded failed, the others are still
recomputed, and the command exits non-zero at the end."""

from django.core.management.base import BaseCommand, CommandError, no_translations

from indicators.models import Index, Methodology, Result
from indicators.services import results_recompute_request
from jobs.services import job_run


class Command(BaseCommand):
    help = (
        "Recompute results, ranks and bands synchronously and print how many rows changed. An index and year "
        "that fails is reported on stderr and the others are still recomputed; the command then exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("--index", help="index code; default: every index")
        parser.add_argument("--year", type=int, help="default: every year with a methodology or a result")

    @no_translations
    def handle(self, *args, index, year, **options):
        indices = Index.objects.order_by("code")
        if index:
            indices = indices.filter(code=index)
            if not indices:
                raise CommandError(f"unknown index {index!r}")
        ran, failed = 0, []
        for index_obj in indices:
            years = set(Methodology.objects.filter(index=index_obj).values_list("year", flat=True)) | set(
                Result.objects.filter(index=index_obj).values_list("year", flat=True)
            )
            for each_year in sorted(years if year is None else years & {year}):
                ran += 1
                label = f"{index_obj.code} {each_year}"
                # The pending job of this index and year, if a save left one, is the one run here.
                job = results_recompute_request(index_id=index_obj.pk, year=each_year, send=False)
                try:
                    done = job_run(job_id=job.pk)
                except Exception as error:  # noqa: BLE001 (whatever fails one index and year, report it and go on)
                    # Recorded on the job row by job_run; the other indices and years still run.
                    failed.append(label)
                    self.stderr.write(f"{label}: failed: {type(error).__name__}: {error}")
                    continue
                if done is None:
                    self.stdout.write(f"{label}: being recomputed by a worker right now")
                else:
                    self.stdout.write(f"{label}: {done.rows_changed} rows changed")
        if failed:
            raise CommandError(f"{len(failed)} of {ran} recomputes failed ({', '.join(failed)}); the others were done.")
