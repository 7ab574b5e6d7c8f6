"""`export_year 2025 --out cchc-2025.zip`: one year's data as a zip of CSV files, for the archive.

A database dump (docs/operations.md, "Backups") restores the whole system; this is the year in a form a person
reads in a spreadsheet and the import commands read back, kept for as long as the decisions are.
The files (UTF-8 with a BOM, every cell made safe for a spreadsheet):

    README.txt                       what follows, and the commands that re-import it
    units.csv                        the units that existed in the year (import_units)
    methodology/<index>-<kind>.csv   each methodology's criteria (import_methodology)
    scores/<index>-<kind>.csv        each unit's self and final scores (import_scores, long form)
    results.csv                      every result: value, rank in its group, band, official rank
    assessments.csv                  each assessment's status
    decisions.csv                    the publishing decisions that made results official
"""

import csv
import io
import os
import tempfile
import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import connection, transaction
from django.utils import timezone

from indicators.models import Assessment, Criterion, Methodology, Publication, Result, Score
from reformdash.lib.export import safe_cell
from units.selectors import units_valid_in

README = """reformdash: the data of {year}, exported {when}.

units.csv              code,name,kind,parent_code,valid_from,valid_to: every unit that existed in {year}.
                       python manage.py import_units units.csv
methodology/I-K.csv    the criteria of index I for units of kind K (aggregation in methodologies.csv).
                       python manage.py import_methodology methodology/I-K.csv --index I --year {year} --kind K --aggregation A
scores/I-K.csv         unit_code,criterion_code,score,self_score,note: score is the final score, NA when
                       not applicable. python manage.py import_scores scores/I-K.csv --index I --year {year}
                       then python manage.py recompute --year {year} gives the computed results again.
results.csv            every result of {year}: value, points, rank / group size in its group (same kind,
                       same parent), previous rank, band, the official rank, computed or published, and
                       the decision that made it official; then the previous rank's group size and
                       whether the two years' groups are comparable (true/false, empty without both
                       ranks: docs/design.md §4). Ordered as the rankings are.
assessments.csv        each unit's assessment under each methodology and its status.
decisions.csv          the publishing decisions (index, kind, number, date, reference, who recorded it).

Numbers are written with a point and their full stored precision (84.6, 73.333333).
A cell that a spreadsheet would run as a formula starts with an apostrophe.
"""


def number(value):
    """Full stored precision without trailing zeros, as export_rankings writes it."""
    return "" if value is None else format(value.normalize(), "f")


def _csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()


def _units(year):
    units = units_valid_in(year=year).select_related("parent").order_by("kind", "code")
    yield ["code", "name", "kind", "parent_code", "valid_from", "valid_to"]
    for unit in units:
        yield [
            unit.code,
            unit.name,
            unit.kind,
            unit.parent.code if unit.parent_id else "",
            unit.valid_from or "",
            unit.valid_to or "",
        ]


def _criteria(methodology):
    yield ["code", "parent_code", "title", "max_points", "weight", "kind", "title_en"]
    criteria = Criterion.objects.filter(methodology=methodology).select_related("parent").order_by("position", "code")
    # Parents before their children, as import_methodology reads them.
    by_parent = {}
    for criterion in criteria:
        by_parent.setdefault(criterion.parent_id, []).append(criterion)

    def walk(parent_id):
        for criterion in by_parent.get(parent_id, []):
            yield [
                criterion.code,
                criterion.parent.code if criterion.parent_id else "",
                criterion.title,
                number(criterion.max_points),
                number(criterion.weight),
                criterion.kind,
                criterion.title_en,
            ]
            yield from walk(criterion.pk)

    yield from walk(None)


def _scores(methodology):
    yield ["unit_code", "criterion_code", "score", "self_score", "note"]
    scores = (
        Score.objects.filter(assessment__methodology=methodology)
        .select_related("assessment__unit", "criterion")
        .order_by("assessment__unit__code", "criterion__code")
    )
    for score in scores:
        final = "NA" if score.not_applicable else number(score.final_score)
        yield [score.assessment.unit.code, score.criterion.code, final, number(score.self_score), score.note]


def _methodologies(methodologies):
    yield ["index", "kind", "aggregation", "file"]
    for m in methodologies:
        yield [m.index.code, m.unit_kind, m.aggregation, f"methodology/{m.index.code}-{m.unit_kind}.csv"]


def _results(year):
    yield [
        "index",
        "unit_code",
        "unit_name",
        "unit_kind",
        "parent_code",
        "value",
        "points",
        "applicable_max",
        "rank",
        "group_size",
        "previous_rank",
        "band",
        "official_rank",
        "official_group_size",
        "source",
        "decision_reference",
        "published_on",
        "previous_group_size",
        "rank_comparable",
    ]
    results = (
        Result.objects.filter(year=year)
        .select_related("index", "unit__parent", "band", "publication")
        .order_by("index__code", "unit__kind", "unit__parent__code", "rank", "unit__code")
    )
    for r in results:
        publication = r.publication
        yield [
            r.index.code,
            r.unit.code,
            r.unit.name,
            r.unit.kind,
            r.unit.parent.code if r.unit.parent_id else "",
            number(r.value),
            number(r.points),
            number(r.applicable_max),
            r.rank,
            r.group_size,
            r.previous_rank,
            r.band.name if r.band_id else "",
            r.official_rank,
            r.official_group_size,
            r.source,
            publication.decision_reference if publication else "",
            publication.published_on if publication else "",
            r.previous_group_size,
            "" if r.rank_comparable is None else str(r.rank_comparable).lower(),
        ]


def _assessments(year):
    yield ["index", "kind", "unit_code", "unit_name", "status", "version", "updated_at"]
    assessments = (
        Assessment.objects.filter(methodology__year=year)
        .select_related("methodology__index", "unit")
        .order_by("methodology__index__code", "methodology__unit_kind", "unit__code")
    )
    for a in assessments:
        yield [
            a.methodology.index.code,
            a.methodology.unit_kind,
            a.unit.code,
            a.unit.name,
            a.status,
            a.version,
            a.updated_at.isoformat(),
        ]


def _decisions(year):
    yield ["index", "kind", "number", "published_on", "decision_reference", "published_by", "recorded_at"]
    publications = (
        Publication.objects.filter(methodology__year=year)
        .select_related("methodology__index", "published_by")
        .order_by("methodology__index__code", "methodology__unit_kind", "number")
    )
    for p in publications:
        yield [
            p.methodology.index.code,
            p.methodology.unit_kind,
            p.number,
            p.published_on,
            p.decision_reference,
            p.published_by.get_username() if p.published_by_id else "",
            p.published_at.isoformat(),
        ]


def year_files(year, *, when):
    """{name in the zip: text} of the year."""
    methodologies = list(
        Methodology.objects.filter(year=year).select_related("index").order_by("index__code", "unit_kind")
    )
    files = {
        "README.txt": README.format(year=year, when=when),
        "units.csv": _csv(_units(year)),
        "methodologies.csv": _csv(_methodologies(methodologies)),
        "results.csv": _csv(_results(year)),
        "assessments.csv": _csv(_assessments(year)),
        "decisions.csv": _csv(_decisions(year)),
    }
    for m in methodologies:
        stem = f"{m.index.code}-{m.unit_kind}.csv"
        files[f"methodology/{stem}"] = _csv(_criteria(m))
        files[f"scores/{stem}"] = _csv(_scores(m))
    return files


class Command(BaseCommand):
    help = "Write one year's units, methodologies, scores, results, assessments and decisions as a zip of CSV files."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--out", required=True, help="the zip file to write (replaced if it exists)")

    @no_translations
    def handle(self, *args, year, out, **options):
        if not Methodology.objects.filter(year=year).exists() and not Result.objects.filter(year=year).exists():
            raise CommandError(f"nothing to export: no methodology and no result of {year}")
        out = Path(out)
        if not out.parent.is_dir():
            raise CommandError(f"{out.parent} is not a directory")
        # One snapshot of the database for every file, and the zip in place only once complete.
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                # Read committed would let a recompute that commits midway split the files.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            files = year_files(year, when=timezone.localtime().isoformat(timespec="seconds"))
        handle, partial = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, text in files.items():
                    archive.writestr(name, text.encode("utf-8"))
            os.replace(partial, out)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        self.stdout.write(f"{out}: {len(files)} files of {year}")
