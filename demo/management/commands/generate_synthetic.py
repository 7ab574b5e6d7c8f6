"""`generate_synthetic`: a national-size synthetic country for benchmarks (demo.synthetic).

generate_synthetic                    # 4 provinces, 480 units, 2021–2025 (what `make bench` uses)
generate_synthetic --national         # 34 provinces, 680 departments, 3,321 communes, 2016–2025
generate_synthetic --provinces 10 --communes 1000 --seed 7 --prefix SYN2
"""

import time

from django.core.management.base import BaseCommand, CommandError, no_translations

from demo.synthetic import NATIONAL, SMALL, Size, synthetic_generate


class Command(BaseCommand):
    help = (
        "Create a synthetic country (units, three indices, their methodologies and a published score on "
        "every criterion for every unit and year), reproducible from --seed, under a nation unit coded "
        "--prefix. Refuses, writing nothing, when that prefix exists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--national", action="store_true", help="the full size: 34 provinces, 3,321 communes, 10 years"
        )
        parser.add_argument("--provinces", type=int)
        parser.add_argument("--departments-per-province", type=int)
        parser.add_argument("--communes", type=int)
        parser.add_argument("--first-year", type=int)
        parser.add_argument("--last-year", type=int)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--prefix", default="SYN", help="code of the nation unit and start of every code")

    @no_translations
    def handle(self, *args, national, seed, prefix, **options):
        base = NATIONAL if national else SMALL
        chosen = {
            name: options[name]
            for name in ("provinces", "departments_per_province", "communes", "first_year", "last_year")
            if options[name] is not None
        }
        size = Size(**{**base.__dict__, **chosen})
        if size.provinces < 1 or size.departments_per_province < 0 or size.communes < 0 or not size.years:
            raise CommandError("--provinces must be at least 1, counts not negative, and --first-year ≤ --last-year")
        if not prefix.replace("-", "").isalnum() or len(prefix) > 8:
            raise CommandError("--prefix: up to 8 letters, digits or dashes")
        started = time.monotonic()
        try:
            counts = synthetic_generate(size=size, seed=seed, prefix=prefix)
        except ValueError as error:
            raise CommandError(str(error)) from None
        summary = ", ".join(f"{key} {value}" for key, value in counts.items())
        self.stdout.write(f"{summary} in {time.monotonic() - started:.1f} s")
