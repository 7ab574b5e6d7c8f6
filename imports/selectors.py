"""Reads of browser imports: the runs a user may see (who may import: units.access, Action.IMPORT),
a run's progress, and the score template of a methodology."""

import io

from django.core.cache import cache
from django.http import Http404
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from redis.exceptions import RedisError

from imports.models import ImportRun, ImportStatus
from indicators.importers.scores import MAXIMA_ROW, NOT_APPLICABLE, UNIT_NAME_COLUMN
from indicators.models import Score
from indicators.selectors import criteria_in_tree_order
from reformdash.lib.export import safe_cell
from units.access import Action, may
from units.selectors import units_valid_in


def import_run_visible_or_404(*, user, run_id):
    """The run, for its uploader, appraisers and administrators; a 404 for anyone else."""
    run = ImportRun.objects.select_related("index", "user", "job").filter(pk=run_id).first()
    if run is None or not user.is_authenticated or not (may(user, Action.IMPORT) or run.user_id == user.pk):
        raise Http404("No such import.")
    return run


def import_runs_recent(*, user, limit=20):
    """The latest runs, newest first: everyone's for those who may import (they are few and shared)."""
    if not may(user, Action.IMPORT):
        return ImportRun.objects.none()
    return ImportRun.objects.select_related("index", "user").order_by("-created_at", "-id")[:limit]


def check_progress_key(run_id):
    return f"imports:check-progress:{run_id}"


def check_progress_cached(run_id):
    """How far a check's dry run has gone, from the cache: it writes there, not to the database,
    whose transaction it rolls back (imports.services)."""
    try:
        return cache.get(check_progress_key(run_id), 0)
    except (RedisError, OSError):
        return 0


def import_run_progress(*, run):
    """What the progress endpoint returns: status, phase, work done of the total, finished or not,
    and whether a job is still working on it (checking or writing: the page keeps polling)."""
    done = run.progress_done
    if run.status == ImportStatus.CHECKING:
        # The check's dry run reports through the cache: its database writes are rolled back.
        done = min(max(done, check_progress_cached(run.pk)), run.progress_total)
    return {
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "phase": run.phase,
        "phase_label": str(run.get_phase_display()),
        "done": done,
        "total": run.progress_total,
        "finished": run.finished,
        "in_progress": run.in_progress,
    }


# --- the score template ------------------------------------------------------------------------


def template_leaf_criteria(*, methodology):
    """The criteria scores go on (those without sub-criteria), in the methodology's tree order."""
    criteria = criteria_in_tree_order(methodology=methodology)
    parents = {criterion.parent_id for criterion in criteria}
    return [criterion for criterion in criteria if criterion.pk not in parents]


def template_units(*, methodology):
    """The units of the methodology's kind that existed in its year, by code."""
    return units_valid_in(year=methodology.year).filter(kind=methodology.unit_kind).order_by("code")


def template_scores(*, methodology):
    """{(unit id, criterion id): the final score, or "NA"} of the scores already stored."""
    scores = {}
    rows = Score.objects.filter(assessment__methodology=methodology).values_list(
        "assessment__unit_id", "criterion_id", "final_score", "not_applicable"
    )
    for unit_id, criterion_id, final_score, not_applicable in rows:
        if not_applicable:
            scores[(unit_id, criterion_id)] = NOT_APPLICABLE.upper()
        elif final_score is not None:
            scores[(unit_id, criterion_id)] = _number(final_score)
    return scores


def score_template_xlsx(*, methodology):
    """An XLSX to fill in and import back unchanged: units as rows, leaf criteria as columns.

    Line 1 is the header (unit_code, unit_name, criterion codes, each with its title and maximum as
    a comment), line 2 the maxima (its unit_code "#max" tells the importer to skip it), then one
    line per unit with its stored scores. A second sheet lists the criteria."""
    criteria = template_leaf_criteria(methodology=methodology)
    scores = template_scores(methodology=methodology)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Scores")[:31]
    bold = Font(bold=True)
    sheet.append(["unit_code", UNIT_NAME_COLUMN, *(criterion.code for criterion in criteria)])
    for column, criterion in enumerate(criteria, start=3):
        cell = sheet.cell(row=1, column=column)
        cell.comment = Comment(
            _("%(title)s — at most %(max)s points") % {"title": criterion.title, "max": _plain(criterion.max_points)},
            "reformdash",
        )
    sheet.append(
        [MAXIMA_ROW, _("Maximum points (not imported)"), *(_number(criterion.max_points) for criterion in criteria)]
    )
    for cell in (*sheet[1], *sheet[2]):
        cell.font = bold
    for unit in template_units(methodology=methodology):
        sheet.append([unit.code, safe_cell(unit.name), *(scores.get((unit.pk, c.pk)) for c in criteria)])
    sheet.freeze_panes = "C3"
    sheet.column_dimensions["B"].width = 36

    listing = workbook.create_sheet(_("Criteria")[:31])
    listing.append(["code", "title", "max_points"])
    for criterion in criteria_in_tree_order(methodology=methodology):
        listing.append(
            [criterion.code, safe_cell("  " * criterion.depth + criterion.title), _number(criterion.max_points)]
        )
    for each in (sheet, listing):
        _codes_as_text(each)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _codes_as_text(sheet):
    """openpyxl stores any text starting with "=" as a formula. Names went through safe_cell; codes
    must import back exactly as typed, so they stay as they are, as text cells that no spreadsheet runs."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _number(value):
    """A stored decimal as the spreadsheet number it is: 10, 7.123456 (read back exactly by read_table)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _plain(value):
    """10.000000 → 10, 6.500000 → 6.5."""
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
