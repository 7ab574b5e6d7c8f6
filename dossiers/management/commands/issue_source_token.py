"""`issue_source_token CODE (--unit UNIT … | --all-units) [--name NAME]`: a one-stop system's token,
printed once on standard output; the system is registered if it is new."""

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import transaction

from dossiers.models import SourceSystem
from dossiers.tokens import source_scope_set, source_token_issue
from units.models import Unit


class Command(BaseCommand):
    help = (
        "Issue a new token for a one-stop source system (POST /api/dossiers/batch/, Authorization: Bearer <token>), "
        "replacing its current one. The token is printed once, alone on standard output, and stored only hashed. "
        "--unit (repeatable) sets the units whose dossiers it may send, with every unit under them; "
        "--all-units lets it send any unit's (the province's own system). Without either, a registered "
        "source keeps the units it has."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="the source's code, as its dossiers name it (letters, digits, - and _)")
        parser.add_argument("--name", help="the source's name; required when it is new")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument(
            "--unit",
            dest="units",
            action="append",
            default=[],
            metavar="UNIT_CODE",
            help="a unit whose dossiers, and those of every unit under it, the source may send (repeat for more)",
        )
        scope.add_argument("--all-units", action="store_true", help="the source may send the dossiers of any unit")

    @no_translations
    @transaction.atomic
    def handle(self, *args, code, name, units, all_units, **options):
        source = SourceSystem.objects.filter(code=code).first()
        if source is None:
            if not name:
                raise CommandError(f"no source {code!r} yet: give --name to register it")
            if not units and not all_units:
                raise CommandError("a new source needs --unit UNIT_CODE (repeatable) or --all-units")
            source = SourceSystem(code=code, name=name)
            source.full_clean()
            source.save()
        elif name:
            source.name = name
            source.save(update_fields=["name"])
        if not source.active:
            raise CommandError(f"source {code!r} is inactive: a token of its would be refused; tick it active first")
        if units or all_units:
            found = Unit.objects.in_bulk(units, field_name="code")
            unknown = sorted(set(units) - set(found))
            if unknown:
                raise CommandError(f"unknown unit(s): {', '.join(unknown)}")
            source_scope_set(source=source, all_units=all_units, units=found.values())
        token = source_token_issue(source=source)
        serves = (
            "every unit"
            if source.all_units
            else ", ".join(sorted(source.units.values_list("code", flat=True))) or "no unit: it may send nothing"
        )
        # The token alone on stdout, so that a script can capture it; the rest goes to stderr.
        self.stdout.write(token)
        self.stderr.write(
            f"Token for source {source.code!r} (serves {serves}): copy it now, it is not shown again. "
            "Send it as 'Authorization: Bearer <token>'."
        )
