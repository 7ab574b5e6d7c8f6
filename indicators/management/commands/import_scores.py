from audit.models import AuditSource
from indicators.importers.scores import scores_import
from reformdash.lib.commands import ImportCommand


class Command(ImportCommand):
    source = AuditSource.COMMAND
    streamed = True
    help = (
        "Create or update the scores of an index and year from CSV/XLSX: wide (unit_code, then one column per "
        "criterion code) or long (unit_code,criterion_code,score[,self_score,note]). NA = not applicable; "
        "a unit_name column may be kept beside the code, it is not read."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--index", required=True, help="index code, e.g. par")
        parser.add_argument("--year", required=True, type=int)

    def run(self, table, **options):
        return scores_import(table=table, index_code=options["index"], year=options["year"], source=self.source)
