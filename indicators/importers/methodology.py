"""The import of a methodology: an index's criteria tree for a year and a kind of unit
(`import_methodology`, or the browser's imports pages). How every indicator import checks and
writes: indicators.importers.common."""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditSource
from audit.services import audit_record, new_batch
from dossiers.measures import DossierMeasure
from indicators.importers.common import (
    BATCH_SIZE,
    check_year,
    checked_decimal,
    methodology_label,
    number_text,
    rounded_count,
)
from indicators.models import Aggregation, Criterion, CriterionKind, Direction, Index, Methodology, Result, Score
from indicators.services import results_recompute_request
from reformdash.lib.tabular import ImportRejected, Problem
from units.models import UnitKind

CRITERION_COLUMNS = ("code", "parent_code", "title", "max_points", "weight")
CRITERION_OPTIONAL_COLUMNS = ("kind", "title_en")

_CODE_MAX_LENGTH = 32
_TITLE_MAX_LENGTH = 500
_NAME_MAX_LENGTH = 255
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_CRITERION_FIELDS = ("title", "title_en", "max_points", "weight", "kind", "position")


def methodology_import(
    *,
    table,
    index_code,
    year,
    unit_kind,
    aggregation,
    direction=None,
    name=None,
    measure=None,
    user=None,
    source=AuditSource.IMPORT,
):
    """Create or replace the criteria tree of Methodology(index, year, unit_kind) from a Table of
    `code,parent_code,title,max_points,weight[,kind,title_en]`; the index is created if missing.

    A tree that scores already use is never replaced (ImportRejected says how many); the same
    tree again only updates the aggregation. An index computed from dossiers needs its dossier
    `measure` (a DossierMeasure): given here, or already the index's; without one the import is
    refused, since no recompute of the index could run. Returns counts (with how many maxima and
    weights were rounded to the stored six decimals, when any was).
    """
    if unit_kind not in UnitKind.values:
        raise ValueError(f"unknown unit kind {unit_kind!r}")
    if aggregation not in Aggregation.values:
        raise ValueError(f"unknown aggregation {aggregation!r}")
    if direction is not None and direction not in Direction.values:
        raise ValueError(f"unknown direction {direction!r}")
    if measure and measure not in DossierMeasure.values:
        raise ValueError(f"unknown dossier measure {measure!r}")
    if not table.problems:
        table.require_headers(CRITERION_COLUMNS, CRITERION_OPTIONAL_COLUMNS)
    table.raise_if_problems()
    check_year(table, year)

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
                % {"index": index.code, "count": number_text(results), "current": index.direction, "new": direction},
            )
    _measure_check(table, index_code=index_code, index=index, aggregation=aggregation, measure=measure)

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
        measure_before = index.dossier_measure if index is not None else ""
        counts = _methodology_write(
            index=index,
            index_code=index_code,
            name=name,
            direction=direction,
            measure=measure,
            year=year,
            unit_kind=unit_kind,
            aggregation=aggregation,
            criteria=criteria,
            tree_changes=tree_changes,
        )
        _methodology_audit(
            index_code=index_code,
            year=year,
            unit_kind=unit_kind,
            aggregation=aggregation,
            counts=counts,
            aggregation_before=methodology.aggregation if methodology else None,
            measure_before=measure_before,
            measure=measure or measure_before,
            stored_tree=stored_tree,
            criteria=criteria,
            user=user,
            source=source,
        )
    return {**counts, **rounded_count(table)}


def _methodology_audit(
    *,
    index_code,
    year,
    unit_kind,
    aggregation,
    aggregation_before,
    measure_before,
    measure,
    counts,
    stored_tree,
    criteria,
    user,
    source,
):
    """One entry for the methodology, naming the criteria codes added, changed and removed."""
    if not (
        counts["methodology created"]
        or counts["index created"]
        or counts["index updated"]
        or counts["added"]
        or counts["changed"]
        or counts["removed"]
        or aggregation_before != aggregation
    ):
        return
    methodology = Methodology.objects.get(index__code=index_code, year=year, unit_kind=unit_kind)
    wanted = _criteria_wanted(criteria) if (counts["added"] or counts["changed"] or counts["removed"]) else stored_tree
    codes = sorted(set(stored_tree) | set(wanted))
    changes = {
        "aggregation": (aggregation_before, aggregation),
        "dossier measure": (measure_before or None, measure or None),
        "criteria added": (None, [code for code in codes if code not in stored_tree]),
        "criteria changed": (
            None,
            [code for code in codes if code in stored_tree and code in wanted and stored_tree[code] != wanted[code]],
        ),
        "criteria removed": (None, [code for code in codes if code not in wanted]),
    }
    changes = {field: values for field, values in changes.items() if values[0] != values[1] and values[1] != []}
    audit_record(
        action="methodology.import", user=user, obj=methodology, changes=changes, batch=new_batch(), source=source
    )


def _measure_check(table, *, index_code, index, aggregation, measure):
    """A methodology computed from dossiers needs the index to name its measure; only it does."""
    measures = ", ".join(DossierMeasure.values)
    if aggregation != Aggregation.DOSSIERS:
        if measure:
            table.problem(
                1,
                "",
                _("a dossier measure is only for an index computed from dossiers (aggregation “%(dossiers)s”)")
                % {"dossiers": Aggregation.DOSSIERS.value},
            )
        return
    current = index.dossier_measure if index is not None else ""
    if not measure and not current:
        table.problem(
            1,
            "",
            _(
                "%(index)s would be computed from dossiers but names no dossier measure: "
                "give the measure (one of %(measures)s)"
            )
            % {"index": index_code, "measures": measures},
        )
    elif measure and current and measure != current:
        results = Result.objects.filter(index=index).count()
        if results:
            table.problem(
                1,
                "",
                _(
                    "%(index)s already has %(count)s results computed as “%(current)s”: "
                    "its dossier measure cannot change to “%(new)s”"
                )
                % {"index": index.code, "count": number_text(results), "current": current, "new": measure},
            )


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
            max_points = checked_decimal(table, row.line, "max_points", row.get("max_points"))

        weight = None
        if row.get("weight"):
            weight = checked_decimal(table, row.line, "weight", row.get("weight"))
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
        % {"methodology": methodology_label(methodology, index), "count": number_text(count)},
    )


def _methodology_write(
    *, index, index_code, name, direction, measure, year, unit_kind, aggregation, criteria, tree_changes
):
    index_created = index_updated = 0
    measure_changed = False
    if index is None:
        index = Index.objects.create(
            code=index_code,
            name_vi=name or index_code,
            direction=direction or Direction.HIGHER,
            dossier_measure=measure or "",
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
        if measure and measure != index.dossier_measure:
            index.dossier_measure = measure
            changed.append("dossier_measure")
            measure_changed = True
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
    if measure_changed:
        # Every year the index is computed from dossiers is computed as another rate now (or, for
        # an index that named none, can be computed at last).
        years = Methodology.objects.filter(index=index, aggregation=Aggregation.DOSSIERS).values_list("year", flat=True)
        for each_year in sorted(set(years)):
            results_recompute_request(index_id=index.pk, year=each_year)
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
    Criterion.objects.bulk_create(new, batch_size=BATCH_SIZE)
    Criterion.objects.bulk_update([existing[code] for code in changed], _CRITERION_FIELDS, batch_size=BATCH_SIZE)

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
    Criterion.objects.bulk_update(reparented, ["parent"], batch_size=BATCH_SIZE)
    removed = [criterion.pk for code, criterion in by_code.items() if code not in criteria]
    Criterion.objects.filter(pk__in=removed).delete()

    new_codes = {criterion.code for criterion in new}
    changed |= {criterion.code for criterion in reparented if criterion.code not in new_codes}
    return {"added": len(new), "changed": len(changed), "removed": len(removed)}
