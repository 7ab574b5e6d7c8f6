"""`export_rankings`: a ranking as CSV on standard output, in rank order."""

import csv

from django.core.management.base import BaseCommand, CommandError, no_translations

from indicators.models import Index
from indicators.official import is_official
from indicators.selectors import ranking
from reformdash.lib.export import safe_cell
from units.models import Unit, UnitKind

# status: official or provisional, by the rule the pages and the API show (indicators.official);
# official_state says why (official, entered, reopened, correcting, changed, no_decision, provisional).
COLUMNS = [
    "unit_code",
    "unit_name",
    "value",
    "rank",
    "group_size",
    "previous_rank",
    "rank_change",
    "band",
    "status",
    "official_state",
    "previous_group_size",
    "rank_comparable",
]


def _number(value):
    """Full stored precision without trailing zeros: 84.6, 96.86, 73.333333."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def _yes_no(flag):
    """true / false, empty when unknown (no rank in one of the years)."""
    return "" if flag is None else str(bool(flag)).lower()


class Command(BaseCommand):
    help = (
        "Write a ranking as CSV (unit_code,unit_name,value,rank,group_size,previous_rank,rank_change,band,"
        "status,official_state,previous_group_size,rank_comparable); rank_change is empty when last "
        "year's group is not comparable."
    )

    def add_arguments(self, parser):
        parser.add_argument("--index", required=True, help="index code, e.g. par")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--kind", choices=UnitKind.values, help="only units of this kind")
        parser.add_argument("--parent", help="only units under the unit with this code")

    @no_translations
    def handle(self, *args, index, year, kind, parent, **options):
        index_obj = Index.objects.filter(code=index).first()
        if index_obj is None:
            raise CommandError(f"unknown index {index!r}")
        parent_obj = None
        if parent:
            parent_obj = Unit.objects.filter(code=parent).first()
            if parent_obj is None:
                raise CommandError(f"unknown unit {parent!r}")
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for result in ranking(index=index_obj, year=year, kind=kind, parent=parent_obj):
            writer.writerow(
                [
                    safe_cell(result.unit.code),
                    safe_cell(result.unit.name),
                    _number(result.value),
                    result.shown_rank or "",
                    result.shown_group_size or "",
                    result.previous_rank or "",
                    "" if result.rank_change is None else result.rank_change,
                    safe_cell(result.band.name) if result.band else "",
                    "official" if is_official(result.official_state) else "provisional",
                    result.official_state,
                    result.previous_group_size or "",
                    _yes_no(result.rank_comparable),
                ]
            )
