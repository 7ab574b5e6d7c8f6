"""The import of scores: final scores (and, in the long form, self scores and notes) of an index's
units for a year (`import_scores`, or the browser's imports pages, whose score template is this
file's wide form). How every indicator import checks and writes: indicators.importers.common."""

import itertools

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
        if (unit.id, methodology.id) not in self.published:
            return False
        stored = self.published_scores.get((unit.id, criterion.id))
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
        return self.exact.get((methodology.id, code)) or self.folded.get((methodology.id, code.lower()))


def scores_import(*, table, index_code, year, user=None, source=AuditSource.IMPORT):
    """Upsert final scores (and, in the long form, self scores and notes) of an index and year.

    Wide form: `unit_code` then one column per criterion code. Long form (a `criterion_code`
    column): `unit_code,criterion_code,score[,self_score,note]`. An empty score is no score; `NA`
    marks the criterion not applicable. Each unit is scored under the methodology of its kind.
    Returns counts (with how many values were rounded to the stored six decimals, when any was).

    The rows are read once, in batches (a streamed table, reformdash.lib.tabular.open_table, holds
    one batch at a time): each is checked and staged with its line; what needs the whole file (a
    long file's repeated (unit, criterion)) is then asked of the staging table. Nothing is written
    unless no row has a problem.
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
    _staging_prepare()
    staged = _Staged()
    if long_form:
        update_fields = _scores_parse_long(table, units, methodologies, staged)
    else:
        update_fields = _scores_parse_wide(table, units, methodologies, staged)
    staged.flush()
    if long_form:
        _staged_problems_report(table, any_problem=bool(staged.problem_position))
    table.raise_if_problems()

    with transaction.atomic():
        counts = _scores_write(index=index, year=year, update_fields=update_fields, user=user, source=source)
    return {**counts, **rounded_count(table)}


def _batches(rows):
    rows = iter(rows)
    while batch := list(itertools.islice(rows, STAGING_BATCH)):
        yield batch


class _Staged:
    """The checked rows on their way into the staging table, a batch at a time."""

    def __init__(self):
        self.rows, self.problems, self.position, self.problem_position = [], [], 0, 0

    def add(self, line, key, values=None):
        """Stage a row whose (unit, methodology, criterion) is known; values None: not to be written."""
        self.position += 1
        unit_id, methodology_id, criterion_id = key
        values = values or {}
        self.rows.append(
            (
                self.position,
                line,
                unit_id,
                methodology_id,
                criterion_id,
                bool(values),
                values.get("final_score"),
                values.get("not_applicable", False),
                values.get("self_score"),
                # A NUL is already the file's problem (nothing is written): PostgreSQL's COPY cannot take it.
                values.get("note", "").replace("\x00", ""),
                _text(values.get("final_score")),
                _text(values.get("self_score")),
            )
        )
        if len(self.rows) >= STAGING_BATCH:
            self.flush()

    def flush(self):
        if self.rows:
            rows_insert(_STAGING_TABLE, _STAGED, self.rows, nullable=_STAGED_NULLABLE)
            self.rows = []
        if self.problems:
            rows_insert(_PROBLEMS_TABLE, _PROBLEM_COLUMNS, self.problems)
            self.problems = []


class _RowProblems:
    """Where the checks of a long file's row record its problems once its (unit, criterion) is known:
    they are staged, and reported only if no earlier line has the same (unit, criterion) — a repeated
    line is told so, not what else is wrong with it, as when the lines before it were in memory."""

    def __init__(self, table, staged):
        self.staged = staged
        self.rounded = table.rounded

    def problem(self, line, column, reason):
        self.staged.problem_position += 1
        self.staged.problems.append((line, self.staged.problem_position, column, reason))


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
    if criterion.id in methodologies.leaf_ids:
        return True
    table.problem(
        line,
        column,
        _("“%(code)s” has sub-criteria: scores go on its sub-criteria") % {"code": criterion.code},
    )
    return False


def _scores_parse_wide(table, units, methodologies, staged):
    """Stage the scores of a wide file (its update fields returned); problems recorded. A unit
    appears once in a wide file: its first line is kept in memory, one entry per unit."""
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

    first_line = {}
    for row in _rows(table, units):
        if row.get("unit_code").lower() == MAXIMA_ROW:
            continue
        unit = units.get(table, row)
        if unit is None:
            continue
        if unit.id in first_line:
            table.problem(row.line, "unit_code", _("duplicate of line %(line)d") % {"line": first_line[unit.id]})
            continue
        first_line[unit.id] = row.line
        methodology = methodologies.of_unit(table, row, unit)
        if methodology is None:
            continue
        for column in usable_columns:
            text = row.get(column)
            if not text:
                continue
            criterion = methodologies.folded.get((methodology.id, column))
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
                staged.add(row.line, (unit.id, methodology.id, criterion.id), values)
    return ["final_score", "not_applicable"]


def _rows(table, units):
    """The table's rows, each batch's unit codes looked up before its rows are checked."""
    for batch in _batches(table.rows):
        units.prefetch(batch)
        yield from batch


def _scores_parse_long(table, units, methodologies, staged):
    """Stage every row of a long file whose (unit, criterion) is known, with its line (repeated ones
    are found in the staging table: _staged_problems_report), and the problems of its values."""
    has_self_score = "self_score" in table.headers
    has_note = "note" in table.headers
    for row in _rows(table, units):
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
        # Ids as .id, here and in the checks each row goes through: .pk is a property that looks the
        # primary key's name up, eight times a row (0.3 s of 100,000 rows under a profiler).
        key = (unit.id, methodology.id, criterion.id)
        text, self_text, note = row.get("score"), row.get("self_score"), row.get("note")
        if not (text or self_text or note):
            staged.add(row.line, key)  # nothing to record for this criterion, but its line counts
            continue
        problems = _RowProblems(table, staged)
        ok, final_score, not_applicable = True, None, False
        if text:
            ok, final_score, not_applicable = _score_value(problems, row.line, "score", text, criterion)
        values = {"final_score": final_score, "not_applicable": not_applicable}
        if has_self_score:
            values["self_score"] = None
            if self_text:
                values["self_score"] = _checked_score(problems, row.line, "self_score", self_text, criterion)
            ok = ok and (values["self_score"] is not None or not self_text)
        if has_note:
            values["note"] = note
        frozen_column = "score" if text else "self_score" if self_text else "note"
        if ok and methodologies.frozen(problems, row.line, frozen_column, unit, methodology, criterion, values):
            ok = False
        staged.add(row.line, key, values if ok else None)
    update_fields = ["final_score", "not_applicable"]
    update_fields += ["self_score"] if has_self_score else []
    update_fields += ["note"] if has_note else []
    return update_fields


def _staged_problems_report(table, *, any_problem):
    """Record the problems only the staging table can tell: each line repeating the (unit,
    criterion) of an earlier line ("duplicate of line N"), and the problems of the other staged
    lines' values, in the order of the file."""
    staging, problems = _STAGING_TABLE, _PROBLEMS_TABLE
    repeated = (
        f"SELECT line, MIN(line) OVER (PARTITION BY unit_id, methodology_id, criterion_id) AS first FROM {staging}"
    )
    with connection.cursor() as cursor:
        if any_problem:
            cursor.execute(
                f"SELECT p.line, p.column_name, p.reason FROM {problems} p "
                f"WHERE p.line NOT IN (SELECT line FROM ({repeated}) x WHERE line > first) ORDER BY p.line, p.seq"
            )
            for line, column, reason in _fetched(cursor):
                table.problem(line, column, reason)
        cursor.execute(f"SELECT line, first FROM ({repeated}) x WHERE line > first ORDER BY line")
        for line, first in _fetched(cursor):
            table.problem(line, "criterion_code", _("duplicate of line %(line)d") % {"line": first})


def _fetched(cursor):
    while rows := cursor.fetchmany(STAGING_BATCH):
        yield from rows


def _scores_write(*, index, year, update_fields, user, source):
    in_year = {"methodology__index": index, "methodology__year": year}
    assessments = Assessment.objects.filter(**in_year)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_STAGING_TABLE} WHERE NOT write")
        cursor.execute(f"SELECT COUNT(*) FROM {_STAGING_TABLE}")
        (scores,) = cursor.fetchone()
        # One (unit, methodology) per assessment: as many as the year's units, whatever the file's length.
        cursor.execute(f"SELECT DISTINCT unit_id, methodology_id FROM {_STAGING_TABLE}")
        wanted = set(cursor.fetchall())
    existing = set(assessments.values_list("unit_id", "methodology_id"))
    missing = [
        Assessment(unit_id=unit_id, methodology_id=methodology_id)
        for unit_id, methodology_id in sorted(wanted - existing)
    ]
    Assessment.objects.bulk_create(missing, batch_size=BATCH_SIZE, ignore_conflicts=True)
    write = _staged_scores_write_postgres if connection.vendor == "postgresql" else _staged_scores_write
    changed = write(update_fields=update_fields, user=user, source=source)
    if changed or missing:
        results_recompute_request(index_id=index.pk, year=year)
    return {"scores": scores, "changed": changed, "assessments created": len(missing)}


# The scores to write go through a temporary staging table (COPY on PostgreSQL, executemany on
# SQLite: reformdash.lib.bulk); which differ from the stored ones, their upsert and their audit
# entries are then three statements, whatever the file's length. Model instances, bulk_create's
# statements and one audit entry object per score were most of an import's time.
_STAGING_TABLE = "score_staging"
# The problems of staged long-file lines, reported unless the line repeats an earlier one.
_PROBLEMS_TABLE = "score_staging_problem"
_PROBLEM_COLUMNS = ("line", "seq", "column_name", "reason")
STAGING_BATCH = 5000
_STAGED = (
    "position",
    "line",
    "unit_id",
    "methodology_id",
    "criterion_id",
    "write",
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
        "position integer PRIMARY KEY, line integer NOT NULL, assessment_id bigint, unit_id bigint NOT NULL, "
        f"methodology_id bigint NOT NULL, criterion_id bigint NOT NULL, write {boolean} NOT NULL, final_score {decimal}, not_applicable {boolean} NOT NULL, "
        f"self_score {decimal}, note {note} NOT NULL, final_score_text varchar(64), self_score_text varchar(64), "
        # The stored score, when there is one, and whether the file changes it.
        f"score_id bigint, old_final_score {decimal}, old_not_applicable {boolean}, old_self_score {decimal}, "
        f"old_note {note}, changed {boolean} NOT NULL DEFAULT {'true' if connection.vendor == 'postgresql' else '1'}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING_TABLE} ({columns})")
        cursor.execute(f"DELETE FROM {_STAGING_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PROBLEMS_TABLE} "
            "(line integer NOT NULL, seq integer NOT NULL, column_name varchar(255) NOT NULL, reason text NOT NULL)"
        )
        cursor.execute(f"DELETE FROM {_PROBLEMS_TABLE}")


def _scores_upsert_sql(*, source, update_fields):
    """The upsert of the scores in `source` (a table or CTE of assessment_id, criterion_id, the values
    and position), in the order of position; one %s: the time written."""
    scores = connection.ops.quote_name(Score._meta.db_table)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*update_fields, "updated_at"))
    return (
        f"INSERT INTO {scores} (assessment_id, criterion_id, final_score, not_applicable, self_score, note, "
        "appraisal_reason, changed_in_version, updated_at) "
        f"SELECT assessment_id, criterion_id, final_score, not_applicable, self_score, note, '', 0, %s "
        f"FROM {source} ORDER BY position "
        f"ON CONFLICT (assessment_id, criterion_id) DO UPDATE SET {updates}"
    )


def _scores_audit_changes(update_fields):
    """The audit entry's changes of a row `s` holding each field's new value and its old one (old_…)."""
    return audit_changes_sql(
        [(name, f"s.old_{name}", f"s.{name}", _KINDS[name], f"s.{name}_text") for name in update_fields]
    )


def _staged_scores_write_postgres(*, update_fields, user, source):
    """_staged_scores_write in one statement: the staged rows with their assessment and stored score,
    those that differ upserted (RETURNING their ids) and audited, with no rewrite of the staging table
    between (two updates of every staged row were a fifth of the import's PostgreSQL time). Every part
    of the statement reads the scores as they were before it, so `old_…` are the values replaced."""
    scores = connection.ops.quote_name(Score._meta.db_table)
    assessments = connection.ops.quote_name(Assessment._meta.db_table)
    staging = _STAGING_TABLE
    differs = " OR ".join(f"d.{name} IS DISTINCT FROM s.{name}" for name in update_fields)
    olds = ", ".join(f"d.{name} AS old_{name}" for name in _KINDS)
    with connection.cursor() as cursor:
        # The row count and the joined keys: every column's statistics took five times as long.
        cursor.execute(f"ANALYZE {staging} (unit_id, methodology_id, criterion_id)")
    with_sql = (
        "WITH compared AS MATERIALIZED ("
        f"SELECT s.position, a.id AS assessment_id, s.unit_id, s.criterion_id, s.final_score, s.not_applicable, "
        f"s.self_score, s.note, s.final_score_text, s.self_score_text, {olds} "
        f"FROM {staging} s JOIN {assessments} a ON a.unit_id = s.unit_id AND a.methodology_id = s.methodology_id "
        f"LEFT JOIN {scores} d ON d.assessment_id = a.id AND d.criterion_id = s.criterion_id "
        f"WHERE d.id IS NULL OR {differs}), "
        f"written AS ({_scores_upsert_sql(source='compared', update_fields=update_fields)} "
        "RETURNING id, assessment_id, criterion_id)"
    )
    return audit_record_select(
        action="score.import",
        with_sql=with_sql,
        with_params=[connection.ops.adapt_datetimefield_value(timezone.now())],
        rows_sql=(
            "SELECT s.position, CAST(w.id AS varchar(64)) AS object_id, s.unit_id, s.criterion_id, "
            f"{_scores_audit_changes(update_fields)} AS changes "
            "FROM compared s JOIN written w ON w.assessment_id = s.assessment_id AND w.criterion_id = s.criterion_id"
        ),
        user=user,
        object_label=Score._meta.label,
        batch=new_batch(),
        source=source,
    )


def _staged_scores_write(*, update_fields, user, source):
    """Upsert the staged scores that differ from the stored ones in update_fields, and audit each
    of them with its old and new values; returns how many. SQLite's way, statement by statement
    (it has no INSERT inside a WITH)."""
    scores = connection.ops.quote_name(Score._meta.db_table)
    assessments = connection.ops.quote_name(Assessment._meta.db_table)
    staging = _STAGING_TABLE
    match = "d.assessment_id = s.assessment_id AND d.criterion_id = s.criterion_id"
    differs = " OR ".join(f"d.{name} IS NOT s.{name}" for name in update_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {staging} AS s SET assessment_id = a.id FROM {assessments} AS a "
            "WHERE a.unit_id = s.unit_id AND a.methodology_id = s.methodology_id"
        )
        cursor.execute(
            f"UPDATE {staging} AS s SET score_id = d.id, old_final_score = d.final_score, "
            "old_not_applicable = d.not_applicable, old_self_score = d.self_score, old_note = d.note, "
            f"changed = CASE WHEN {differs} THEN 1 ELSE 0 END FROM {scores} AS d WHERE {match}"
        )
        cursor.execute(
            _scores_upsert_sql(source=f"{staging} WHERE changed", update_fields=update_fields),
            [connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        changed = cursor.rowcount
    if not changed:
        return 0
    changes = _scores_audit_changes(update_fields)
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
