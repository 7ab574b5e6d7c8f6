from audit.models import AuditSource
from reformdash.lib.commands import ImportCommand
from units.importers.units import units_import


class Command(ImportCommand):
    source = AuditSource.COMMAND
    help = "Create or update units by code from CSV/XLSX columns code,name,kind,parent_code,valid_from,valid_to."

    def run(self, table, **options):
        return units_import(table=table, source=self.source)
