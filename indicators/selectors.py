"""Reads of indices, methodologies, criteria and results."""

import datetime
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Avg, Case, Count, Exists, F, Max, OuterRef, Q, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.models import AuditEntry
from indicators.group_figures import figures_by_group, group_figures, is_suppressed, ranked_results
from indicators.ledger import chronic_losses, criterion_losses
from indicators.models import (
    Assessment,
    AssessmentStatus,
    Band,
    Criterion,
    Index,
    Publication,
    Result,
    Target,
    ValueUnit,
    index_default_key,
    index_default_order,
)
from indicators.official import OFFICIAL_STATES, OfficialState, official_results_q, with_official_state
from indicators.recompute import T, area_totals_cte, area_totals_params
from indicators.services import RECOMPUTE
from indicators.targets import with_targets
from jobs.models import Job, JobStatus
from reformdash.lib.fields import as_decimal
from units.access import (
    Action,
    may,
    sees_all_units,
    units_allowed,
    units_in_subtrees,
    units_visible_to,
    units_with_predecessors,
)
from units.models import Unit, UnitKind
from units.selectors import units_valid_in, units_valid_on, year_bounds, year_cut


def criteria_in_tree_order(*, methodology):
    """The methodology's criteria depth-first (area, its criteria, their sub-criteria, next area),
    each with `.depth` set (0 for an area). One query: the tree is tens of rows."""
    criteria = list(Criterion.objects.filter(methodology=methodology).order_by("position", "code"))
    children = {}
    for criterion in criteria:
        children.setdefault(criterion.parent_id, []).append(criterion)

    ordered = []

    def walk(parent_id, depth):
        for criterion in children.get(parent_id, ()):
            criterion.depth = depth
            ordered.append(criterion)
            walk(criterion.pk, depth + 1)

    walk(None, 0)
    return ordered


def national_standing(*, user):
    """Published and computed results of the province-level units the user may see, newest first:
    the province's own place among all provinces (PAR 56/63)."""
    return with_targets(
        with_official_state(
            Result.objects.filter(unit__in=units_visible_to(user=user), unit__kind=UnitKind.PROVINCE)
            .select_related("unit", "index", "band")
            .order_by("unit__name", "index__code", "-year")
        )
    )


def ranking(*, index, year, kind=None, parent=None, user=None):
    """Results of an index and year in rank order (official rank first where published), with unit,
    band and parent loaded; narrowed to a group (kind, parent) and to what `user` may see."""
    # Not the index: every row has the same, and joined to each of 3,321 rows before the sort it
    # doubled the time of a national page's query.
    results = with_targets(
        with_official_state(
            Result.objects.filter(index=index, year=year).select_related("unit__parent", "band", "publication")
        ),
        direction=index.direction,
    )
    if kind:
        results = results.filter(unit__kind=kind)
    if parent is not None:
        results = results.filter(unit__parent=parent)
    if user is not None:
        results = results.filter(unit__in=units_visible_to(user=user))
    shown_rank = Coalesce("official_rank", "rank")
    return results.annotate(shown_rank_value=shown_rank).order_by(
        F("shown_rank_value").asc(nulls_last=True), "unit__name", "unit__code"
    )


def area_subtotals(*, methodology, units=None):
    """Per unit and area (top-level criterion): points, applicable maximum and % — for the area
    charts and the scorecard. One GROUP BY in the database; `units` narrows it (a queryset)."""
    units_condition, units_params = "", ()
    if units is not None:
        units_sql, units_params = units.values("id").query.sql_with_params()
        units_condition = f"AND u.id IN ({units_sql})"
    sql = (
        area_totals_cte(units_condition)
        + f"""
        SELECT t.unit_id, area.code, area.title, t.points, t.applicable_max,
               CASE WHEN t.applicable_max > 0 THEN ROUND(t.points * 100.0 / t.applicable_max, 6) END AS percent
        FROM area_totals t JOIN {T["criterion"]} area ON area.id = t.area_id
        ORDER BY t.unit_id, area.position, area.code
    """
    )
    params = area_totals_params(methodology, units_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            {
                "unit_id": unit_id,
                "code": code,
                "title": title,
                "points": as_decimal(points),
                "applicable_max": as_decimal(applicable_max),
                "percent": as_decimal(percent),
            }
            for unit_id, code, title, points, applicable_max, percent in cursor.fetchall()
        ]


# --- The rankings, overview and chronic-losses pages ---------------------------------------------

# The kinds of unit the pages rank, in the order their groups are offered: the province's own units
# first; the province among the provinces is on the overview already.
RANKED_KINDS = (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE, UnitKind.PROVINCE)
LOCAL_KINDS = (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE)


def published_results_q():
    """What "published" means, for readers without an account: the results that read official
    (indicators.official, the one rule the pages and the API also show)."""
    return official_results_q()


def results_readable_q(*, user, public=False):
    """A Q on Result: what this reader may read. The results of the units he may see
    (units_visible_to); with public rankings on (settings.PUBLIC_RANKINGS), every published result too."""
    if sees_all_units(user):
        return Q()
    readable = Q(unit__in=units_visible_to(user=user)) if user.is_authenticated else Q(pk__in=[])
    if public:
        readable |= published_results_q()
    return readable


def ranking_years():
    """Every year that has results, newest first: the years a ranking can be asked for.

    Every page with filters asks, and a DISTINCT over the results read them all (16,000 on the
    national database: 2–5 ms of PostgreSQL a page). Instead, for each index, its latest year, then
    the latest before that, and so on, each one step down the (index, year) index: a few rows
    read, however many results."""
    results, indices = Result._meta.db_table, Index._meta.db_table
    sql = f"""
        WITH RECURSIVE years(index_id, year) AS (
            SELECT i.id, (SELECT MAX(r.year) FROM {results} r WHERE r.index_id = i.id) FROM {indices} i
            UNION ALL
            SELECT y.index_id, (SELECT MAX(r.year) FROM {results} r WHERE r.index_id = y.index_id AND r.year < y.year)
            FROM years y WHERE y.year IS NOT NULL
        )
        SELECT DISTINCT year FROM years WHERE year IS NOT NULL ORDER BY year DESC
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [year for (year,) in cursor.fetchall()]


def latest_ranking_year(*, index, readable):
    """The latest year in which the reader may read a result of `index`; None when there is none."""
    return Result.objects.filter(readable, index=index).aggregate(latest=Max("year"))["latest"]


def ranking_parents(*, user, public=False, kind=None, year=None):
    """The units a ranking can be narrowed to (the parent of a group): units with ranked units
    under them — of `kind` and existing in `year` when given — that the user may see; with public
    rankings, any such unit (the structure is public). One query with an EXISTS, whatever the size."""
    children = Unit.objects.filter(parent=OuterRef("pk"))
    children = children.filter(kind=kind) if kind else children.filter(kind__in=RANKED_KINDS)
    if year is not None:
        children = units_valid_in(year=year, queryset=children)
    parents = Unit.objects.filter(Exists(children))
    return parents if public else units_visible_to(user=user, queryset=parents)


def first_ranking_group(*, index, year, readable, parents, kind=None):
    """(kind, parent code or "") of the first group of `year` with results the reader may read:
    those of `kind` first when given, then the kinds in RANKED_KINDS order. A parent not among
    `parents` is left out: the group is then the kind as a whole, narrowed to the rows he may read
    all the same. None without any group."""
    groups = (
        Result.objects.filter(readable, index=index, year=year, unit__kind__in=RANKED_KINDS)
        .order_by()
        .values_list("unit__kind", "unit__parent__code")
        .distinct()
    )
    allowed = set(parents.values_list("code", flat=True))
    order = [str(kind) for kind in RANKED_KINDS]
    ordered = sorted(groups, key=lambda group: (group[0] != kind, order.index(group[0]), group[1] or ""))
    if not ordered:
        return None
    kind, parent_code = ordered[0]
    return kind, parent_code if parent_code in allowed else ""


def _unit_linkable(*, user, public):
    """Whether the reader may open the row's unit scorecard: the rows of public rankings include
    units he may not see."""
    if sees_all_units(user) or (user.is_authenticated and not public):
        return Value(True)
    if not user.is_authenticated:
        return Value(False)
    return Exists(units_visible_to(user=user, queryset=Unit.objects.filter(pk=OuterRef("unit_id"))))


def ranking_rows(*, index, year, kind, parent=None, user, public=False, search=""):
    """The rows of the ranking page: `ranking` of one group narrowed to what the reader may read
    and to units whose name or code contains `search`, in rank order. Each row has
    `shown_rank_value`, `rank_change_value` (places gained; NULL unless comparable) and `unit_linkable`."""
    rows = ranking(index=index, year=year, kind=kind, parent=parent).filter(
        results_readable_q(user=user, public=public)
    )
    if search:
        rows = rows.filter(Q(unit__name__icontains=search) | Q(unit__code__icontains=search))
    return rows.annotate(
        # Places gained, only when last year's group is comparable (Result.rank_comparable).
        rank_change_value=Case(When(rank_comparable=True, then=F("previous_rank") - F("shown_rank_value"))),
        unit_linkable=_unit_linkable(user=user, public=public),
    )


def ranking_group_names(*, rows, user, public=False):
    """{parent id: name} of the groups of `rows` (ranking_rows of a kind under every parent) when
    they are of more than one group, for the parent column; None when they are of one. A parent
    the reader may not see is left unnamed (public rankings: the structure is public). Two queries."""
    parent_ids = set(rows.order_by().values_list("unit__parent_id", flat=True).distinct())
    if len(parent_ids) < 2:
        return None
    parents = Unit.objects.filter(pk__in=parent_ids - {None})
    if not public:
        parents = units_visible_to(user=user, queryset=parents)
    return dict(parents.values_list("pk", "name"))


def ranking_state(*, index, year):
    """What a ranking of the index and year shows besides its results (whose changes move
    results_as_of): the latest change and the number of its assessments (a status: official or
    provisional), its latest publication (the revision marks, the decision named), the latest
    change and the number of its targets, the number and the last of the units (a group's
    members) and the last audited change of anything (a unit or a band edited). One query, every
    rankings and scorecard page: each table's latest change and number in one pass over the year's
    rows (4,001 assessments a year nationally: two passes of them made the statement 3.3 ms of
    PostgreSQL's CPU, one 2.2). A key part, not for showing."""
    sql = f"""
        WITH methodologies AS (SELECT id FROM {T["methodology"]} WHERE index_id = %s AND year = %s)
        SELECT assessments.latest, assessments.number,
               (SELECT MAX(id) FROM {Publication._meta.db_table} WHERE methodology_id IN (SELECT id FROM methodologies)),
               targets.latest, targets.number,
               {_units_state_columns()}
        FROM (SELECT MAX(updated_at) AS latest, COUNT(*) AS number FROM {T["assessment"]}
              WHERE methodology_id IN (SELECT id FROM methodologies)) assessments
        CROSS JOIN (SELECT MAX(updated_at) AS latest, COUNT(*) AS number FROM {Target._meta.db_table}
                    WHERE index_id = %s AND year = %s) targets
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [index.pk, year] * 2)
        return tuple(str(value) for value in cursor.fetchone())


def units_state():
    """The units' state as key parts: their number, the last of them and the last audited change
    of anything (a unit renamed, moved or ended in the admin or by an import is audited). One
    query; for keys of what lists units (the rankings' "Under" options), not for showing."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_units_state_columns()}")
        return tuple(str(value) for value in cursor.fetchone())


def _units_state_columns():
    """The select list of units_state, which ranking_state ends with too."""
    return f"""(SELECT COUNT(*) FROM {Unit._meta.db_table}),
               (SELECT MAX(id) FROM {Unit._meta.db_table}),
               (SELECT MAX(id) FROM {AuditEntry._meta.db_table})"""


def ranking_group_members(*, year, kind, parent):
    """How many units the group has, ranked or not: the units of `kind` directly under `parent`
    that exist at the end of `year` (those a year's ranking ranks, docs/design.md §4). A year still
    being appraised ranks only the units with a result; the caption says how many more there are."""
    return units_valid_on(day=year_bounds(year)[1], queryset=Unit.objects.filter(kind=kind, parent=parent)).count()


def ranking_year_cut(*, year, kind, parent=None):
    """units.selectors.YearCut of the units of `kind` (under `parent`, at any depth, when given) in
    `year`: those that ended during it are not ranked (a year's groups are the units that exist
    at its end), those that began during it are. For the rankings page's note; counts, no names."""
    units = Unit.objects.filter(kind=kind)
    if parent is not None:
        units = units_in_subtrees(roots=Unit.objects.filter(pk=parent.pk), queryset=units)
    return year_cut(year=year, queryset=units)


def ranking_chart_data(*, rows):
    """The bars of a group's chart for a reader of the whole group: [{"name", "code", "value",
    "band"}] of the rows with a value, in rank order (one query). The mean line is the group's
    (ranking_group_figures), never the mean of these rows."""
    data = rows.exclude(value=None).values("unit__name", "unit__code", "value", "band__name")
    return [
        {"name": row["unit__name"], "code": row["unit__code"], "value": row["value"], "band": row["band__name"]}
        for row in data
    ]


def ranking_map_data(*, rows):
    """The dots of a group's map, from the rows of the ranking page (ranking_rows: only what the
    reader may read): (points, unplaced), points as reformdash.lib.maps.unit_map_figure takes them
    less the link ("unit_code" and "linkable" instead), in rank order; unplaced, how many rows have
    no coordinates. One query."""
    data = rows.values(
        "unit__code",
        "unit__name",
        "unit__latitude",
        "unit__longitude",
        "unit__population",
        "unit__area_km2",
        "value",
        "shown_rank_value",
        "official_group_size",
        "group_size",
        "band__name",
        "unit_linkable",
    )
    points, unplaced = [], 0
    for row in data:
        if row["unit__latitude"] is None or row["unit__longitude"] is None:
            unplaced += 1
            continue
        points.append(
            {
                "unit_code": row["unit__code"],
                "name": row["unit__name"],
                "latitude": row["unit__latitude"],
                "longitude": row["unit__longitude"],
                "population": row["unit__population"],
                "area_km2": row["unit__area_km2"],
                "value": row["value"],
                "rank": row["shown_rank_value"],
                "group_size": row["official_group_size"] or row["group_size"],
                "band": row["band__name"],
                "linkable": bool(row["unit_linkable"]),
            }
        )
    return points, unplaced


def ranking_bands(*, index, year, kind):
    """The bands of an index, year and unit kind, best first (their position): [{"name",
    "min_value", "max_value"}], for the charts' colours and legends (reformdash.lib.charts)."""
    return list(
        Band.objects.filter(index=index, year=year, unit_kind=kind)
        .order_by("position", "name")
        .values("name", "min_value", "max_value")
    )


def ranking_group_figures(*, index, year, kind, parent=None, user, public=False, distribution=False, as_of=None):
    """The figures of a rankings page's group over all its ranked units (indicators.group_figures),
    as this reader may read them: suppressed for a reader of part of the group with fewer than
    three other units in it. None when the group has no ranked unit, and for a visitor without an
    account who reads part of it (public rankings): the rest of the group is provisional, not his
    to read even as a sum."""
    figures = group_figures(
        index=index,
        year=year,
        kind=kind,
        parent=parent,
        readable=results_readable_q(user=user, public=public),
        whole_reader=sees_all_units(user),
        distribution=distribution,
        as_of=as_of,
    )
    if figures is not None and figures.partial and not user.is_authenticated:
        return None
    return figures


def ranking_areas(*, index, year, kind):
    """The areas (top-level criteria) of the group's methodology in order, each with its
    methodology loaded: one column each on the ranking page. Empty for a published or dossier index."""
    return list(
        Criterion.objects.filter(
            methodology__index=index, methodology__year=year, methodology__unit_kind=kind, parent=None
        )
        .select_related("methodology")
        .order_by("position", "code")
    )


def area_percentages(*, methodology, units):
    """{unit id: {area code: %}} of `units` (a queryset) under a methodology: one query."""
    percentages = {}
    try:
        rows = area_subtotals(methodology=methodology, units=units)
    except EmptyResultSet:  # `units` can be no unit at all (an empty page): nothing to ask
        return percentages
    for row in rows:
        percentages.setdefault(row["unit_id"], {})[row["code"]] = row["percent"]
    return percentages


# The overview's heat map shows a group's first rows only: its queries are the same however many
# units the group has, and the rankings page (linked) has the rest.
HEAT_MAP_ROWS = 50
# Without bands, a cell's share of the area's points is judged on three steps (position, from %):
# the positions are those of the band colours, best, middle and worst.
HEAT_STEPS = ((0, 80), (2, 50), (4, 0))


def area_heat_map(*, index, year, kind, parent=None, user):
    """The overview's areas × units: the first HEAT_MAP_ROWS rows of the group's ranking the user
    may read (ranking_rows, rank order), each with its share of every area's points — the values
    of the rankings page's area columns (area_percentages) — and the band (name, position) the
    share falls in, by the group's bands (ranking_bands) or, without bands, HEAT_STEPS (name
    None). {"areas", "rows": [{"code", "name", "cells": [{"area", "percent", "band", "step"}]}],
    "bands", "more"}; None for an index without areas. Four queries whatever the group's size."""
    areas = ranking_areas(index=index, year=year, kind=kind)
    if not areas:
        return None
    rows = ranking_rows(index=index, year=year, kind=kind, parent=parent, user=user).values(
        "unit_id", "unit__code", "unit__name"
    )
    rows = list(rows[: HEAT_MAP_ROWS + 1])
    more = len(rows) > HEAT_MAP_ROWS
    rows = rows[:HEAT_MAP_ROWS]
    values = area_percentages(
        methodology=areas[0].methodology, units=Unit.objects.filter(pk__in=[row["unit_id"] for row in rows])
    )
    # The bands' thresholds are on the index's value: they judge an area's share only when that
    # value is a share too (%), not a sum of points.
    bands = ranking_bands(index=index, year=year, kind=kind) if index.value_unit == ValueUnit.PERCENT else []
    return {
        "areas": areas,
        "bands": bands,
        "more": more,
        "rows": [
            {
                "code": row["unit__code"],
                "name": row["unit__name"],
                "cells": [_heat_cell(area, values.get(row["unit_id"], {}).get(area.code), bands) for area in areas],
            }
            for row in rows
        ],
    }


def _heat_cell(area, percent, bands):
    cell = {"area": area, "percent": percent, "band": None, "step": None}
    if percent is None:
        return cell
    if not bands:
        cell["step"] = next(step for step, floor in HEAT_STEPS if percent >= floor)
        return cell
    for position, band in enumerate(bands):
        low, high = band["min_value"], band["max_value"]
        if (low is None or percent >= low) and (high is None or percent < high):
            cell["band"], cell["step"] = band["name"], min(position, 4)
            break
    return cell


def worklist_counts(*, user):
    """What waits for the user in the scoring workflow, only what his role lets him do
    (units.access): {"self_assess": drafts and returned assessments of the units he scores,
    "appraise": submitted ones (readers of every unit: appraisers, staff, administrators),
    "publish": appraised ones (administrators)}, a key left out where the role has not it. One
    query for the role, one COUNT for all three."""
    scored = units_allowed(user=user, action=Action.ENTER_SELF_ASSESSMENT)
    counts = {}
    if scored.exists():
        statuses = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)
        counts["self_assess"] = Count("pk", filter=Q(status__in=statuses, unit__in=scored.values("pk")))
    if sees_all_units(user):
        counts["appraise"] = Count("pk", filter=Q(status=AssessmentStatus.SUBMITTED))
    if may(user, Action.PUBLISH):
        counts["publish"] = Count("pk", filter=Q(status=AssessmentStatus.APPRAISED))
    if not counts:
        return {}
    return Assessment.objects.aggregate(**counts)


def results_as_of(*, index=None, year=None):
    """When the results (of one index and year, or all) were last recomputed: the later of the
    last finished recompute job and the last change written to a result; None without either.

    One statement written out: every rankings and scorecard page asks (its kept parts are keyed
    by it), and the ORM's two aggregates cost 0.75 ms of Python a page, this 0.1."""
    jobs = f"SELECT MAX(finished_at) FROM {Job._meta.db_table} WHERE kind = %s AND status = %s"
    results = f"SELECT MAX(updated_at) FROM {Result._meta.db_table}"
    params = [RECOMPUTE, JobStatus.DONE]
    if index is not None:
        jobs += ' AND "key" = %s'
        results += " WHERE index_id = %s AND year = %s"
        params += [f"{index.pk}:{year}", index.pk, year]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({jobs}), ({results})", params)
        times = [_datetime_read(value) for value in cursor.fetchone() if value is not None]
    return max(times) if times else None


def _datetime_read(value):
    """A datetime column's value from a query written out, as the ORM would give it: SQLite gives
    the text it keeps, in the connection's time zone (UTC)."""
    if isinstance(value, datetime.datetime):
        return value
    value = parse_datetime(value)
    return timezone.make_aware(value, connection.timezone) if timezone.is_naive(value) else value


def group_extremes(*, user):
    """The overview's best and worst: per index, in its latest year with results the user may see,
    and per group (kind, parent) of the province's units, the best- and the worst-placed unit he may
    see, by their rank in the whole group, and the group's figures over all its ranked units
    (indicators.group_figures). One query for the rows, one for the figures and one for the
    parents' names, however many indices and groups. [{index, year, kind, parent (a Unit or None
    when the user may not see it), best, worst, shown, figures, partial, best_of_group,
    worst_of_group}], best and worst being Results: for a reader of the whole group the group's
    best and worst; for a reader of part of it (`partial`), his own best- and worst-placed units,
    which are the group's best or worst only where best_of_group / worst_of_group say so. `figures`
    is a GroupFigures, its values withheld (`suppressed`) where they would reveal another unit's."""
    readable_q = results_readable_q(user=user)
    readable = Result.objects.filter(readable_q, unit__kind__in=LOCAL_KINDS)
    # Each index's latest year first, in one small query: as a correlated subquery in the filter,
    # SQLite computed it again for every result (3 s on the demo's 5,600 results instead of 20 ms).
    latest = dict(readable.order_by().values("index").annotate(m=Max("year")).values_list("index", "m"))
    if not latest:
        return []
    in_latest_year = reduce(or_, (Q(index_id=index_id, year=year) for index_id, year in sorted(latest.items())))
    group = [F("index"), F("unit__kind"), F("unit__parent")]
    rows = (
        with_official_state(readable.filter(in_latest_year))
        .annotate(shown_rank_value=Coalesce("official_rank", "rank"))
        .annotate(
            from_top=Window(
                RowNumber(),
                partition_by=group,
                order_by=[F("shown_rank_value").asc(nulls_last=True), "unit__name", "unit__code"],
            ),
            from_bottom=Window(
                RowNumber(),
                partition_by=group,
                order_by=[F("shown_rank_value").desc(nulls_last=True), "unit__name", "unit__code"],
            ),
            shown=Window(Count("id"), partition_by=group),
        )
        .filter(Q(from_top=1) | Q(from_bottom=1))
        .select_related("unit", "index", "band")
        .order_by("index__code", "unit__kind", "unit__parent_id", "from_top")
    )
    groups = {}
    for result in rows:
        entry = groups.setdefault(
            (result.index_id, result.unit.kind, result.unit.parent_id),
            {
                "index": result.index,
                "year": result.year,
                "kind": UnitKind(result.unit.kind),
                "parent_id": result.unit.parent_id,
                "shown": result.shown,
            },
        )
        if result.from_top == 1:
            entry["best"] = result
        if result.from_bottom == 1:
            entry["worst"] = result
    _add_group_figures(groups, readable=readable_q, user=user)
    parents = units_visible_to(user=user, queryset=Unit.objects.filter(pk__in={key[2] for key in groups}))
    parents = parents.in_bulk() if groups else {}
    order = [str(kind) for kind in LOCAL_KINDS]
    # The default index first (PAR): the overview opens its first index's groups.
    extremes = sorted(
        groups.values(), key=lambda e: (index_default_key(e["index"]), order.index(e["kind"]), e["parent_id"] or 0)
    )
    for entry in extremes:
        entry["parent"] = parents.get(entry.pop("parent_id"))
    return extremes


def _add_group_figures(groups, *, readable, user):
    """Each entry of group_extremes with its group's figures and, for a reader of part of the group,
    whether his best- and worst-placed units are the group's: one query for every group."""
    if not groups:
        return
    results = ranked_results(index_ids={key[0] for key in groups}).filter(
        year__in={entry["year"] for entry in groups.values()},
        unit__kind__in={key[1] for key in groups},
        unit__parent_id__in={key[2] for key in groups},
    )
    directions = {key[0]: entry["index"].direction for key, entry in groups.items()}
    figures = figures_by_group(
        results=results, readable=readable, whole_reader=sees_all_units(user), directions=directions
    )
    for (index_id, kind, parent_id), entry in groups.items():
        found = figures.get((index_id, entry["year"], kind, parent_id))
        entry["figures"] = found
        # Without a ranked unit in the group there is nothing to tell him about it: partial unless he sees all.
        entry["partial"] = found.partial if found is not None else not sees_all_units(user)
        # His ranks are his to read: "the group's best" only where his unit holds the first rank,
        # "the group's worst" only where it holds the last.
        entry["best_of_group"] = entry["best"].rank == 1
        entry["worst_of_group"] = found is not None and entry["worst"].rank == found.last_rank


def chronic_losses_visible(*, index, year, kind, parent=None, user):
    """`ledger.chronic_losses` of a group, told to a user: only the units he may see are named and
    counted, and a criterion on which none of them keeps losing is left out."""
    entries = chronic_losses(index=index, year=year, kind=kind, parent=parent)
    if sees_all_units(user):
        return entries
    codes = {unit["code"] for entry in entries for unit in entry["units"]}
    visible = set(
        units_visible_to(user=user, queryset=Unit.objects.filter(code__in=codes)).values_list("code", flat=True)
    )
    kept = []
    for entry in entries:
        units = [unit for unit in entry["units"] if unit["code"] in visible]
        if units:
            kept.append({**entry, "units": units, "chronic_units": len(units)})
    return sorted(kept, key=lambda entry: (-entry["chronic_units"], entry["code"]))


# --- The overview's trend against the group's mean (issue 19) -------------------------------------


MEAN_QUANTUM = Decimal("0.000001")  # AVG gives PostgreSQL more digits than a stored value has


def trend_subject(*, user, today=None):
    """Whose trend the overview draws for `user`, as (unit, province): the province of today whose
    units the system ranks, when he may see it (units.access decides: staff, administrators, a
    member of the province); else his own unit (the first of his memberships by name), which he
    sees, against its group; (None, False) when he has neither. Two queries at most."""
    today = today or timezone.localdate()  # Vietnam's day (TIME_ZONE), not the server's
    provinces = units_valid_on(day=today, queryset=Unit.objects.filter(kind=UnitKind.PROVINCE)).filter(
        Exists(Unit.objects.filter(parent=OuterRef("pk"), kind__in=LOCAL_KINDS))
    )
    province = units_visible_to(user=user, queryset=provinces).order_by("code").first()
    if province is not None:
        return province, True
    own = units_visible_to(user=user, queryset=Unit.objects.filter(memberships__user=user))
    return own.order_by("name", "code").first(), False


def trend_rows(*, unit, user):
    """The results of `unit` and of its predecessors (units.access.units_with_predecessors: its
    past) on every scored index, as far as `user` may read them (VIEW_HISTORY), by index (the
    default first) then year: index, year, unit id, name, kind and parent, value, the rank and
    group size shown, and `official_state` (indicators.official). One query; indices computed
    from dossiers are left out (their months are on the dossier pages)."""
    lineage = units_allowed(
        user=user,
        action=Action.VIEW_HISTORY,
        queryset=units_with_predecessors(units=Unit.objects.filter(pk=unit.pk)),
    )
    return list(
        with_official_state(Result.objects.filter(unit__in=lineage, index__dossier_measure=""))
        .annotate(shown_rank_value=Coalesce("official_rank", "rank"))
        .annotate(shown_group_size_value=Coalesce("official_group_size", "group_size"))
        .order_by(*index_default_order("index__"), "year", "unit__name", "unit__code")
        .values(
            "index_id",
            "year",
            "unit_id",
            "unit__name",
            "unit__code",
            "unit__kind",
            "unit__parent_id",
            "value",
            "shown_rank_value",
            "shown_group_size_value",
            "official_state",
        )
    )


def trend_group_means(*, groups, user):
    """{(index id, year, kind, parent id): mean} of the groups asked — the ranked results (a rank,
    hence a unit valid that year) of the units of `kind` under `parent` on the index in the year —
    each {"value", "size", "of", "provisional", "withheld"}: the mean of the results' values,
    None when withheld: "incomplete" when the group is larger than its results in the system (the
    province among 63 provinces of which only it is here: the mean of one is not a national
    mean), "suppressed" when the reader reads part of the group and fewer than MIN_OTHER_UNITS of
    it are not his (indicators.group_figures, DESIGN §4). `provisional` when some result of the
    group is not official. One GROUP BY, whatever the number of groups."""
    if not groups:
        return {}
    results = Result.objects.filter(
        rank__isnull=False,
        index_id__in={group[0] for group in groups},
        year__in={group[1] for group in groups},
        unit__kind__in={group[2] for group in groups},
        unit__parent_id__in={group[3] for group in groups},
    )
    whole_reader = sees_all_units(user)
    readable = Q() if whole_reader else Q(unit__in=units_allowed(user=user, action=Action.VIEW_HISTORY))
    rows = (
        results.order_by()
        .values("index_id", "year", "unit__kind", "unit__parent_id")
        .annotate(
            mean=Avg("value"),
            size=Count("pk"),
            official_size=Max("official_group_size"),
            official=Count("pk", filter=official_results_q()),
            readable=Count("pk", filter=readable) if readable else Count("pk"),
        )
    )
    means = {}
    for row in rows:
        key = (row["index_id"], row["year"], row["unit__kind"], row["unit__parent_id"])
        if key not in groups:
            continue
        size, of = row["size"], max(row["size"], row["official_size"] or 0)
        withheld = None
        if size < of:
            withheld = "incomplete"
        elif is_suppressed(size=size, readable=row["readable"], whole=whole_reader or row["readable"] == size):
            withheld = "suppressed"
        means[key] = {
            "value": None if withheld else as_decimal(row["mean"]).quantize(MEAN_QUANTUM),
            "size": size,
            "of": of,
            "provisional": row["official"] < size,
            "withheld": withheld,
        }
    return means


def overview_trend(*, user, today=None):
    """The overview's trend: {"unit", "province", "indices": [{"index", "series", "means",
    "withheld"}]} — per index with a result of the unit or of a predecessor he may read, in index
    order: `series`, one per unit (the unit first, then each predecessor, "predecessor": True, not
    directly comparable), each {"unit_id", "name", "code", "predecessor", "points": [{"year", "value",
    "rank", "of", "provisional"}]}; `means`, one per group the units were ranked in (the unit's
    own first: for a province, the national mean), {"own", "unit_code" (a unit of it in the
    lineage), "points": [{"year", "value",
    "provisional"}]}, a withheld year left out; `withheld`, the group means not shown [{"year",
    "reason", "size", "of"}]; "without_result": the indices scored for the unit's kind with no
    result of it or a predecessor. None without a unit (trend_subject). Five queries at most."""
    unit, province = trend_subject(user=user, today=today)
    if unit is None:
        return None
    rows = trend_rows(unit=unit, user=user)
    groups = {(row["index_id"], row["year"], row["unit__kind"], row["unit__parent_id"]) for row in rows}
    means = trend_group_means(groups=groups, user=user)
    # The indices drawn, and those scored for the unit's kind (a methodology for it) that have no
    # result yet: the page names them rather than leave them out unsaid.
    indices = Index.objects.filter(
        Q(pk__in={row["index_id"] for row in rows}) | Q(dossier_measure="", methodologies__unit_kind=unit.kind)
    ).distinct()
    indices = {index.pk: index for index in indices.order_by(*index_default_order())}
    by_index = {}
    for row in rows:  # the results of one unit and its predecessors: tens of rows
        entry = by_index.setdefault(row["index_id"], {"series": {}, "means": {}, "withheld": {}})
        own = row["unit_id"] == unit.pk
        series = entry["series"].setdefault(
            row["unit_id"],
            {
                "unit_id": row["unit_id"],
                "name": row["unit__name"],
                "code": row["unit__code"],
                "predecessor": not own,
                "points": [],
            },
        )
        series["points"].append(
            {
                "year": row["year"],
                "value": row["value"],
                "rank": row["shown_rank_value"],
                "of": row["shown_group_size_value"],
                "provisional": row["official_state"] not in OFFICIAL_STATES,
            }
        )
        group = (row["unit__kind"], row["unit__parent_id"])
        mean = means.get((row["index_id"], row["year"], *group))
        if mean is None:
            continue
        if mean["withheld"]:
            entry["withheld"][row["year"]] = {"year": row["year"], "reason": mean["withheld"], **mean}
            continue
        # A predecessor's group is named by one of its units he reads (the first by name): the
        # predecessors of a merger of two provinces are each in their own province's group.
        line = entry["means"].setdefault(group, {"own": False, "unit_code": row["unit__code"], "points": {}})
        line["own"] = line["own"] or own
        line["points"][row["year"]] = {"year": row["year"], "value": mean["value"], "provisional": mean["provisional"]}
    return {
        "unit": unit,
        "province": province,
        "indices": [
            {
                "index": indices[index_id],
                # The unit's own line first: dict order is the rows' (by name), the unit may come later.
                "series": sorted(entry["series"].values(), key=lambda series: series["predecessor"]),
                "means": sorted(
                    (
                        {
                            "own": line["own"],
                            "unit_code": line["unit_code"],
                            "points": sorted(line["points"].values(), key=lambda p: p["year"]),
                        }
                        for line in entry["means"].values()
                    ),
                    key=lambda line: not line["own"],
                ),
                "withheld": sorted(entry["withheld"].values(), key=lambda withheld: withheld["year"]),
            }
            for index_id, entry in by_index.items()
        ],
        "without_result": [index for index_id, index in indices.items() if index_id not in by_index],
    }


# The overview's "where the most points are lost": the first few criteria, the chronic-losses page has the rest.
BIGGEST_LOSSES = 5


def biggest_losses_visible(*, index, year, kind, parent=None, user, limit=BIGGEST_LOSSES):
    """`ledger.criterion_losses` of a group, told to a user as chronic_losses_visible tells him the
    chronic ones: over the units he may see only (counted and summed in the database), the
    criteria none of them lost points on left out."""
    units = None if sees_all_units(user) else units_visible_to(user=user)
    try:
        return criterion_losses(index=index, year=year, kind=kind, parent=parent, units=units, limit=limit)
    except EmptyResultSet:  # he sees no unit at all
        return []


def single_visible_unit(*, year, kind, parent=None, user):
    """The one unit of a group (the units of `kind`, under `parent`, existing in `year`) the user
    may see when he sees exactly one of them — a unit's head: its losses are told on its
    scorecard —; None otherwise (staff, the head of a district who sees its communes). One query."""
    if sees_all_units(user):
        return None
    group = units_valid_in(year=year).filter(kind=kind)
    if parent is not None:
        group = group.filter(parent=parent)
    units = list(units_visible_to(user=user, queryset=group).order_by("code")[:2])
    return units[0] if len(units) == 1 else None


# --- Publication and revisions on the rankings page -----------------------------------------------


def revision_marks(*, result_ids):
    """{result id: (revised_on, reason)} of those results corrected after publication — more than
    one revision — from the latest revision (its decision's date and its reason). One query, for
    the rows of one page: asked of every row of a group as subqueries, PostgreSQL evaluated them
    for all 3,321 communes before keeping fifty (7 ms of a national rankings page)."""
    from indicators.models import ResultRevision

    marks = {}
    latest_first = (
        ResultRevision.objects.filter(result_id__in=result_ids)
        .order_by("result_id", "-number")
        .values_list("result_id", "number", "publication__published_on", "reason")
    )
    for result_id, number, published_on, reason in latest_first:  # a few revisions per result
        if result_id not in marks:
            marks[result_id] = (published_on, reason) if number > 1 else None
    return {result_id: mark for result_id, mark in marks.items() if mark is not None}


def ranking_publication(*, rows):
    """How official a group's rows are, as (state, publication), from each row's official state
    (indicators.official, the rule the rows, the scorecard and the API show):

    - ("official", p): every row is official, made so by publication p;
    - ("corrected", p): every row is official, by several publications (a correction published
      later for some units), p the latest;
    - ("published", None): every row is a published value entered from a decision (an import);
    - ("partly", p): some rows are official (p the latest decision among them), others provisional;
    - ("provisional", None): no row is official, and without rows.

    One query for the distinct (publication, state) pairs — a handful however many rows — and one
    for the publication."""
    from indicators.models import Publication

    pairs = set(rows.order_by().values_list("publication_id", "official_state").distinct())
    official = {(publication, state) for publication, state in pairs if state in OFFICIAL_STATES}
    if not official:
        return "provisional", None
    publications = {
        publication for publication, state in official if publication is not None and state != OfficialState.ENTERED
    }
    latest = Publication.objects.filter(pk__in=publications).order_by("-published_on", "-number").first()
    if official != pairs:
        return "partly", latest
    if not publications:
        return "published", None
    return ("official" if len(publications) == 1 else "corrected"), latest
