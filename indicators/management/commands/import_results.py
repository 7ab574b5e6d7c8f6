from audit.models import AuditSource
from indicators.importers.results import results_import
from reformdash.lib.commands import ImportCommand


class Command(ImportCommand):
    source = AuditSource.COMMAND
    help = (
        "Create or update the published results of an index and year from CSV/XLSX columns "
        "unit_code,value[,rank,group_size] (rank and group size as published, e.g. 56 of 63)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--index", required=True, help="index code, e.g. par")
        parser.add_argument("--year", required=True, type=int)

    def run(self, table, **options):
        return results_import(table=table, index_code=options["index"], year=options["year"], source=self.source)
