"""Synthetic scores over Vietnam's real administrative units, for benchmarks: `synthetic_generate`
(issue 7; on the real structure since issue 18).

The units are the real ones: the chosen provinces of 1/7/2025 (all 34 at the national size) with
their communes, and the 63 provinces before them with their districts and communes and the
lineage from old to new, all imported by units.importers.admin_units (`legacy=True`). Only what
that data lacks is invented, and coded so that it cannot pass for real: `departments_per_province`
departments under every province, "48-D01"… under the new ones (from 1/7/2025) and "L48-D01"…
under the old ones (until 30/6/2025), following the importer's "L" for old units.

On those units: three indices of their own modelled on PAR (8 areas, 90 sub-criteria, sum), SIPAS
(5 components, weighted) and the 766 index (5 areas, sum), coded syn-par, syn-sipas and syn-766,
a methodology per index, year and unit kind, and an assessment with a final score on every leaf
for every unit that exists at the end of the year — the day the recompute ranks on. So the years
before 2025 score the old tree (departments, districts and communes of the 63 provinces) and
2025 onwards the new one (departments and communes of the 34), and a benchmark that recomputes
the last year and the one before measures both sides of the reorganisation.

Reproducible: a unit's level is drawn from `random.Random(f"{seed}/{code}")` and each assessment's
scores from `random.Random(f"{seed}/{code}/{index}/{year}")` (string seeds hash the same on every
machine), so the same seed and size give the same scores. Results are not computed here:
computing them is what the benchmarks measure (`recompute`).

Fast on both databases: the millions of score rows of the national size go through PostgreSQL's
COPY (streamed, never held whole) and through executemany in batches on SQLite
(reformdash.lib.bulk). Everything, the units' import included, is one transaction, and it refuses
(ValueError, nothing written) when the synthetic indices or departments exist already. Real units
that exist already (imported before) are used as they are.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
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
from units import admin_data
from units.importers.admin_units import AdminUnitsRejected, admin_units_import
from units.models import Unit, UnitKind

BATCH_SIZE = 5000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Size:
    # Codes of provinces of 1/7/2025 (units.admin_data); None: all 34.
    provinces: tuple | None = None
    departments_per_province: int = 20
    first_year: int = 2022
    last_year: int = 2025

    @property
    def years(self):
        return range(self.first_year, self.last_year + 1)


# `make bench` by default, minutes not an hour: Đà Nẵng (formed from Đà Nẵng and Quảng Nam) and
# Huế (unchanged), 686 units: 134 communes and 40 departments since 1/7/2025; 3 old provinces,
# 34 districts, 413 communes and 60 departments before.
SMALL = Size(provinces=("46", "48"), first_year=2021, last_year=2025)
# The whole country: 34 provinces and 3,321 communes, the 63 provinces, 696 districts and 10,035
# communes before them, and 1,940 departments. Four years, three of them on the old tree (11,991
# units a year) and 2025 on the new one (4,001): 5.4 million scores, as many as the ten years of
# the invented country of 4,001 units it replaces, so that the build stays in minutes.
NATIONAL = Size()


@dataclass(frozen=True)
class IndexSpec:
    suffix: str
    name: str
    aggregation: str
    # (area maximum, number of leaves) per area; for `weighted`, the area's weight is its maximum.
    areas: tuple


INDEX_PREFIX = "syn-"
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
PAR_CODE = f"{INDEX_PREFIX}par"
# The kinds assessed: districts only exist before the reorganisation, so only those years have them.
KINDS = (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE)


def leaf_maxima(area_max, leaves):
    """The area's maximum split over its leaves in cents, the last taking what rounding left."""
    share = (Decimal(str(area_max)) / leaves).quantize(CENT)
    return [share] * (leaves - 1) + [Decimal(str(area_max)) - share * (leaves - 1)]


def table_statistics_refresh(*models):
    """ANALYZE (the models' tables; none: every table), after a bulk load: the query planner's row
    estimates come from these statistics, and with none (autovacuum has not run yet) it plans a
    scorecard's few rows as if there were one, a join re-run hundreds of times (70 ms instead of
    2.5 ms for the lost-points ledger)."""
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def existing_at(day):
    """Units that exist on `day` (a Q on Unit)."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def synthetic_generate(*, size=SMALL, seed=1):
    """Import the real units, add the departments and write the scores; returns counts of what
    was created. Raises ValueError, writing nothing, when the synthetic data exists already or the
    units cannot be imported."""
    with transaction.atomic():
        codes = [f"{INDEX_PREFIX}{spec.suffix}" for spec in INDICES]
        if Index.objects.filter(code__in=codes).exists():
            raise ValueError(f"synthetic data exists already (indices {', '.join(codes)}): use a fresh database")
        try:
            imported = admin_units_import(province_codes=size.provinces, legacy=True)
        except AdminUnitsRejected as error:
            raise ValueError(f"the administrative units cannot be imported: {error}") from None
        provinces = _provinces(size)
        departments = _departments(provinces, size.departments_per_province)
        scored = _scored_units(provinces, size=size, seed=seed)
        methodologies = _methodologies(size=size, scored=scored)
        leaves = _criteria(methodologies)
        assessments = _assessments(scored=scored, methodologies=methodologies)
        scores = rows_insert(Score, SCORE_COLUMNS, _score_rows(scored, methodologies, leaves, assessments, seed))
    table_statistics_refresh()
    return {
        "units": Unit.objects.filter(pk__in=_tree_ids(provinces)).count(),
        "units imported": len(imported.created),
        "lineage links": len(imported.lineage_added),
        "departments": departments,
        "methodologies": len(methodologies),
        "criteria": sum(len(its) + len(spec.areas) for (spec, _y, _k), its in leaves.items()),
        "assessments": len(assessments),
        "scores": scores,
    }


def _provinces(size):
    """The new provinces asked for and the old ones they were formed from, as stored."""
    codes = size.provinces if size.provinces is not None else [p.code for p in admin_data.provinces()]
    new = list(Unit.objects.filter(kind=UnitKind.PROVINCE, code__in=codes).order_by("code"))
    old = list(
        Unit.objects.filter(kind=UnitKind.PROVINCE, successor_links__successor__in=new).distinct().order_by("code")
    )
    return new + old


def _departments(provinces, per_province):
    """Create `per_province` departments under each province, valid as long as it is; refuse
    (ValueError) when one exists. Returns how many."""
    departments = [
        Unit(
            code=f"{province.code}-D{d:02d}",
            name=f"Sở tổng hợp {d:02d} · {province.name}",
            kind=UnitKind.DEPARTMENT,
            parent=province,
            valid_from=province.valid_from,
            valid_to=province.valid_to,
        )
        for province in provinces
        for d in range(1, per_province + 1)
    ]
    taken = Unit.objects.filter(code__in=[unit.code for unit in departments]).values_list("code", flat=True)[:3]
    if taken:
        raise ValueError(f"synthetic departments exist already ({', '.join(taken)}): use a fresh database")
    Unit.objects.bulk_create(departments, batch_size=BATCH_SIZE)
    return len(departments)


def _tree_ids(provinces):
    """Ids of the provinces and every unit under them (three levels at most: district, commune)."""
    ids = {province.pk for province in provinces}
    level = ids
    while level:
        level = set(Unit.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        ids |= level
    return ids


def _scored_units(provinces, *, size, seed):
    """{year: {unit: level}}: the units of the assessed kinds under the provinces that exist at
    the end of the year (the day the recompute ranks on)."""
    tree = Unit.objects.filter(pk__in=_tree_ids(provinces), kind__in=KINDS).order_by("code")
    units = list(tree.only("pk", "code", "kind", "valid_from", "valid_to"))
    # A unit's level: most units do fairly well, a few badly, as in the published rankings.
    levels = {unit.pk: random.Random(f"{seed}/{unit.code}").betavariate(8, 2) for unit in units}
    scored = {}
    for year in size.years:
        last_day = datetime.date(year, 12, 31)
        scored[year] = {
            unit: levels[unit.pk]
            for unit in units
            if (unit.valid_from is None or unit.valid_from <= last_day)
            and (unit.valid_to is None or unit.valid_to >= last_day)
        }
    return scored


def _methodologies(*, size, scored):
    """{(spec, year, kind): Methodology} for every kind assessed in a year."""
    indices = {
        spec: Index.objects.create(code=f"{INDEX_PREFIX}{spec.suffix}", name_vi=spec.name, name_en="")
        for spec in INDICES
    }
    wanted = [
        (spec, year, kind)
        for spec in INDICES
        for year in size.years
        for kind in KINDS
        if any(unit.kind == kind for unit in scored[year])
    ]
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


def _assessments(*, scored, methodologies):
    """{(unit id, methodology id): assessment id} of an assessment per unit and methodology of its
    kind and year: published, but appraised in the last year, the one still open (as in the demo),
    so that it can be imported into."""
    now = timezone.now()
    last_year = max(year for _spec, year, _kind in methodologies)
    rows = (
        (unit.pk, methodology.pk, (S.APPRAISED if year == last_year else S.PUBLISHED).value, 1, now)
        for (spec, year, kind), methodology in methodologies.items()
        for unit in scored[year]
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


def _score_rows(scored, methodologies, leaves, assessments, seed):
    """Every leaf's score, produced lazily: the unit's level, a little better each year, with noise
    per criterion; self scores claim a little more, as units do."""
    now = timezone.now()
    for (spec, year, kind), methodology in methodologies.items():
        its_leaves = leaves[(spec, year, kind)]
        for unit, level in scored[year].items():
            if unit.kind != kind:
                continue
            rng = random.Random(f"{seed}/{unit.code}/{spec.suffix}/{year}")
            assessment_id = assessments[(unit.pk, methodology.pk)]
            trend = level + 0.01 * (year - 2016)
            for criterion_id, maximum in its_leaves:
                share = min(1.0, max(0.0, rng.gauss(trend, 0.12)))
                final = (maximum * Decimal(share)).quantize(CENT)
                claimed = (
                    min(maximum, (final + maximum * Decimal("0.1")).quantize(CENT)) if rng.random() < 0.2 else final
                )
                yield (assessment_id, criterion_id, claimed, final, False, "", "", 0, now)
