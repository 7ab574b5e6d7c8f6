"""The import of scores: final scores (and, in the long form, self scores and notes) of an index's
units for a year (`import_scores`, or the browser's imports pages, whose score template is this
file's wide form). How every indicator import checks and writes: indicators.importers.common."""

import itertools

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditSource
from audit.services import audit_record_many, changed_values, new_batch
from indicators.importers.common import (
    BATCH_SIZE,
    UNIT_NAME_COLUMN,
    FileUnits,
    check_year,
    checked_decimal,
    known_index,
    methodology_label,
    rounded_count,
)
from indicators.models import Aggregation, Assessment, AssessmentStatus, Criterion, Methodology, Score
from indicators.services import results_recompute_request

LONG_SCORE_COLUMNS = ("unit_code", "criterion_code", "score")
LONG_SCORE_OPTIONAL_COLUMNS = ("self_score", "note")
# The row of maxima under the header of a wide score template (imports.services): shown, not read.
MAXIMA_ROW = "#max"
NOT_APPLICABLE = "na"

_WRITE_CHUNK = 5000  # scores compared, written and audited at a time


class _Methodologies:
    """The index's methodologies of the year and their criteria, read in two queries."""

    def __init__(self, index, year):
        self.index, self.year = index, year
        self.by_kind = {m.unit_kind: m for m in Methodology.objects.filter(index=index, year=year)}
        criteria = list(Criterion.objects.filter(methodology__in=list(self.by_kind.values())))
        parent_ids = {criterion.parent_id for criterion in criteria}
        self.exact = {(c.methodology_id, c.code): c for c in criteria}
        # Wide files' headers arrive in lower case; import_methodology refuses codes differing only in case.
        self.folded = {(c.methodology_id, c.code.lower()): c for c in criteria}
        self.leaf_ids = {c.pk for c in criteria if c.pk not in parent_ids}
        # Published scores are frozen: an administrator reopens the assessment before they change.
        published = Assessment.objects.filter(
            methodology__in=list(self.by_kind.values()), status=AssessmentStatus.PUBLISHED
        )
        self.published = set(published.values_list("unit_id", "methodology_id"))
        self.published_scores = (
            {
                (row["assessment__unit_id"], row["criterion_id"]): row
                for row in Score.objects.filter(assessment__in=published).values(
                    "assessment__unit_id", "criterion_id", "final_score", "not_applicable", "self_score", "note"
                )
            }
            if self.published
            else {}
        )

    def frozen(self, table, line, column, unit, methodology, criterion, values):
        """True, after recording why, when the values would change a score of a published assessment.

        The same values again are no change: a filled-in template of a published year imports."""
        if (unit.pk, methodology.pk) not in self.published:
            return False
        stored = self.published_scores.get((unit.pk, criterion.pk))
        if stored is not None and all(stored[field] == value for field, value in values.items()):
            return False
        table.problem(
            line,
            column,
            _(
                "the %(year)d assessment of “%(code)s” is published and its scores are frozen: "
                "an administrator must reopen it first"
            )
            % {"year": self.year, "code": unit.code},
        )
        return True

    def of_unit(self, table, row, unit):
        """The methodology the unit is scored under, or None after recording why there is none."""
        methodology = self.by_kind.get(unit.kind)
        if methodology is None:
            table.problem(
                row.line,
                "unit_code",
                _("%(index)s has no %(year)d methodology for %(kind)s units (“%(code)s”)")
                % {"index": self.index.code, "year": self.year, "kind": unit.kind, "code": unit.code},
            )
        elif methodology.aggregation == Aggregation.PUBLISHED:
            table.problem(
                row.line,
                "unit_code",
                _("%(methodology)s is published, not scored: use import_results")
                % {"methodology": methodology_label(methodology, self.index)},
            )
            methodology = None
        return methodology

    def criterion(self, methodology, code):
        return self.exact.get((methodology.pk, code)) or self.folded.get((methodology.pk, code.lower()))


def scores_import(*, table, index_code, year, user=None, source=AuditSource.IMPORT):
    """Upsert final scores (and, in the long form, self scores and notes) of an index and year.

    Wide form: `unit_code` then one column per criterion code. Long form (a `criterion_code`
    column): `unit_code,criterion_code,score[,self_score,note]`. An empty score is no score; `NA`
    marks the criterion not applicable. Each unit is scored under the methodology of its kind.
    Returns counts (with how many values were rounded to the stored six decimals, when any was).
    """
    index = known_index(table, index_code)
    long_form = "criterion_code" in table.headers
    if long_form:
        table.require_headers(LONG_SCORE_COLUMNS, (*LONG_SCORE_OPTIONAL_COLUMNS, UNIT_NAME_COLUMN))
    else:
        table.require_headers(("unit_code",), (UNIT_NAME_COLUMN,), extra_allowed=lambda header: True)
    table.raise_if_problems()
    check_year(table, year)

    units = FileUnits(table, year)
    methodologies = _Methodologies(index, year)
    if long_form:
        scores, update_fields = _scores_parse_long(table, units, methodologies)
    else:
        scores, update_fields = _scores_parse_wide(table, units, methodologies)
    table.raise_if_problems()

    with transaction.atomic():
        counts = _scores_write(
            index=index, year=year, scores=scores, update_fields=update_fields, user=user, source=source
        )
    return {**counts, **rounded_count(table)}


def _score_value(table, line, column, text, criterion):
    """(ok, final score, not applicable) of a non-empty score cell."""
    if text.lower() == NOT_APPLICABLE:
        return True, None, True
    value = _checked_score(table, line, column, text, criterion)
    return value is not None, value, False


def _checked_score(table, line, column, text, criterion):
    value = checked_decimal(table, line, column, text)
    if value is not None and value > criterion.max_points:
        table.problem(
            line,
            column,
            _("%(value)s is above the maximum of %(max)s for “%(code)s”")
            % {"value": text, "max": _plain(criterion.max_points), "code": criterion.code},
        )
        return None
    return value


def _plain(value):
    """84.600000 → 84.6, 10.000000 → 10."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _leaf_or_problem(table, line, column, criterion, methodologies):
    if criterion.pk in methodologies.leaf_ids:
        return True
    table.problem(
        line,
        column,
        _("“%(code)s” has sub-criteria: scores go on its sub-criteria") % {"code": criterion.code},
    )
    return False


def _scores_parse_wide(table, units, methodologies):
    """{(assessment key, criterion id): values} from a wide file; problems recorded."""
    columns = [header for header in table.headers if header not in ("unit_code", UNIT_NAME_COLUMN)]
    usable_columns = []
    for column in columns:
        found = [c for (_m, code), c in methodologies.folded.items() if code == column]
        if not found:
            table.problem(
                1,
                column,
                _("“%(code)s” is not a criterion of any %(year)d methodology of %(index)s")
                % {
                    "code": table.written.get(column, column),
                    "year": methodologies.year,
                    "index": methodologies.index.code,
                },
            )
        elif not any(c.pk in methodologies.leaf_ids for c in found):
            table.problem(
                1,
                column,
                _("“%(code)s” has sub-criteria: scores go on its sub-criteria")
                % {"code": table.written.get(column, column)},
            )
        else:
            usable_columns.append(column)

    scores, first_line = {}, {}
    for row in table.rows:
        if row.get("unit_code").lower() == MAXIMA_ROW:
            continue
        unit = units.get(table, row)
        if unit is None:
            continue
        if unit.pk in first_line:
            table.problem(row.line, "unit_code", _("duplicate of line %(line)d") % {"line": first_line[unit.pk]})
            continue
        first_line[unit.pk] = row.line
        methodology = methodologies.of_unit(table, row, unit)
        if methodology is None:
            continue
        for column in usable_columns:
            text = row.get(column)
            if not text:
                continue
            criterion = methodologies.folded.get((methodology.pk, column))
            if criterion is None:
                table.problem(
                    row.line,
                    column,
                    _("“%(code)s” is not a criterion of %(methodology)s")
                    % {
                        "code": table.written.get(column, column),
                        "methodology": methodology_label(methodology, methodologies.index),
                    },
                )
                continue
            if not _leaf_or_problem(table, row.line, column, criterion, methodologies):
                continue
            ok, final_score, not_applicable = _score_value(table, row.line, column, text, criterion)
            values = {"final_score": final_score, "not_applicable": not_applicable}
            if ok and not methodologies.frozen(table, row.line, column, unit, methodology, criterion, values):
                scores[(unit.pk, methodology.pk, criterion.pk)] = values
    return scores, ["final_score", "not_applicable"]


def _scores_parse_long(table, units, methodologies):
    has_self_score = "self_score" in table.headers
    has_note = "note" in table.headers
    scores, first_line = {}, {}
    for row in table.rows:
        unit = units.get(table, row)
        methodology = methodologies.of_unit(table, row, unit) if unit else None
        code = row.get("criterion_code")
        criterion = None
        if not code:
            table.problem(row.line, "criterion_code", _("the criterion code is empty"))
        elif methodology is not None:
            criterion = methodologies.criterion(methodology, code)
            if criterion is None:
                table.problem(
                    row.line,
                    "criterion_code",
                    _("“%(code)s” is not a criterion of %(methodology)s")
                    % {"code": code, "methodology": methodology_label(methodology, methodologies.index)},
                )
            elif not _leaf_or_problem(table, row.line, "criterion_code", criterion, methodologies):
                criterion = None
        if criterion is None:
            continue
        key = (unit.pk, methodology.pk, criterion.pk)
        if key in first_line:
            table.problem(row.line, "criterion_code", _("duplicate of line %(line)d") % {"line": first_line[key]})
            continue
        first_line[key] = row.line

        text, self_text, note = row.get("score"), row.get("self_score"), row.get("note")
        if not (text or self_text or note):
            continue  # nothing to record for this criterion
        ok, final_score, not_applicable = True, None, False
        if text:
            ok, final_score, not_applicable = _score_value(table, row.line, "score", text, criterion)
        values = {"final_score": final_score, "not_applicable": not_applicable}
        if has_self_score:
            values["self_score"] = None
            if self_text:
                values["self_score"] = _checked_score(table, row.line, "self_score", self_text, criterion)
            ok = ok and (values["self_score"] is not None or not self_text)
        if has_note:
            values["note"] = note
        frozen_column = "score" if text else "self_score" if self_text else "note"
        if ok and not methodologies.frozen(table, row.line, frozen_column, unit, methodology, criterion, values):
            scores[key] = values
    update_fields = ["final_score", "not_applicable"]
    update_fields += ["self_score"] if has_self_score else []
    update_fields += ["note"] if has_note else []
    return scores, update_fields


def _scores_write(*, index, year, scores, update_fields, user, source):
    in_year = {"methodology__index": index, "methodology__year": year}
    assessments = {(a.unit_id, a.methodology_id): a.pk for a in Assessment.objects.filter(**in_year)}
    wanted = {(unit_id, methodology_id) for unit_id, methodology_id, _c in scores}
    missing = [
        Assessment(unit_id=unit_id, methodology_id=methodology_id)
        for unit_id, methodology_id in sorted(wanted - set(assessments))
    ]
    Assessment.objects.bulk_create(missing, batch_size=BATCH_SIZE, ignore_conflicts=True)
    if missing:
        assessments = {(a.unit_id, a.methodology_id): a.pk for a in Assessment.objects.filter(**in_year)}

    changed = 0
    batch = new_batch()
    items = iter(scores.items())
    # A chunk at a time, inside the caller's transaction (all or nothing still): the stored values,
    # model instances and audit entries of a whole year's scores at once took most of an
    # import's memory (bench/README.md).
    while chunk := list(itertools.islice(items, _WRITE_CHUNK)):
        changed += _scores_write_chunk(
            chunk, assessments=assessments, update_fields=update_fields, user=user, source=source, batch=batch
        )
    if changed or missing:
        results_recompute_request(index_id=index.pk, year=year)
    return {"scores": len(scores), "changed": changed, "assessments created": len(missing)}


def _scores_write_chunk(chunk, *, assessments, update_fields, user, source, batch):
    """Upsert and audit the scores of `chunk` that differ from the stored ones; returns how many."""
    assessment_ids = {assessments[(unit_id, methodology_id)] for (unit_id, methodology_id, _c), _v in chunk}
    stored = {
        (row[0], row[1]): row[2:]
        for row in Score.objects.filter(assessment_id__in=assessment_ids).values_list(
            "assessment_id", "criterion_id", *update_fields
        )
    }
    writes, audits = [], []
    for (unit_id, methodology_id, criterion_id), values in chunk:
        assessment_id = assessments[(unit_id, methodology_id)]
        old = stored.get((assessment_id, criterion_id))
        if old == tuple(values[field] for field in update_fields):
            continue
        writes.append(Score(assessment_id=assessment_id, criterion_id=criterion_id, **values))
        audits.append(
            {
                "action": "score.import",
                "user": user,
                "unit": unit_id,
                "criterion": criterion_id,
                "batch": batch,
                "source": source,
                "changes": changed_values(old and dict(zip(update_fields, old, strict=False)), values, update_fields),
            }
        )
    Score.objects.bulk_create(
        writes,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["assessment", "criterion"],
        update_fields=[*update_fields, "updated_at"],
    )
    # After the upsert, which gives each score its id (PostgreSQL and SQLite return it).
    audit_record_many({**entry, "obj": score} for score, entry in zip(writes, audits, strict=True))
    return len(writes)
