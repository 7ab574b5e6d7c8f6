from audit.models import AuditSource
from reformdash.lib.commands import ImportCommand
from units.importers.units import units_import


class Command(ImportCommand):
    source = AuditSource.COMMAND
    help = (
        "Create or update units by code from CSV/XLSX columns code,name,kind,parent_code,valid_from,valid_to. "
        "A unit given another parent is refused (a reorganisation is a new unit with lineage) unless "
        "--allow-reparent is given; each move is then listed with who gains and who loses sight of it, and audited."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--allow-reparent",
            action="store_true",
            help="allow giving existing units another parent (changes which heads and officers see them)",
        )

    def run(self, table, *, allow_reparent=False, **options):
        summary = units_import(table=table, source=self.source, allow_reparent=allow_reparent)
        for move in summary.pop("moves", []):
            self.stdout.write(_move_line(move))
        return summary


def _move_line(move):
    def chain(units):
        return ", ".join(f"{unit['code']} ({unit['users']} user(s))" for unit in units) or "none"

    return (
        f"moved {move['code']} (line {move['line']}) from {move['old_parent'] or '—'} to {move['new_parent'] or '—'}: "
        f"{move['users_losing']} user(s) lose sight of it through {chain(move['losing'])}; "
        f"{move['users_gaining']} user(s) gain it through {chain(move['gaining'])}"
    )
