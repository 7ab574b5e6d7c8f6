"""National-size synthetic data for benchmarks: `synthetic_generate` (issue 7).

Since 1 July 2025 the country has 34 provinces and 3,321 commune-level units; each province has
about 20 departments. This builds that tree under a nation unit of its own (codes start with the
prefix, "SYN" by default, so it sits beside the demo without touching it), three indices of its
own modelled on PAR (8 areas, 90 sub-criteria, sum), SIPAS (5 components, weighted) and the 766
index (5 areas, sum), a methodology per index, year and unit kind (department, commune), and a
published assessment with a final score on every leaf for every unit and year.

Reproducible: a unit's level is drawn from `random.Random(f"{seed}/{code}")` and each assessment's
scores from `random.Random(f"{seed}/{code}/{index}/{year}")`, the code without the prefix (string
seeds hash the same on every machine), so the same seed and size give the same scores, whatever
the prefix. Results are not computed here: computing
them is what the benchmarks measure (`recompute`).

Fast on both databases: the ~5 million score rows of the full size go through PostgreSQL's COPY
(streamed, never held whole) and through executemany in batches on SQLite (reformdash.lib.bulk). Everything is one
transaction, and it refuses (ValueError, nothing written) when the prefix's nation unit exists.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from indicators.models import (
    Aggregation,
    Assessment,
    AssessmentStatus,
    Criterion,
    Index,
    Methodology,
    Score,
)
from reformdash.lib.bulk import rows_insert
from units.models import Unit, UnitKind

BATCH_SIZE = 5000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Size:
    provinces: int = 34
    departments_per_province: int = 20
    communes: int = 3321
    first_year: int = 2016
    last_year: int = 2025

    @property
    def years(self):
        return range(self.first_year, self.last_year + 1)

    @property
    def units(self):
        return self.provinces * self.departments_per_province + self.communes


# A smaller country for `make bench` by default: minutes, not an hour.
SMALL = Size(provinces=4, departments_per_province=20, communes=400, first_year=2021, last_year=2025)
NATIONAL = Size()


@dataclass(frozen=True)
class IndexSpec:
    suffix: str
    name: str
    aggregation: str
    # (area maximum, number of leaves) per area; for `weighted`, the area's weight is its maximum.
    areas: tuple


INDICES = (
    # PAR Index 2017 structure: 8 areas summing to 100 points, 90 sub-criteria.
    IndexSpec(
        "par",
        "PAR INDEX (tổng hợp)",
        Aggregation.SUM,
        ((10, 11), (10, 10), (14.5, 12), (11, 11), (16, 13), (7, 8), (16, 13), (15.5, 12)),
    ),
    IndexSpec("sipas", "SIPAS (tổng hợp)", Aggregation.WEIGHTED, ((20, 4), (20, 4), (20, 4), (20, 4), (20, 4))),
    IndexSpec("766", "Chỉ số 766 (tổng hợp)", Aggregation.SUM, ((20, 5), (20, 5), (20, 5), (20, 5), (20, 5))),
)
KINDS = (UnitKind.DEPARTMENT, UnitKind.COMMUNE)


def leaf_maxima(area_max, leaves):
    """The area's maximum split over its leaves in cents, the last taking what rounding left."""
    share = (Decimal(str(area_max)) / leaves).quantize(CENT)
    return [share] * (leaves - 1) + [Decimal(str(area_max)) - share * (leaves - 1)]


def table_statistics_refresh():
    """ANALYZE, after a bulk load: the query planner's row estimates come from these statistics, and
    with none (autovacuum has not run yet) it plans a scorecard's few rows as if there were one,
    a join re-run hundreds of times (70 ms instead of 2.5 ms for the lost-points ledger)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def synthetic_generate(*, size=SMALL, seed=1, prefix="SYN"):
    """Write the synthetic country; returns counts of what was created."""
    with transaction.atomic():
        if Unit.objects.filter(code=prefix).exists():
            raise ValueError(f"synthetic data with prefix {prefix!r} exists already: use another prefix")
        units = _units(size=size, seed=seed, prefix=prefix)
        methodologies = _methodologies(size=size, prefix=prefix)
        leaves = _criteria(methodologies)
        assessments = _assessments(units=units, methodologies=methodologies)
        scores = rows_insert(Score, SCORE_COLUMNS, _score_rows(units, methodologies, leaves, assessments, seed, prefix))
    table_statistics_refresh()
    return {
        "units": len(units),
        "methodologies": len(methodologies),
        "criteria": sum(len(leaves) + len(spec.areas) for (spec, _y, _k), leaves in leaves.items()),
        "assessments": len(assessments),
        "scores": scores,
    }


def _units(*, size, seed, prefix):
    """{unit: level} of the departments and communes; the nation and provinces are written too."""
    since = datetime.date(size.first_year, 1, 1)
    nation = Unit.objects.create(code=prefix, name=f"Quốc gia tổng hợp {prefix}", kind=UnitKind.NATION)
    provinces = Unit.objects.bulk_create(
        Unit(
            code=f"{prefix}-P{p:02d}",
            name=f"Tỉnh tổng hợp {p:02d}",
            kind=UnitKind.PROVINCE,
            parent=nation,
            valid_from=since,
        )
        for p in range(1, size.provinces + 1)
    )
    scored = []
    for number, province in enumerate(provinces):
        scored += [
            Unit(
                code=f"{province.code}-D{d:02d}",
                name=f"Sở tổng hợp {d:02d} · {province.name}",
                kind=UnitKind.DEPARTMENT,
                parent=province,
                valid_from=since,
            )
            for d in range(1, size.departments_per_province + 1)
        ]
        # The communes spread evenly, the first provinces taking one more when it does not divide.
        communes = size.communes // size.provinces + (number < size.communes % size.provinces)
        scored += [
            Unit(
                code=f"{province.code}-X{c:04d}",
                name=f"Xã tổng hợp {c:04d} · {province.name}",
                kind=UnitKind.COMMUNE,
                parent=province,
                valid_from=since,
            )
            for c in range(1, communes + 1)
        ]
    scored = Unit.objects.bulk_create(scored, batch_size=BATCH_SIZE)
    # A unit's level: most units do fairly well, a few badly, as in the published rankings.
    return {unit: random.Random(f"{seed}/{_own(unit, prefix)}").betavariate(8, 2) for unit in scored}


def _own(unit, prefix):
    """The unit's code without the prefix: what its random draws are seeded with."""
    return unit.code.removeprefix(prefix)


def _methodologies(*, size, prefix):
    """{(spec, year, kind): Methodology}."""
    code = prefix.lower()
    indices = {
        spec: Index.objects.create(code=f"{code}-{spec.suffix}", name_vi=f"{spec.name} {prefix}", name_en="")
        for spec in INDICES
    }
    wanted = [(spec, year, kind) for spec in INDICES for year in size.years for kind in KINDS]
    created = Methodology.objects.bulk_create(
        Methodology(
            index=indices[spec],
            year=year,
            unit_kind=kind,
            aggregation=spec.aggregation,
            note="Dữ liệu tổng hợp cho đo hiệu năng.",
        )
        for spec, year, kind in wanted
    )
    return dict(zip(wanted, created, strict=True))


def _criteria(methodologies):
    """{(spec, year, kind): [(leaf id, leaf maximum)]}, areas written first so leaves have parents."""
    areas = Criterion.objects.bulk_create(
        Criterion(
            methodology=methodology,
            code=f"{number}",
            title=f"Lĩnh vực {number}",
            position=number,
            max_points=Decimal(str(area_max)),
            weight=Decimal(str(area_max)) / 100 if spec.aggregation == Aggregation.WEIGHTED else None,
        )
        for (spec, _year, _kind), methodology in methodologies.items()
        for number, (area_max, _leaves) in enumerate(spec.areas, start=1)
    )
    areas = iter(areas)
    leaves = []
    for (spec, _year, _kind), methodology in methodologies.items():
        for number, (area_max, count) in enumerate(spec.areas, start=1):
            area = next(areas)
            leaves += [
                Criterion(
                    methodology=methodology,
                    parent=area,
                    code=f"{number}.{leaf}",
                    title=f"Tiêu chí {number}.{leaf}",
                    max_points=maximum,
                    position=leaf,
                )
                for leaf, maximum in enumerate(leaf_maxima(area_max, count), start=1)
            ]
    leaves = Criterion.objects.bulk_create(leaves, batch_size=BATCH_SIZE)
    by_methodology = {}
    for leaf in leaves:
        by_methodology.setdefault(leaf.methodology_id, []).append((leaf.pk, leaf.max_points))
    return {key: by_methodology[methodology.pk] for key, methodology in methodologies.items()}


S = AssessmentStatus


def _assessments(*, units, methodologies):
    """{(unit id, methodology id): assessment id} of an assessment per unit and methodology: published,
    but appraised in the last year, the one still open (as in the demo), so that it can be imported into."""
    now = timezone.now()
    last_year = max(year for _spec, year, _kind in methodologies)
    rows = (
        (unit.pk, methodology.pk, (S.APPRAISED if year == last_year else S.PUBLISHED).value, 1, now)
        for (spec, year, kind), methodology in methodologies.items()
        for unit in units
        if unit.kind == kind
    )
    rows_insert(Assessment, ("unit_id", "methodology_id", "status", "version", "updated_at"), rows)
    ids = Assessment.objects.filter(methodology__in=methodologies.values()).values_list(
        "unit_id", "methodology_id", "pk"
    )
    return {(unit_id, methodology_id): pk for unit_id, methodology_id, pk in ids.iterator(chunk_size=BATCH_SIZE)}


SCORE_COLUMNS = (
    "assessment_id",
    "criterion_id",
    "self_score",
    "final_score",
    "not_applicable",
    "note",
    "appraisal_reason",
    "changed_in_version",
    "updated_at",
)


def _score_rows(units, methodologies, leaves, assessments, seed, prefix):
    """Every leaf's score, produced lazily: the unit's level, a little better each year, with noise
    per criterion; self scores claim a little more, as units do."""
    now = timezone.now()
    for (spec, year, kind), methodology in methodologies.items():
        its_leaves = leaves[(spec, year, kind)]
        for unit, level in units.items():
            if unit.kind != kind:
                continue
            rng = random.Random(f"{seed}/{_own(unit, prefix)}/{spec.suffix}/{year}")
            assessment_id = assessments[(unit.pk, methodology.pk)]
            trend = level + 0.01 * (year - 2016)
            for criterion_id, maximum in its_leaves:
                share = min(1.0, max(0.0, rng.gauss(trend, 0.12)))
                final = (maximum * Decimal(share)).quantize(CENT)
                claimed = (
                    min(maximum, (final + maximum * Decimal("0.1")).quantize(CENT)) if rng.random() < 0.2 else final
                )
                yield (assessment_id, criterion_id, claimed, final, False, "", "", 0, now)
