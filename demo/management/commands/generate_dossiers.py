"""`generate_dossiers`: synthetic dossiers (demo.synthetic_dossiers) for chosen units and months.

    generate_dossiers --units L502,L503 --months 202401-202412 --per-unit-month 30 --seed 7
    generate_dossiers --kind commune --parent 48 --months 202606 --per-unit-month 100 --seed 7

Each unit gets dossiers only in the months it existed in (valid_from/valid_to). Everything is
written in one transaction: an error, or a dossier that exists already, writes nothing.
"""

import datetime
import re
import time

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import transaction
from django.utils import timezone

from demo.synthetic_dossiers import dossiers_generate
from dossiers import measures
from units.models import Unit, UnitKind

MONTH_RANGE = re.compile(r"(\d{6})(?:-(\d{6}))?")
SOURCE = re.compile(r"[-a-zA-Z0-9_]{1,32}")


def parse_months(text, *, now):
    """Every month of 'yyyymm' or 'yyyymm-yyyymm', checked; CommandError when it is not a range
    of real months up to the current one."""
    match = MONTH_RANGE.fullmatch(text.strip())
    if not match:
        raise CommandError(f"--months {text!r}: write yyyymm or yyyymm-yyyymm, e.g. 202401-202412")
    first = int(match[1])
    last = int(match[2] or match[1])
    for month in (first, last):
        if not 1 <= month % 100 <= 12 or month // 100 < 2000:
            raise CommandError(f"--months {text!r}: {month} is not a month (yyyymm, from 2000)")
    if last < first:
        raise CommandError(f"--months {text!r}: the range ends before it starts")
    current = measures.month_of(now)
    if last > current:
        raise CommandError(f"--months {text!r}: {last} is after the current month {current}")
    return measures.months_between(first, last)


def valid_in_month(unit, month):
    start, end = measures.month_bounds(month)
    first, last = start.date(), end.date() - datetime.timedelta(days=1)
    return (unit.valid_from is None or unit.valid_from <= last) and (unit.valid_to is None or unit.valid_to >= first)


class Command(BaseCommand):
    help = (
        "Create synthetic dossiers, reproducible from --seed, for units chosen by code or by kind "
        "(and parent), N per unit and month in which the unit existed. External ids are "
        "UNIT-yyyymm-n; refuses, writing nothing, if any of them exists under --source already."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--units", help="unit codes, comma-separated")
        which.add_argument("--kind", choices=UnitKind.values, help="every unit of this kind")
        parser.add_argument("--parent", help="with --kind: only the units directly under this unit")
        parser.add_argument("--months", required=True, help="yyyymm or yyyymm-yyyymm, e.g. 202401-202412")
        parser.add_argument("--per-unit-month", type=int, required=True, help="dossiers per unit and month")
        parser.add_argument("--seed", type=int, required=True, help="the same seed gives the same dossiers")
        parser.add_argument("--source", default="synthetic", help="source system code (default: synthetic)")
        parser.add_argument(
            "--now", help="ISO date-time taken as now (Vietnam time when no offset): nothing completes after it"
        )

    @no_translations
    def handle(self, *args, units, kind, parent, months, per_unit_month, seed, source, now, **options):
        now = self.parse_now(now)
        month_list = parse_months(months, now=now)
        if not 1 <= per_unit_month <= 1_000_000:
            raise CommandError("--per-unit-month must be between 1 and 1000000")
        if not SOURCE.fullmatch(source):
            raise CommandError("--source: up to 32 letters, digits, - and _")
        if parent and not kind:
            raise CommandError("--parent goes with --kind")
        chosen = self.resolve_units(units=units, kind=kind, parent=parent, months=month_list)

        # Units existing in the same months are generated together; each unit only in its months.
        by_months = {}
        for unit in chosen:
            valid = tuple(month for month in month_list if valid_in_month(unit, month))
            by_months.setdefault(valid, []).append(unit)
        started = time.monotonic()
        created = 0
        try:
            with transaction.atomic():
                for valid, group in sorted(by_months.items()):
                    created += dossiers_generate(
                        units=group, months=valid, per_unit_month=per_unit_month, seed=seed, source=source, now=now
                    )
        except ValueError as error:
            raise CommandError(str(error)) from None
        unit_months = sum(len(valid) * len(group) for valid, group in by_months.items())
        self.stdout.write(
            f"Created {created} dossiers (source {source}, seed {seed}): {len(chosen)} units, "
            f"{unit_months} unit-months from {month_list[0]} to {month_list[-1]}, {per_unit_month} each."
        )
        partial = [unit.code for valid, group in by_months.items() if len(valid) < len(month_list) for unit in group]
        if partial:
            self.stdout.write(f"Only in the months they existed: {', '.join(sorted(partial))}.")
        if options["verbosity"] >= 2:
            self.stdout.write(f"Took {time.monotonic() - started:.1f} s.")

    def parse_now(self, text):
        if not text:
            return timezone.now()
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--now {text!r}: not an ISO date-time such as 2024-12-31T23:59") from None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_default_timezone())
        if moment > timezone.now():
            raise CommandError("--now cannot be in the future")
        return moment

    def resolve_units(self, *, units, kind, parent, months):
        first, last = measures.month_bounds(months[0])[0], measures.month_bounds(months[-1])[1]
        first_day, last_day = first.date(), last.date() - datetime.timedelta(days=1)
        if units is not None:
            codes = list(dict.fromkeys(code.strip() for code in units.split(",") if code.strip()))
            if not codes:
                raise CommandError("--units: give at least one unit code")
            found = {unit.code: unit for unit in Unit.objects.filter(code__in=codes)}
            unknown = [code for code in codes if code not in found]
            if unknown:
                raise CommandError(f"unknown unit(s): {', '.join(unknown)}")
            absent = [code for code in codes if not any(valid_in_month(found[code], month) for month in months)]
            if absent:
                raise CommandError(
                    f"no unit to generate for: {', '.join(absent)} did not exist from {months[0]} to {months[-1]}"
                )
            return [found[code] for code in codes]
        queryset = Unit.objects.filter(kind=kind)
        if parent:
            parent_unit = Unit.objects.filter(code=parent).first()
            if parent_unit is None:
                raise CommandError(f"unknown unit: {parent}")
            queryset = queryset.filter(parent=parent_unit)
        queryset = queryset.exclude(valid_from__gt=last_day).exclude(valid_to__lt=first_day).order_by("code")
        chosen = list(queryset)
        if not chosen:
            under = f" under {parent}" if parent else ""
            raise CommandError(f"no unit of kind {kind}{under} existed from {months[0]} to {months[-1]}")
        return chosen
