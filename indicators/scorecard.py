"""Reads of one unit's scorecard (/units/<code>/): its result on an index in a year and what
explains it — areas against its group, its history with its predecessors', the points it lost,
its dossiers month by month, its heads and why its rank moved.

Every group statistic is computed in the database (GROUP BY, recursive queries, self-joins of
results); Python only picks among one unit's own rows (tens). Other units appear only as a
group's mean and best, or by name when the viewer may see them (units_visible_to).
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import get_language

from dossiers.models import Scope
from dossiers.selectors import (
    lineage_monthly_rates,
    lineage_start_month,
    monthly_rates,
    months_of_year,
    split_predecessors,
)
from indicators.cache import results_cached
from indicators.group_figures import MIN_OTHER_UNITS, is_suppressed
from indicators.ledger import lost_points
from indicators.models import (
    Assessment,
    Direction,
    Index,
    Methodology,
    Result,
    ResultRevision,
    index_default_key,
    index_default_order,
)
from indicators.official import OfficialState, with_official_state
from indicators.recompute import T, area_totals_cte, area_totals_params
from indicators.selectors import area_subtotals, ranking_group_members, results_as_of
from indicators.targets import target_state, with_targets
from reformdash.lib.fields import as_decimal
from units.access import Action, sees_all_units, units_allowed, units_visible_to
from units.models import DEFAULT_HEAD_RATINGS, HeadRating, LineageKind, Unit, UnitHead, UnitLineage
from units.selectors import units_valid_in, year_bounds

_T_LINEAGE = UnitLineage._meta.db_table
_T_INDEX = Index._meta.db_table


def _fetch(sql, params, decimals=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        for name in decimals:
            row[name] = as_decimal(row[name])
    return rows


def _in_language(title, title_en):
    """The title in the page's language: English only when asked for and entered."""
    return title_en if title_en and (get_language() or "vi").startswith("en") else title


# --- Which result the card shows ------------------------------------------------------------------


def unit_results(*, unit):
    """Every result of the unit, each index and year, with its index, band, official state and
    target (indicators.targets.with_targets): the headline, the links to its other indices and
    years, last year's value, the result against its target and the trend's target line. The
    default index first (PAR: indicators.models.index_default_order), then by code; newest year
    first. One query."""
    return list(
        with_targets(
            with_official_state(
                Result.objects.filter(unit=unit)
                .select_related("index", "band", "publication")
                .order_by(*index_default_order("index__"), "-year")
            )
        )
    )


def unit_results_chosen_from(*, unit):
    """The unit's results with their index, in unit_results' order, without the band, the official
    state and the target: enough to choose the one a card shows (chosen_result) before reading the
    card, which a kept copy of it spares. One query, sorted here (index_default_key) rather than
    by an ORDER BY CASE that costs more to build than the dozen rows cost to sort."""
    results = Result.objects.filter(unit=unit).select_related("index")
    return sorted(results, key=lambda result: (index_default_key(result.index), -result.year))


def target_values_by_year(*, results, index):
    """{year: target value} of the unit's `results` (unit_results) on the index that have a
    target value: the trend chart's target line."""
    return {
        result.year: result.target_value
        for result in results
        if result.index_id == index.pk and result.target_value is not None
    }


def chosen_result(*, results, index_code=None, year=None):
    """The result the card shows among `results` (unit_results): the asked index (default: the
    first with a result, in the asked year if one is asked) in the asked year (default: its
    latest). None when nothing matches."""
    matching = [
        result
        for result in results
        if (index_code is None or result.index.code == index_code) and (year is None or result.year == year)
    ]
    if not matching:
        return None
    first_index = matching[0].index_id
    return max((result for result in matching if result.index_id == first_index), key=lambda result: result.year)


def result_choices(*, results):
    """[(index, [years, newest first])] of the unit's results, in index order: the card's links."""
    choices = {}
    for result in results:
        choices.setdefault(result.index, []).append(result.year)
    return list(choices.items())


def previous_result(*, results, result):
    """The unit's own result on the same index the year before, or None."""
    return next((r for r in results if r.index_id == result.index_id and r.year == result.year - 1), None)


# --- Areas against the group ---------------------------------------------------------------------


def methodologies_of(*, index, unit_kind, years):
    """{year: methodology} of the index for this kind of unit, for the years that have one."""
    return {
        methodology.year: methodology
        for methodology in Methodology.objects.filter(index=index, unit_kind=unit_kind, year__in=years)
    }


def area_comparison(*, unit, methodology, as_of=None):
    """Per area (top-level criterion) of the methodology the unit was scored on: the unit's points,
    applicable maximum and %, and over its group — the units of its kind under its parent that
    existed that year and were scored — the mean and the best %, and how many units that is.
    No other unit is named. The group's figures are computed once per recompute (indicators.cache;
    `as_of` is results_as_of of the methodology's index and year) for every unit of the group."""
    groups = results_cached(
        "area-comparison",
        index_id=methodology.index_id,
        year=methodology.year,
        as_of=as_of,
        parts=(methodology.pk, unit.parent_id),
        compute=lambda: group_area_comparison(methodology=methodology, parent_id=unit.parent_id),
    )
    return [
        {
            **{key: value for key, value in row.items() if key != "title_en"},
            "title": _in_language(row["title"], row["title_en"]),
        }
        for row in groups.get(unit.pk, [])
    ]


def group_figures_withheld(*, unit, methodology, user):
    """True when `user` reads part of the unit's group (its kind under its parent, scored under the
    methodology, existing that year) and fewer than three of its units are not his: the group's
    mean and best would reveal another unit's figure (indicators.group_figures). Both counts in
    one query (a unit has one assessment under a methodology: the join repeats no unit)."""
    if sees_all_units(user):
        return False
    group = units_valid_in(
        year=methodology.year,
        queryset=Unit.objects.filter(kind=unit.kind, parent_id=unit.parent_id, assessments__methodology=methodology),
    )
    readable = units_visible_to(user=user, queryset=Unit.objects.all()).values("pk")
    counts = group.aggregate(size=Count("pk"), readable=Count("pk", filter=Q(pk__in=readable)))
    size, readable = counts["size"], counts["readable"]
    return is_suppressed(size=size, readable=readable, whole=readable == size)


def withhold_group_figures(areas):
    """The areas without the group's mean and best (group_figures_withheld)."""
    return [{**area, "group_mean": None, "group_best": None} for area in areas]


def group_area_comparison(*, methodology, parent_id):
    """{unit id: [per area: code, title, title_en, points, applicable_max, percent, group_mean,
    group_best, group_units]} for every unit of the methodology's kind under `parent_id` that existed
    in its year. One query: the group's area totals, then window functions over each area."""
    first, last = year_bounds(methodology.year)
    group = (
        "AND u.parent_id IS NOT DISTINCT FROM %s"
        " AND (u.valid_from IS NULL OR u.valid_from <= %s) AND (u.valid_to IS NULL OR u.valid_to >= %s)"
    )
    sql = (
        area_totals_cte(group)
        + f"""
    , percents AS (
        SELECT t.unit_id, t.area_id, t.points, t.applicable_max,
               CASE WHEN t.applicable_max > 0 THEN t.points * 100.0 / t.applicable_max END AS percent
        FROM area_totals t
    )
    SELECT p.unit_id, area.code, area.title, area.title_en, p.points, p.applicable_max,
           ROUND(p.percent, 6) AS percent,
           ROUND(AVG(p.percent) OVER (PARTITION BY p.area_id), 6) AS group_mean,
           ROUND(MAX(p.percent) OVER (PARTITION BY p.area_id), 6) AS group_best,
           COUNT(p.percent) OVER (PARTITION BY p.area_id) AS group_units
    FROM percents p
    JOIN {T["criterion"]} area ON area.id = p.area_id
    ORDER BY p.unit_id, area.position, area.code
    """
    )
    params = area_totals_params(methodology, [parent_id, last, first])
    groups = {}
    for row in _fetch(sql, params, decimals=("points", "applicable_max", "percent", "group_mean", "group_best")):
        groups.setdefault(row.pop("unit_id"), []).append(row)
    return groups


def area_changes(*, current, previous):
    """How each area moved from last year to this: rows of area_comparison (this year) and of
    area_subtotals for the same unit (last year), matched by area code. Biggest move first."""
    before = {row["code"]: row for row in previous}
    changes = []
    for row in current:
        old = before.get(row["code"])
        if old is None or row["points"] is None or old["points"] is None:
            continue
        changes.append(
            {
                "code": row["code"],
                "title": row["title"],
                "points_before": old["points"],
                "points": row["points"],
                "change": row["points"] - old["points"],
                "percent_before": old["percent"],
                "percent": row["percent"],
            }
        )
    return sorted(changes, key=lambda change: (-abs(change["change"]), change["code"]))


def unit_area_subtotals(*, unit, methodology):
    """area_subtotals of one unit."""
    return area_subtotals(methodology=methodology, units=Unit.objects.filter(pk=unit.pk))


# --- History, with the predecessors' ------------------------------------------------------------


def lineage_history(*, unit, index=None, user=None):
    """The results of the unit and of its predecessors (UnitLineage, followed back through every
    merge, split or rename) on `index` (every index when None), by index then oldest year first:
    index id and name, year, unit id, code, name and valid_to, value, the rank and group size shown
    (official where published), `rank_comparable` (Result.rank_comparable: False when the year
    before's group was different) and `predecessor` — True for a predecessor's row, which is not
    directly comparable with the unit's own. With `user`, only the rows of units whose history he
    may read (units.access: VIEW_HISTORY, the past of the units he sees). One recursive query."""
    where, params = "", [unit.pk]
    if index is not None:
        where, params = "WHERE r.index_id = %s", [unit.pk, index.pk]
    sql = f"""
    WITH RECURSIVE lineage(id) AS (
        SELECT id FROM {T["unit"]} WHERE id = %s
        UNION
        SELECT link.predecessor_id FROM {_T_LINEAGE} link JOIN lineage ON link.successor_id = lineage.id
    )
    SELECT r.index_id, i.code AS index_code, i.name_vi, i.name_en, r.year, u.id AS unit_id, u.code, u.name,
           u.valid_to, r.value, COALESCE(r.official_rank, r.rank) AS rank,
           COALESCE(r.official_group_size, r.group_size) AS group_size, r.rank_comparable
    FROM lineage
    JOIN {T["result"]} r ON r.unit_id = lineage.id
    JOIN {_T_INDEX} i ON i.id = r.index_id
    JOIN {T["unit"]} u ON u.id = r.unit_id
    {where}
    ORDER BY i.code, r.year, CASE WHEN u.id = %s THEN 0 ELSE 1 END, u.name, u.code
    """
    rows = _fetch(sql, params + [unit.pk], decimals=("value",))
    if user is not None and not sees_all_units(user) and any(row["unit_id"] != unit.pk for row in rows):
        candidates = Unit.objects.filter(pk__in={row["unit_id"] for row in rows})
        readable = set(
            units_allowed(user=user, action=Action.VIEW_HISTORY, queryset=candidates).values_list("pk", flat=True)
        )
        rows = [row for row in rows if row["unit_id"] in readable]
    for row in rows:
        row["index_name"] = _in_language(row.pop("name_vi"), row.pop("name_en"))
        row["predecessor"] = row["unit_id"] != unit.pk
        if row["rank_comparable"] is not None:  # 0 or 1 on SQLite
            row["rank_comparable"] = bool(row["rank_comparable"])
        if isinstance(row["valid_to"], str):  # SQLite returns dates of raw SQL as text
            row["valid_to"] = datetime.date.fromisoformat(row["valid_to"])
    return rows


def history_side_by_side(*, history, unit_id):
    """The rows of lineage_history (one index) as a table of years by unit: `columns` — the unit
    first, then each predecessor (id, code, name, valid_to, predecessor) in the order they come —
    and `rows` — per year, oldest first, `cells` in the columns' order (the history row or None).
    The predecessors' values stand beside the unit's, each in its own column, never joined into
    one line: they are other units, not comparable with it."""
    columns, years = {}, {}
    for row in history:
        columns.setdefault(
            row["unit_id"],
            {key: row[key] for key in ("unit_id", "code", "name", "valid_to", "predecessor")},
        )
        years.setdefault(row["year"], {})[row["unit_id"]] = row
    ordered = sorted(columns.values(), key=lambda column: column["unit_id"] != unit_id)  # stable: the unit first
    return {
        "columns": ordered,
        "rows": [
            {"year": year, "cells": [years[year].get(column["unit_id"]) for column in ordered]}
            for year in sorted(years)
        ],
    }


def lineage_into(*, unit):
    """(since, splits): the date the unit took over from its predecessors — its valid_from, else the
    latest date of a link into it; None when it has none: "before dd/mm/yyyy", the predecessors'
    time — and how many of its links are from a predecessor it did not wholly succeed (a split,
    or a predecessor with another successor). One query."""
    others = UnitLineage.objects.filter(predecessor=OuterRef("predecessor")).exclude(successor=OuterRef("successor"))
    links = (
        UnitLineage.objects.filter(successor=unit)
        .annotate(shared=Exists(others))
        .aggregate(
            latest=Max("date"),
            count=Count("pk"),
            splits=Count("pk", filter=Q(kind=LineageKind.SPLIT) | Q(shared=True)),
        )
    )
    if not links["count"]:
        return None, 0
    return unit.valid_from or links["latest"], links["splits"]


def reorganised_on(*, unit):
    """lineage_into's date alone."""
    return lineage_into(unit=unit)[0]


# --- Lost points --------------------------------------------------------------------------------


def lost_points_of_year(*, unit, index, year):
    """The criteria on which the unit lost points that year (indicators.ledger.lost_points: max,
    final score, points lost, streak, chronic), biggest loss first."""
    return [row for row in lost_points(unit=unit, index=index) if row["year"] == year and row["lost"] > 0]


# --- Dossiers -----------------------------------------------------------------------------------

_UNKNOWN = object()  # `since` not given: read from the lineage


def dossier_months(*, unit, year, now=None, since=_UNKNOWN):
    """The unit's dossier counts and rates per month of the year (dossiers.selectors.
    lineage_monthly_rates: the unit with the units under it, and before a reorganisation the sum
    of the counts of the predecessors it wholly succeeded, each row marked `composed`); empty
    when it has no dossier statistics that year."""
    local = timezone.localtime(now or timezone.now())
    if year * 100 + 1 > local.year * 100 + local.month:
        return []
    start = lineage_start_month(unit=unit) if since is _UNKNOWN else since and since.year * 100 + since.month
    rows = lineage_monthly_rates(unit=unit, months=months_of_year(year, now=local), scope=Scope.TOTAL, start=start)
    if not any(row["received"] or row["completed"] or row["returned"] or row["pending"] for row in rows):
        return []
    for row in rows:
        row["label"] = f"{row['month'] % 100:02d}/{row['month'] // 100}"  # as decisions write months
    return rows


def split_predecessor_months(*, unit, year, now=None):
    """[(predecessor, rows)] for the unit's predecessors it did not wholly succeed (a split: their
    dossiers went to several units and are not added to any one): each one's own monthly counts
    and rates of the year (monthly_rates), for the months it has any. Shown apart, as its own."""
    local = timezone.localtime(now or timezone.now())
    if year * 100 + 1 > local.year * 100 + local.month:
        return []
    series = []
    for predecessor in split_predecessors(unit=unit):
        rows = [
            {**row, "label": f"{row['month'] % 100:02d}/{row['month'] // 100}"}
            for row in monthly_rates(unit=predecessor, months=months_of_year(year, now=local), scope=Scope.TOTAL)
            if row["received"] or row["completed"] or row["returned"] or row["pending"]
        ]
        if rows:
            series.append((predecessor, rows))
    return series


# --- Heads --------------------------------------------------------------------------------------


def heads_in_office(*, unit, year):
    """The unit's heads whose term overlaps the year, the earliest first."""
    first, last = year_bounds(year)
    return list(
        UnitHead.objects.filter(unit=unit, start__lte=last).exclude(end__lt=first).order_by("start", "full_name")
    )


def head_ratings(*, year):
    """The classifications of heads for the year, best first: those configured (units.HeadRating)
    or, when the year has none, DEFAULT_HEAD_RATINGS (unsaved)."""
    ratings = list(HeadRating.objects.filter(year=year))
    if not ratings:
        ratings = [
            HeadRating(year=year, name=name, min_value=min_value, position=position)
            for position, (name, min_value) in enumerate(DEFAULT_HEAD_RATINGS)
        ]
    return sorted(ratings, key=lambda rating: (rating.min_value is None, -(rating.min_value or 0)))


def head_rating_for(*, value, year):
    """The classification a value earns in a year: the rating with the highest lower bound the
    value reaches, else the one without a bound; None for no value or when nothing fits."""
    if value is None:
        return None
    return next(
        (rating for rating in head_ratings(year=year) if rating.min_value is None or value >= rating.min_value), None
    )


# --- Why the rank moved -------------------------------------------------------------------------


def _rank_swaps_sql(*, parent_id):
    # The other units of its group (same kind, same parent) with a result this year and last: who
    # was below it and is now above it, and the reverse. The unit's own two ranks are parameters
    # (its results are read already): reached from the group through the parent's index, not from
    # last year's results of every unit of the index, which PostgreSQL otherwise scanned whole.
    parent = "other.parent_id IS NULL" if parent_id is None else "other.parent_id = %(parent)s"
    return f"""
    SELECT other.id AS unit_id, other.code, other.name,
           o_prev.rank AS previous_rank, o_now.rank AS rank,
           CASE WHEN o_now.rank < %(rank)s THEN 'overtook_it' ELSE 'it_overtook' END AS direction
    FROM {T["unit"]} other
    JOIN {T["result"]} o_now ON o_now.unit_id = other.id AND o_now.index_id = %(index)s AND o_now.year = %(year)s
    JOIN {T["result"]} o_prev
         ON o_prev.unit_id = other.id AND o_prev.index_id = %(index)s AND o_prev.year = %(previous_year)s
    WHERE other.kind = %(kind)s AND {parent} AND other.id <> %(unit)s
      AND ((o_prev.rank > %(previous_rank)s AND o_now.rank < %(rank)s)
           OR (o_prev.rank < %(previous_rank)s AND o_now.rank > %(rank)s))
    ORDER BY o_now.rank, other.name, other.code
    """


@dataclass
class Swaps:
    """Units of the group that passed the unit (or that it passed) between last year and this:
    those the viewer may see, by name, and how many others."""

    units: list = field(default_factory=list)
    hidden: int = 0

    @property
    def count(self):
        return len(self.units) + self.hidden


def rank_swaps(*, unit, results, index, year, user):
    """{"overtook_it": Swaps, "it_overtook": Swaps}: the units of the unit's group ranked below it
    last year and above it this year, and the reverse, on the computed ranks of the group; none
    when the unit was not ranked both years (`results`: unit_results of the unit). The names of
    units the viewer may not see are dropped here, only counted."""
    ranks = {result.year: result.rank for result in results if result.index_id == index.pk}
    rows = []
    if ranks.get(year) is not None and ranks.get(year - 1) is not None:
        params = {
            "unit": unit.pk,
            "kind": unit.kind,
            "parent": unit.parent_id,
            "index": index.pk,
            "year": year,
            "previous_year": year - 1,
            "rank": ranks[year],
            "previous_rank": ranks[year - 1],
        }
        rows = _fetch(_rank_swaps_sql(parent_id=unit.parent_id), params)
    visible = set()
    if rows:
        candidates = Unit.objects.filter(pk__in=[row["unit_id"] for row in rows])
        visible = set(units_visible_to(user=user, queryset=candidates).values_list("pk", flat=True))
    swaps = {"overtook_it": Swaps(), "it_overtook": Swaps()}
    for row in rows:
        if row["unit_id"] in visible:
            swaps[row["direction"]].units.append(row)
        else:
            swaps[row["direction"]].hidden += 1
    return swaps


# --- Publication, revisions and workflow --------------------------------------------------------


def result_revisions(*, result):
    """The result's published revisions, oldest first, each with its publication: one query."""
    return list(ResultRevision.objects.filter(result=result).select_related("publication").order_by("number"))


def unit_assessment(*, unit, methodology):
    """The unit's assessment under the methodology (its workflow status), or None."""
    if methodology is None:
        return None
    return Assessment.objects.filter(unit=unit, methodology=methodology).first()


# --- The whole card -----------------------------------------------------------------------------


@dataclass
class Scorecard:
    """Everything the scorecard page shows for one unit, index and year."""

    unit: Unit
    result: Result
    previous: Result | None
    choices: list
    areas: list
    area_changes: list
    history: list
    lost: list
    dossier_months: list
    heads: list
    head_rating: HeadRating | None
    swaps: dict
    revisions: list = field(default_factory=list)
    assessment: Assessment | None = None
    as_of: object = None  # when the results were last recomputed: what the figures are as of
    # The group's mean and best withheld from a reader of part of a small group (group_figures_withheld).
    group_figures_withheld: bool = False
    # The day the unit took over from its predecessors (reorganised_on), and the predecessors'
    # own dossier series that are not added to its own (split_predecessor_months).
    reorganised_on: datetime.date | None = None
    split_dossier_months: list = field(default_factory=list)
    # The result against its target (indicators.targets.TargetState), and the target values of the
    # years of the unit's results on the index, for the trend chart's target line.
    target: object = None
    target_values: dict = field(default_factory=dict)
    # The units of its group, ranked or not, while its rank is not the published one: a year still
    # being appraised ranks only the units with a result.
    group_members: int | None = None

    @property
    def unranked_members(self):
        """How many units of its group have no rank yet (0 when none or the rank is published)."""
        size = self.result.group_size
        if self.group_members is None or size is None or self.result.official_rank or self.group_members <= size:
            return 0
        return self.group_members - size

    @property
    def minimum_other_units(self):
        """For the notice that says why the group's figures are withheld."""
        return MIN_OTHER_UNITS

    @property
    def revised(self):
        """True when a correction was published after the first publication."""
        return len(self.revisions) > 1

    @property
    def official_state(self):
        """The result's OfficialState (indicators.official): what the card says of it, beside the
        assessment's status."""
        return OfficialState(self.result.official_state)

    @property
    def latest_revision(self):
        return self.revisions[-1] if self.revisions else None

    @property
    def earlier_revisions(self):
        """The values published before the latest revision, newest first: they stay readable."""
        return list(reversed(self.revisions[:-1]))

    @property
    def previous_year(self):
        return self.result.year - 1

    @property
    def value_change(self):
        """This year's value less last year's, or None without both."""
        if self.previous is None or self.previous.value is None or self.result.value is None:
            return None
        return self.result.value - self.previous.value

    @property
    def group_outside(self):
        """True when the rank was published for a group most of which is not in the system (the
        province among 63): there are no group rows to explain its move with."""
        result = self.result
        return bool(result.official_group_size) and result.official_group_size != result.group_size

    @property
    def has_predecessors(self):
        return any(row["predecessor"] for row in self.history)

    @property
    def side_by_side(self):
        """The history as years by unit, the predecessors in their own columns (history_side_by_side)."""
        return history_side_by_side(history=self.history, unit_id=self.unit.pk)

    @property
    def predecessor_names(self):
        return [column["name"] for column in self.side_by_side["columns"] if column["predecessor"]]

    @property
    def dossiers_composed(self):
        """True when some month's dossier counts are the sum of the predecessors'."""
        return any(row.get("composed") for row in self.dossier_months)

    @property
    def chronic_count(self):
        return sum(1 for row in self.lost if row["chronic"])

    @property
    def not_scored(self):
        """The codes of the year's applicable criteria with no appraised score: "not scored", never 0."""
        return [row["code"] for row in self.lost if row["not_scored"]]


def scorecard(*, unit, result, results, user, now=None, as_of=None):
    """The unit's card for `result` (one of `results`, unit_results of the unit), as `user` sees it;
    `as_of`: results_as_of of its index and year when the caller has read it."""
    index, year = result.index, result.year
    methodologies = methodologies_of(index=index, unit_kind=unit.kind, years=[year, year - 1])
    as_of = as_of or results_as_of(index=index, year=year)
    areas = area_comparison(unit=unit, methodology=methodologies[year], as_of=as_of) if year in methodologies else []
    withheld = bool(areas) and group_figures_withheld(unit=unit, methodology=methodologies[year], user=user)
    if withheld:
        areas = withhold_group_figures(areas)
    previous_areas = []
    if areas and year - 1 in methodologies:
        previous_areas = unit_area_subtotals(unit=unit, methodology=methodologies[year - 1])
    # Heads are rated on a scored index, higher is better (the PAR Index of QĐ 1171/QĐ-UBND); a
    # dossier rate (overdue, online %) is no grade of a head's work as a whole.
    rated = index.direction == Direction.HIGHER and not index.dossier_measure
    since, splits = lineage_into(unit=unit)
    return Scorecard(
        unit=unit,
        result=result,
        previous=previous_result(results=results, result=result),
        choices=result_choices(results=results),
        areas=areas,
        area_changes=area_changes(current=areas, previous=previous_areas),
        history=lineage_history(unit=unit, index=index, user=user),
        lost=lost_points_of_year(unit=unit, index=index, year=year),
        dossier_months=dossier_months(unit=unit, year=year, now=now, since=since),
        heads=heads_in_office(unit=unit, year=year),
        head_rating=head_rating_for(value=result.value, year=year) if rated else None,
        swaps=rank_swaps(unit=unit, results=results, index=index, year=year, user=user),
        revisions=result_revisions(result=result),
        assessment=unit_assessment(unit=unit, methodology=methodologies.get(year)),
        as_of=as_of,
        group_figures_withheld=withheld,
        reorganised_on=since,
        split_dossier_months=split_predecessor_months(unit=unit, year=year, now=now) if splits else [],
        target=target_state(result),
        target_values=target_values_by_year(results=results, index=index),
        group_members=(
            ranking_group_members(year=year, kind=unit.kind, parent=unit.parent_id)
            if result.rank and not result.official_rank and unit.parent_id
            else None
        ),
    )
