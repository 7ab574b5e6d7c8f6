from audit.models import AuditSource
from dossiers.measures import DossierMeasure
from indicators.importers.methodology import methodology_import
from indicators.models import Aggregation, Direction
from reformdash.lib.commands import ImportCommand
from units.models import UnitKind


class Command(ImportCommand):
    source = AuditSource.COMMAND
    help = (
        "Create or replace the criteria tree of one index, year and unit kind from CSV/XLSX columns "
        "code,parent_code,title,max_points,weight[,kind,title_en]; the index is created when it does not exist. "
        "An index computed from dossiers (--aggregation dossiers) needs --measure unless it names one already."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--index", required=True, help="index code, e.g. par")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--kind", required=True, choices=UnitKind.values, help="the kind of unit scored")
        parser.add_argument("--aggregation", required=True, choices=Aggregation.values)
        parser.add_argument("--direction", choices=Direction.values, help="for a new index; default higher")
        parser.add_argument("--name", help="the index's Vietnamese name, for a new index; default its code")
        parser.add_argument(
            "--measure",
            choices=DossierMeasure.values,
            help="with --aggregation dossiers: the rate the index is, e.g. overdue_rate; "
            "needed unless the index names one already",
        )

    def run(self, table, **options):
        return methodology_import(
            table=table,
            index_code=options["index"],
            year=options["year"],
            unit_kind=options["kind"],
            aggregation=options["aggregation"],
            direction=options["direction"],
            name=options["name"],
            measure=options["measure"],
            source=self.source,
        )
