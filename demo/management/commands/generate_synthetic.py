"""`generate_synthetic`: synthetic scores over Vietnam's real administrative units, for benchmarks
(demo.synthetic).

generate_synthetic                    # Đà Nẵng and Huế, old and new, 2021–2025 (what `make bench` uses)
generate_synthetic --national         # all 34 provinces and the 63 before them, 2022–2025
generate_synthetic --provinces 48,79 --departments-per-province 5 --first-year 2024 --seed 7
"""

import time

from django.core.management.base import BaseCommand, CommandError, no_translations

from demo.synthetic import NATIONAL, SMALL, Size, synthetic_generate


class Command(BaseCommand):
    help = (
        "Import the real administrative units of the given provinces (all 34 with --national) with "
        "the units before 1/7/2025, add invented departments under every province, and write three "
        "indices, their methodologies and a score on every criterion for every unit that exists at "
        "the end of each year, reproducible from --seed. Refuses, writing nothing, when the synthetic "
        "data exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--national", action="store_true", help="all 34 provinces, 2022–2025")
        parser.add_argument("--provinces", help="codes of provinces of 1/7/2025, comma-separated (e.g. 48,46)")
        parser.add_argument("--departments-per-province", type=int)
        parser.add_argument("--first-year", type=int)
        parser.add_argument("--last-year", type=int)
        parser.add_argument("--seed", type=int, default=1)

    @no_translations
    def handle(self, *args, national, seed, provinces, **options):
        base = NATIONAL if national else SMALL
        chosen = {
            name: options[name]
            for name in ("departments_per_province", "first_year", "last_year")
            if options[name] is not None
        }
        if provinces is not None:
            chosen["provinces"] = tuple(code.strip() for code in provinces.split(",") if code.strip())
            if not chosen["provinces"]:
                raise CommandError("--provinces: at least one province code")
        size = Size(**{**base.__dict__, **chosen})
        if size.departments_per_province < 0 or not size.years:
            raise CommandError("--departments-per-province must not be negative, and --first-year ≤ --last-year")
        started = time.monotonic()
        try:
            counts = synthetic_generate(size=size, seed=seed)
        except ValueError as error:
            raise CommandError(str(error)) from None
        summary = ", ".join(f"{key} {value}" for key, value in counts.items())
        self.stdout.write(f"{summary} in {time.monotonic() - started:.1f} s")
