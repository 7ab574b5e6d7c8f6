"""The import of scores: final scores (and, in the long form, self scores and notes) of an index's
units for a year (`import_scores`, or the browser's imports pages, whose score template is this
file's wide form). How every indicator import checks and writes: indicators.importers.common."""

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditSource
from audit.services import audit_changes_sql, audit_record_select, new_batch
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
from reformdash.lib.bulk import rows_insert

LONG_SCORE_COLUMNS = ("unit_code", "criterion_code", "score")
LONG_SCORE_OPTIONAL_COLUMNS = ("self_score", "note")
# The row of maxima under the header of a wide score template (imports.services): shown, not read.
MAXIMA_ROW = "#max"
NOT_APPLICABLE = "na"


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

    _staging_prepare()
    rows_insert(
        _STAGING_TABLE,
        _STAGED,
        (
            (
                position,
                assessments[(unit_id, methodology_id)],
                unit_id,
                criterion_id,
                values.get("final_score"),
                values.get("not_applicable", False),
                values.get("self_score"),
                values.get("note", ""),
                _text(values.get("final_score")),
                _text(values.get("self_score")),
            )
            for position, ((unit_id, methodology_id, criterion_id), values) in enumerate(scores.items())
        ),
        nullable=_STAGED_NULLABLE,
    )
    changed = _staged_scores_write(update_fields=update_fields, user=user, source=source)
    if changed or missing:
        results_recompute_request(index_id=index.pk, year=year)
    return {"scores": len(scores), "changed": changed, "assessments created": len(missing)}


# The scores to write go through a temporary staging table (COPY on PostgreSQL, executemany on
# SQLite: reformdash.lib.bulk); which differ from the stored ones, their upsert and their audit
# entries are then three statements, whatever the file's length. Model instances, bulk_create's
# statements and one audit entry object per score were most of an import's time.
_STAGING_TABLE = "score_staging"
_STAGED = (
    "position",
    "assessment_id",
    "unit_id",
    "criterion_id",
    "final_score",
    "not_applicable",
    "self_score",
    "note",
    "final_score_text",
    "self_score_text",
)
_STAGED_NULLABLE = ("final_score", "self_score", "final_score_text", "self_score_text")
# What each updatable field is, for its audit record (audit.services.audit_changes_sql).
_KINDS = {"final_score": "decimal", "self_score": "decimal", "not_applicable": "boolean", "note": "text"}


def _text(value):
    return None if value is None else str(value)


def _staging_prepare():
    decimal = Score._meta.get_field("final_score").db_type(connection)
    boolean = Score._meta.get_field("not_applicable").db_type(connection)
    note = Score._meta.get_field("note").db_type(connection)
    columns = (
        "position integer PRIMARY KEY, assessment_id bigint NOT NULL, unit_id bigint NOT NULL, "
        f"criterion_id bigint NOT NULL, final_score {decimal}, not_applicable {boolean} NOT NULL, "
        f"self_score {decimal}, note {note} NOT NULL, final_score_text varchar(64), self_score_text varchar(64), "
        # The stored score, when there is one, and whether the file changes it.
        f"score_id bigint, old_final_score {decimal}, old_not_applicable {boolean}, old_self_score {decimal}, "
        f"old_note {note}, changed {boolean} NOT NULL DEFAULT {'true' if connection.vendor == 'postgresql' else '1'}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING_TABLE} ({columns})")
        cursor.execute(f"DELETE FROM {_STAGING_TABLE}")


def _staged_scores_write(*, update_fields, user, source):
    """Upsert the staged scores that differ from the stored ones in update_fields, and audit each
    of them with its old and new values; returns how many."""
    postgres = connection.vendor == "postgresql"
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    scores = connection.ops.quote_name(Score._meta.db_table)
    staging = _STAGING_TABLE
    match = "d.assessment_id = s.assessment_id AND d.criterion_id = s.criterion_id"
    differs = " OR ".join(f"d.{name} {distinct} s.{name}" for name in update_fields)
    true, false = ("true", "false") if postgres else ("1", "0")
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(f"ANALYZE {staging}")
        cursor.execute(
            f"UPDATE {staging} AS s SET score_id = d.id, old_final_score = d.final_score, "
            "old_not_applicable = d.not_applicable, old_self_score = d.self_score, old_note = d.note, "
            f"changed = CASE WHEN {differs} THEN {true} ELSE {false} END FROM {scores} AS d WHERE {match}"
        )
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*update_fields, "updated_at"))
        cursor.execute(
            f"INSERT INTO {scores} (assessment_id, criterion_id, final_score, not_applicable, self_score, note, "
            "appraisal_reason, changed_in_version, updated_at) "
            f"SELECT assessment_id, criterion_id, final_score, not_applicable, self_score, note, '', 0, %s "
            f"FROM {staging} WHERE changed ORDER BY position "
            f"ON CONFLICT (assessment_id, criterion_id) DO UPDATE SET {updates}",
            [connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        changed = cursor.rowcount
    if not changed:
        return 0
    changes = audit_changes_sql(
        [(name, f"s.old_{name}", f"s.{name}", _KINDS[name], f"s.{name}_text") for name in update_fields]
    )
    audit_record_select(
        action="score.import",
        rows_sql=(
            f"SELECT s.position, CAST(d.id AS varchar(64)) AS object_id, s.unit_id, s.criterion_id, "
            f"{changes} AS changes FROM {staging} s JOIN {scores} d ON {match} WHERE s.changed"
        ),
        user=user,
        object_label=Score._meta.label,
        batch=new_batch(),
        source=source,
    )
    return changed
