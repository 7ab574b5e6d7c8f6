"""Imports of indicators: a methodology's criteria tree, units' scores, published results.

Each import works like `units_import`: check every row of the whole file, collecting each
problem with its line, column and reason, then write everything in one transaction or nothing
(ImportRejected). Writes are bulk (no query per row), rows whose stored values are already those
of the file are left alone (re-importing a file changes nothing), and each (index, year) touched
gets one recompute request inside the transaction, however many rows the file has.
"""

import itertools
import re
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditSource
from audit.services import audit_record, audit_record_many, changed_values, new_batch
from indicators.models import (
    YEAR_RANGE_Q,
    Aggregation,
    Assessment,
    AssessmentStatus,
    Criterion,
    CriterionKind,
    Direction,
    Index,
    Methodology,
    Result,
    ResultSource,
    Score,
)
from indicators.services import results_recompute_request
from reformdash.lib.fields import DECIMAL_PLACES, MAX_DIGITS
from reformdash.lib.tabular import (
    ImportRejected,
    Problem,
    decimal_problem,
    parse_decimal,
)
from units.models import Unit, UnitKind
from units.selectors import units_valid_in

CRITERION_COLUMNS = ("code", "parent_code", "title", "max_points", "weight")
CRITERION_OPTIONAL_COLUMNS = ("kind", "title_en")
LONG_SCORE_COLUMNS = ("unit_code", "criterion_code", "score")
LONG_SCORE_OPTIONAL_COLUMNS = ("self_score", "note")
RESULT_COLUMNS = ("unit_code", "value")
RESULT_OPTIONAL_COLUMNS = ("rank", "group_size")
# A column people keep beside the code so the sheet is readable; it is not read.
UNIT_NAME_COLUMN = "unit_name"
# The row of maxima under the header of a wide score template (imports.services): shown, not read.
MAXIMA_ROW = "#max"
NOT_APPLICABLE = "na"

# What a precise_decimal column can hold: 15 digits, 6 of them after the point.
_DECIMAL_LIMIT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)
_POSITIVE_INTEGER_LIMIT = 2147483647
_CODE_MAX_LENGTH = 32
_TITLE_MAX_LENGTH = 500
_NAME_MAX_LENGTH = 255
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_YEAR_MIN, _YEAR_MAX = dict(YEAR_RANGE_Q.children)["year__gte"], dict(YEAR_RANGE_Q.children)["year__lte"]
_BATCH_SIZE = 1000
_WRITE_CHUNK = 5000  # scores compared, written and audited at a time


# --- shared checks ---------------------------------------------------------------------------


def _decimal(table, line, column, text, *, negative_allowed=False):
    """The decimal in a non-empty cell, or None after recording why it cannot be stored as is."""
    value, reason = decimal_problem(text, places=DECIMAL_PLACES)
    if reason:
        table.problem(line, column, reason)
        return None
    if value < 0 and not negative_allowed:
        table.problem(line, column, _("“%(text)s” is negative") % {"text": text})
        return None
    if abs(value) >= _DECIMAL_LIMIT:
        table.problem(line, column, _("“%(text)s” is too large to store") % {"text": text})
        return None
    return value


def _whole_number(table, line, column, text):
    """A whole number ≥ 1 from a non-empty cell, or None after recording why not."""
    value = parse_decimal(text)
    if value is None or value != value.to_integral_value() or not 1 <= value <= _POSITIVE_INTEGER_LIMIT:
        table.problem(line, column, _("“%(text)s” is not a whole number of at least 1") % {"text": text})
        return None
    return int(value)


def _check_year(table, year):
    if not _YEAR_MIN <= year <= _YEAR_MAX:
        table.problem(
            1,
            "",
            _("the year %(year)d is not between %(min)d and %(max)d")
            % {"year": year, "min": _YEAR_MIN, "max": _YEAR_MAX},
        )


def _known_index(table, index_code):
    """The index, or ImportRejected with one problem: every other check needs it."""
    table.raise_if_problems()
    index = Index.objects.filter(code=index_code).first()
    if index is None:
        raise ImportRejected([Problem(1, "", _("unknown index “%(code)s”") % {"code": index_code})])
    return index


def _number_text(count):
    return f"{count:,}"


class _Units:
    """The units a file names, read in two queries, and the check every row of it goes through."""

    def __init__(self, table, year):
        codes = {row.get("unit_code") for row in table.rows} - {""}
        self.year = year
        self.by_code = Unit.objects.in_bulk(list(codes), field_name="code")
        # Every unit of the year rather than `code__in` the file's codes: no IN list of thousands.
        self.valid_ids = set(units_valid_in(year=year).values_list("pk", flat=True))

    def get(self, table, row):
        """The row's unit, or None after recording why it cannot be used in this year."""
        code = row.get("unit_code")
        if not code:
            table.problem(row.line, "unit_code", _("the unit code is empty"))
            return None
        unit = self.by_code.get(code)
        if unit is None:
            table.problem(row.line, "unit_code", _("unknown unit “%(code)s”") % {"code": code})
            return None
        if unit.pk not in self.valid_ids:
            table.problem(
                row.line,
                "unit_code",
                _("the unit “%(code)s” did not exist in %(year)d (valid %(start)s – %(end)s)")
                % {"code": code, "year": self.year, "start": unit.valid_from or "…", "end": unit.valid_to or "…"},
            )
            return None
        return unit


def _methodology_label(methodology, index):
    return _("the %(year)d %(kind)s methodology of %(index)s") % {
        "year": methodology.year,
        "kind": methodology.unit_kind,
        "index": index.code,
    }


# --- methodology -----------------------------------------------------------------------------

_CRITERION_FIELDS = ("title", "title_en", "max_points", "weight", "kind", "position")


def methodology_import(
    *, table, index_code, year, unit_kind, aggregation, direction=None, name=None, user=None, source=AuditSource.IMPORT
):
    """Create or replace the criteria tree of Methodology(index, year, unit_kind) from a Table of
    `code,parent_code,title,max_points,weight[,kind,title_en]`; the index is created if missing.

    A tree that scores already use is never replaced (ImportRejected says how many); the same
    tree again only updates the aggregation. Returns counts.
    """
    if unit_kind not in UnitKind.values:
        raise ValueError(f"unknown unit kind {unit_kind!r}")
    if aggregation not in Aggregation.values:
        raise ValueError(f"unknown aggregation {aggregation!r}")
    if direction is not None and direction not in Direction.values:
        raise ValueError(f"unknown direction {direction!r}")
    if not table.problems:
        table.require_headers(CRITERION_COLUMNS, CRITERION_OPTIONAL_COLUMNS)
    table.raise_if_problems()
    _check_year(table, year)

    index = Index.objects.filter(code=index_code).first()
    if index is None:
        if len(index_code) > _CODE_MAX_LENGTH or not _SLUG.fullmatch(index_code):
            table.problem(
                1,
                "",
                _("“%(code)s” cannot be an index code: use up to 32 letters, digits, - and _") % {"code": index_code},
            )
        if name and len(name) > _NAME_MAX_LENGTH:
            table.problem(1, "", _("the index name is longer than 255 characters"))
    elif direction and direction != index.direction:
        results = Result.objects.filter(index=index).count()
        if results:
            table.problem(
                1,
                "",
                _(
                    "%(index)s already has %(count)s results ranked “%(current)s”: "
                    "its direction cannot change to “%(new)s”"
                )
                % {"index": index.code, "count": _number_text(results), "current": index.direction, "new": direction},
            )

    criteria = _criteria_parse(table, aggregation)
    _criteria_check_parents(table, criteria)

    methodology = None
    if index is not None:
        methodology = Methodology.objects.filter(index=index, year=year, unit_kind=unit_kind).first()
    stored_tree = _criteria_stored(methodology) if methodology is not None else {}
    tree_changes = methodology is None or stored_tree != _criteria_wanted(criteria)
    if methodology is not None and tree_changes:
        problem = _scores_use_tree_problem(methodology, index)
        if problem:
            table.problems.append(problem)
    table.raise_if_problems()

    with transaction.atomic():
        counts = _methodology_write(
            index=index, index_code=index_code, name=name, direction=direction, year=year,
            unit_kind=unit_kind, aggregation=aggregation, criteria=criteria, tree_changes=tree_changes,
        )  # fmt: skip
        _methodology_audit(
            index_code=index_code, year=year, unit_kind=unit_kind, aggregation=aggregation, counts=counts,
            aggregation_before=methodology.aggregation if methodology else None,
            stored_tree=stored_tree, criteria=criteria, user=user, source=source,
        )  # fmt: skip
        return counts


def _methodology_audit(
    *, index_code, year, unit_kind, aggregation, aggregation_before, counts, stored_tree, criteria, user, source
):
    """One entry for the methodology, naming the criteria codes added, changed and removed."""
    if not (counts["methodology created"] or counts["index created"] or counts["index updated"] or counts["added"]
            or counts["changed"] or counts["removed"] or aggregation_before != aggregation):  # fmt: skip
        return
    methodology = Methodology.objects.get(index__code=index_code, year=year, unit_kind=unit_kind)
    wanted = _criteria_wanted(criteria) if (counts["added"] or counts["changed"] or counts["removed"]) else stored_tree
    codes = sorted(set(stored_tree) | set(wanted))
    changes = {
        "aggregation": (aggregation_before, aggregation),
        "criteria added": (None, [code for code in codes if code not in stored_tree]),
        "criteria changed": (None, [code for code in codes if code in stored_tree and code in wanted
                                    and stored_tree[code] != wanted[code]]),
        "criteria removed": (None, [code for code in codes if code not in wanted]),
    }  # fmt: skip
    changes = {field: values for field, values in changes.items() if values[0] != values[1] and values[1] != []}
    audit_record(action="methodology.import", user=user, obj=methodology, changes=changes, batch=new_batch(),
                 source=source)  # fmt: skip


def _criteria_parse(table, aggregation):
    """{code: {line, parent_code, title, …}} of the rows whose code is usable; problems recorded."""
    criteria, first_line = {}, {}
    kinds = CriterionKind.values
    for position, row in enumerate(table.rows, start=1):
        code = row.get("code")
        if not code:
            table.problem(row.line, "code", _("the code is empty"))
        elif len(code) > _CODE_MAX_LENGTH:
            table.problem(row.line, "code", _("the code is longer than 32 characters"))
        elif code.lower() in first_line:
            line, earlier = first_line[code.lower()]
            if earlier == code:
                table.problem(row.line, "code", _("duplicate of line %(line)d") % {"line": line})
            else:
                # A wide score file's headers are read in lower case: it could not tell these apart.
                table.problem(
                    row.line, "code", _("the same code as line %(line)d apart from upper/lower case") % {"line": line}
                )
            code = None
        else:
            first_line[code.lower()] = (row.line, code)
        if not code or len(code) > _CODE_MAX_LENGTH:
            code = None

        for column, label in (("title", _("the title")), ("title_en", _("the English title"))):
            if len(row.get(column)) > _TITLE_MAX_LENGTH:
                table.problem(row.line, column, _("%(what)s is longer than 500 characters") % {"what": label})
        if not row.get("title"):
            table.problem(row.line, "title", _("the title is empty"))

        max_points = None
        if not row.get("max_points"):
            table.problem(row.line, "max_points", _("the maximum points are empty"))
        else:
            max_points = _decimal(table, row.line, "max_points", row.get("max_points"))

        weight = None
        if row.get("weight"):
            weight = _decimal(table, row.line, "weight", row.get("weight"))
        elif aggregation == Aggregation.WEIGHTED and not row.get("parent_code"):
            table.problem(row.line, "weight", _("a weighted methodology needs a weight on every area (top-level row)"))

        kind = row.get("kind") or CriterionKind.SELF_ASSESSED
        if kind not in kinds:
            table.problem(
                row.line, "kind", _("“%(kind)s” is not one of %(kinds)s") % {"kind": kind, "kinds": ", ".join(kinds)}
            )

        if code:
            criteria[code] = {
                "line": row.line,
                "parent_code": row.get("parent_code"),
                "title": row.get("title"),
                "title_en": row.get("title_en"),
                "max_points": max_points,
                "weight": weight,
                "kind": kind,
                "position": position,
            }
    return criteria


def _criteria_check_parents(table, criteria):
    for code, criterion in criteria.items():
        parent_code = criterion["parent_code"]
        if not parent_code:
            continue
        if parent_code == code:
            table.problem(criterion["line"], "parent_code", _("a criterion cannot be its own parent"))
        elif parent_code not in criteria:
            table.problem(
                criterion["line"], "parent_code", _("“%(code)s” is not a code in this file") % {"code": parent_code}
            )
        else:
            seen, current = {code}, parent_code
            while current:
                if current in seen:
                    table.problem(
                        criterion["line"],
                        "parent_code",
                        _("the parents form a loop through “%(code)s”") % {"code": current},
                    )
                    break
                seen.add(current)
                current = criteria[current]["parent_code"] if current in criteria else None


def _criteria_wanted(criteria):
    return {
        code: (c["parent_code"] or None, *(c[field] for field in _CRITERION_FIELDS)) for code, c in criteria.items()
    }


def _criteria_stored(methodology):
    rows = Criterion.objects.filter(methodology=methodology).values_list("code", "parent__code", *_CRITERION_FIELDS)
    return {row[0]: tuple(row[1:]) for row in rows}


def _scores_use_tree_problem(methodology, index):
    count = Score.objects.filter(criterion__methodology=methodology).count()
    if not count:
        return None
    return Problem(
        1,
        "",
        _(
            "%(methodology)s already has %(count)s scores: its criteria cannot be replaced. "
            "Import the changed tree as another year's methodology, or delete those scores first."
        )
        % {"methodology": _methodology_label(methodology, index), "count": _number_text(count)},
    )


def _methodology_write(*, index, index_code, name, direction, year, unit_kind, aggregation, criteria, tree_changes):
    index_created = index_updated = 0
    if index is None:
        index = Index.objects.create(
            code=index_code, name_vi=name or index_code, direction=direction or Direction.HIGHER
        )
        index_created = 1
    else:
        changed = []
        if direction and direction != index.direction:
            index.direction = direction
            changed.append("direction")
        if name and name != index.name_vi:
            index.name_vi = name
            changed.append("name_vi")
        if changed:
            index.save(update_fields=changed)
            index_updated = 1

    methodology, methodology_created = Methodology.objects.select_for_update().get_or_create(
        index=index, year=year, unit_kind=unit_kind, defaults={"aggregation": aggregation}
    )
    aggregation_changed = not methodology_created and methodology.aggregation != aggregation
    if aggregation_changed:
        methodology.aggregation = aggregation
        methodology.save(update_fields=["aggregation"])

    counts = {"added": 0, "changed": 0, "removed": 0}
    if tree_changes:
        # Checked again under the methodology's lock: a score recorded since the check wins.
        problem = _scores_use_tree_problem(methodology, index)
        if problem:
            raise ImportRejected([problem])
        counts = _criteria_replace(methodology, criteria)

    if methodology_created or aggregation_changed or any(counts.values()):
        results_recompute_request(index_id=index.pk, year=year)
    return {
        "criteria": len(criteria),
        **counts,
        "methodology created": int(methodology_created),
        "index created": index_created,
        "index updated": index_updated,
    }


def _criteria_replace(methodology, criteria):
    """Make the methodology's criteria exactly `criteria`, keeping the rows (and ids) of codes kept."""
    existing = {criterion.code: criterion for criterion in Criterion.objects.filter(methodology=methodology)}
    new, changed = [], set()
    for code, wanted in criteria.items():
        criterion = existing.get(code)
        if criterion is None:
            new.append(Criterion(methodology=methodology, code=code, **{f: wanted[f] for f in _CRITERION_FIELDS}))
        elif any(getattr(criterion, f) != wanted[f] for f in _CRITERION_FIELDS):
            for field in _CRITERION_FIELDS:
                setattr(criterion, field, wanted[field])
            changed.add(code)
    Criterion.objects.bulk_create(new, batch_size=_BATCH_SIZE)
    Criterion.objects.bulk_update([existing[code] for code in changed], _CRITERION_FIELDS, batch_size=_BATCH_SIZE)

    # Parents once every row has an id; before the removals, so that no kept criterion is still
    # the child of a removed one when the removal cascades.
    by_code = {criterion.code: criterion for criterion in Criterion.objects.filter(methodology=methodology)}
    reparented = []
    for code, wanted in criteria.items():
        criterion = by_code[code]
        parent_id = by_code[wanted["parent_code"]].pk if wanted["parent_code"] else None
        if criterion.parent_id != parent_id:
            criterion.parent_id = parent_id
            reparented.append(criterion)
    Criterion.objects.bulk_update(reparented, ["parent"], batch_size=_BATCH_SIZE)
    removed = [criterion.pk for code, criterion in by_code.items() if code not in criteria]
    Criterion.objects.filter(pk__in=removed).delete()

    new_codes = {criterion.code for criterion in new}
    changed |= {criterion.code for criterion in reparented if criterion.code not in new_codes}
    return {"added": len(new), "changed": len(changed), "removed": len(removed)}


# --- scores ----------------------------------------------------------------------------------


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
        self.published_scores = {
            (row["assessment__unit_id"], row["criterion_id"]): row
            for row in Score.objects.filter(assessment__in=published).values(
                "assessment__unit_id", "criterion_id", "final_score", "not_applicable", "self_score", "note"
            )
        } if self.published else {}  # fmt: skip

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
            _("the %(year)d assessment of “%(code)s” is published and its scores are frozen: "
              "an administrator must reopen it first")
            % {"year": self.year, "code": unit.code},
        )  # fmt: skip
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
                % {"methodology": _methodology_label(methodology, self.index)},
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
    Returns counts.
    """
    index = _known_index(table, index_code)
    long_form = "criterion_code" in table.headers
    if long_form:
        table.require_headers(LONG_SCORE_COLUMNS, (*LONG_SCORE_OPTIONAL_COLUMNS, UNIT_NAME_COLUMN))
    else:
        table.require_headers(("unit_code",), (UNIT_NAME_COLUMN,), extra_allowed=lambda header: True)
    table.raise_if_problems()
    _check_year(table, year)

    units = _Units(table, year)
    methodologies = _Methodologies(index, year)
    if long_form:
        scores, update_fields = _scores_parse_long(table, units, methodologies)
    else:
        scores, update_fields = _scores_parse_wide(table, units, methodologies)
    table.raise_if_problems()

    with transaction.atomic():
        return _scores_write(
            index=index, year=year, scores=scores, update_fields=update_fields, user=user, source=source
        )


def _score_value(table, line, column, text, criterion):
    """(ok, final score, not applicable) of a non-empty score cell."""
    if text.lower() == NOT_APPLICABLE:
        return True, None, True
    value = _checked_score(table, line, column, text, criterion)
    return value is not None, value, False


def _checked_score(table, line, column, text, criterion):
    value = _decimal(table, line, column, text)
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
                % {"code": table.written.get(column, column), "year": methodologies.year, "index": methodologies.index.code},
            )
        elif not any(c.pk in methodologies.leaf_ids for c in found):
            table.problem(
                1,
                column,
                _("“%(code)s” has sub-criteria: scores go on its sub-criteria") % {"code": table.written.get(column, column)},
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
                        "methodology": _methodology_label(methodology, methodologies.index),
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
                    % {"code": code, "methodology": _methodology_label(methodology, methodologies.index)},
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
    Assessment.objects.bulk_create(missing, batch_size=_BATCH_SIZE, ignore_conflicts=True)
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
        audits.append({
            "action": "score.import", "user": user, "unit": unit_id, "criterion": criterion_id, "batch": batch,
            "source": source,
            "changes": changed_values(old and dict(zip(update_fields, old)), values, update_fields),
        })  # fmt: skip
    Score.objects.bulk_create(
        writes,
        batch_size=_BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["assessment", "criterion"],
        update_fields=[*update_fields, "updated_at"],
    )
    # After the upsert, which gives each score its id (PostgreSQL and SQLite return it).
    audit_record_many({**entry, "obj": score} for score, entry in zip(writes, audits, strict=True))
    return len(writes)


# --- published results -----------------------------------------------------------------------

_RESULT_FIELDS = ("value", "official_rank", "official_group_size", "source", "points", "applicable_max")


def results_import(*, table, index_code, year, user=None, source=AuditSource.IMPORT):
    """Upsert published results of an index and year from `unit_code,value[,rank,group_size]`.

    A published result replaces a computed one of the same unit; the rank is the official one,
    kept beside the rank computed among the units in the system. Returns counts.
    """
    index = _known_index(table, index_code)
    table.require_headers(RESULT_COLUMNS, (*RESULT_OPTIONAL_COLUMNS, UNIT_NAME_COLUMN))
    table.raise_if_problems()
    _check_year(table, year)

    units = _Units(table, year)
    results, first_line = {}, {}
    for row in table.rows:
        unit = units.get(table, row)
        if unit is not None:
            if unit.pk in first_line:
                table.problem(row.line, "unit_code", _("duplicate of line %(line)d") % {"line": first_line[unit.pk]})
                unit = None
            else:
                first_line[unit.pk] = row.line
        ok = True
        value = None
        text, rank_text, size_text = row.get("value"), row.get("rank"), row.get("group_size")
        if text:
            value = _decimal(table, row.line, "value", text, negative_allowed=True)
            ok = value is not None
        elif not rank_text:
            table.problem(row.line, "value", _("the value is empty: give the value, or the rank and group size"))
            ok = False
        rank = _whole_number(table, row.line, "rank", rank_text) if rank_text else None
        group_size = _whole_number(table, row.line, "group_size", size_text) if size_text else None
        ok = ok and (rank is not None or not rank_text) and (group_size is not None or not size_text)
        if rank_text and not size_text:
            table.problem(row.line, "group_size", _("a rank needs its group size"))
            ok = False
        elif size_text and not rank_text:
            table.problem(row.line, "rank", _("a group size needs its rank"))
            ok = False
        elif rank is not None and group_size is not None and rank > group_size:
            table.problem(
                row.line,
                "rank",
                _("rank %(rank)d is beyond the group size %(size)d") % {"rank": rank, "size": group_size},
            )
            ok = False
        if unit is not None and ok:
            results[unit.pk] = {
                "value": value,
                "official_rank": rank,
                "official_group_size": group_size,
                "source": ResultSource.PUBLISHED,
                # Points and maximum belong to a computed result; the published one has neither.
                "points": None,
                "applicable_max": None,
            }
    table.raise_if_problems()

    with transaction.atomic():
        return _results_write(index=index, year=year, results=results, user=user, source=source)


def _results_write(*, index, year, results, user, source):
    stored = {
        row[0]: row[1:] for row in Result.objects.filter(index=index, year=year).values_list("unit_id", *_RESULT_FIELDS)
    }
    writes = [
        Result(unit_id=unit_id, index=index, year=year, **values)
        for unit_id, values in results.items()
        if stored.get(unit_id) != tuple(values[field] for field in _RESULT_FIELDS)
    ]
    Result.objects.bulk_create(
        writes,
        batch_size=_BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["unit", "index", "year"],
        update_fields=[*_RESULT_FIELDS, "updated_at"],
    )
    batch = new_batch()
    audit_record_many(
        {
            "action": "result.import", "user": user, "obj": result, "unit": result.unit_id, "batch": batch,
            "source": source,
            "changes": changed_values(
                stored.get(result.unit_id) and dict(zip(_RESULT_FIELDS, stored[result.unit_id])),
                results[result.unit_id],
                _RESULT_FIELDS,
            ),
        }  # fmt: skip
        for result in writes
    )
    if writes:
        results_recompute_request(index_id=index.pk, year=year)
    return {"results": len(results), "changed": len(writes)}
