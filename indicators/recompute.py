"""Results and rankings of one index and year, computed by the database (docs/design.md §3 and §4).

Everything here is a handful of SQL statements that run the same on SQLite (3.39+) and
PostgreSQL: a recursive CTE maps every leaf criterion to its area, GROUP BY totals the scores,
`RANK() OVER (PARTITION BY kind, parent ORDER BY value)` ranks, and an upsert writes only what
changed. No row of scores is ever loaded into Python. PostgreSQL runs the same parts as one
statement of data-modifying CTEs (_recompute_statement), SQLite one after another.

Composite rules, per methodology:
- sum:      value = Σ final scores ÷ Σ max_points of the applicable leaf criteria × 100;
- weighted: value = Σ weightᵢ × valueᵢ over the areas (top-level criteria);
- mean:     value = mean of the areas' values;
- published: nothing is computed; published results are only ranked;
- dossiers:  a rate of the year from the monthly dossier statistics (the index's dossier_measure).
An area's value is its score as entered when the area is itself a leaf (a component value such
as a SIPAS component's %), otherwise its points ÷ applicable maximum × 100. A leaf marked not
applicable leaves both the points and the maximum; an area with nothing applicable is left out
of `weighted` (the other weights are scaled up to the full total) and of `mean`. A missing score
counts as 0. Values are rounded to the six decimals they are stored with, in SQL, so ties are
decided on the stored value on both databases.
"""

import datetime
import json
import logging
import zlib

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from dossiers.measures import MEASURES, month_of, period_counts_sql
from dossiers.models import DossierMonth
from indicators.models import (
    Aggregation,
    Assessment,
    Band,
    Criterion,
    Direction,
    Index,
    Methodology,
    Result,
    ResultSource,
    Score,
)
from units.models import Unit

logger = logging.getLogger(__name__)

T = {
    "criterion": Criterion._meta.db_table,
    "assessment": Assessment._meta.db_table,
    "score": Score._meta.db_table,
    "unit": Unit._meta.db_table,
    "result": Result._meta.db_table,
    "band": Band._meta.db_table,
    "methodology": Methodology._meta.db_table,
    "dossier_month": DossierMonth._meta.db_table,
}


# An assessment counts once the council has appraised something of it: a self-assessment still in
# draft or just submitted has no final score, and its blanks are "not scored", never 0 (design §4),
# so it has no result yet rather than a result of 0 ranked last with every other unappraised unit.
_APPRAISED_SOMETHING = (
    f"EXISTS (SELECT 1 FROM {T['score']} s0 WHERE s0.assessment_id = a.id AND s0.final_score IS NOT NULL)"
)


def area_totals_cte(units_condition=""):
    """CTEs `tree`, `leaves` and `area_totals` (unit_id, area_id, points, applicable_max) for one
    methodology. Parameters, in order: area_totals_params.

    `units_condition` ("AND u.… ", on the unit `u`) narrows the units before their scores are
    summed: a page that shows fifty units, or a scorecard that compares one group, must not sum
    the scores of every unit of the kind in the country and then throw most of them away."""
    return f"""
    WITH RECURSIVE tree(id, area_id) AS (
        SELECT id, id FROM {T["criterion"]} WHERE methodology_id = %s AND parent_id IS NULL
        UNION ALL
        SELECT child.id, tree.area_id FROM {T["criterion"]} child JOIN tree ON child.parent_id = tree.id
    ),
    leaves AS (
        SELECT c.id, tree.area_id, c.max_points
        FROM {T["criterion"]} c JOIN tree ON tree.id = c.id
        -- The methodology again, though the tree holds only its criteria: PostgreSQL cannot
        -- estimate a recursive CTE's size, and without it sums every methodology's scores first.
        WHERE c.methodology_id = %s
          AND NOT EXISTS (SELECT 1 FROM {T["criterion"]} sub WHERE sub.parent_id = c.id)
    ),
    assessed AS (
        SELECT a.id, a.unit_id
        FROM {T["assessment"]} a
        JOIN {T["unit"]} u ON u.id = a.unit_id AND u.kind = %s {units_condition}
        WHERE a.methodology_id = %s AND {_APPRAISED_SOMETHING}
    ),
    -- The scores of those assessments, reached through their assessment (an index): joined to
    -- the leaves instead, PostgreSQL would hash every score of every methodology first.
    scored AS (
        SELECT s.assessment_id, s.criterion_id, s.final_score, s.not_applicable
        FROM {T["score"]} s JOIN assessed ON assessed.id = s.assessment_id
    ),
    area_totals AS (
        SELECT assessed.unit_id, leaves.area_id,
               SUM(CASE WHEN s.not_applicable THEN 0 ELSE COALESCE(s.final_score, 0) END) AS points,
               SUM(CASE WHEN s.not_applicable THEN 0 ELSE leaves.max_points END) AS applicable_max
        FROM assessed
        CROSS JOIN leaves
        LEFT JOIN scored s ON s.assessment_id = assessed.id AND s.criterion_id = leaves.id
        GROUP BY assessed.unit_id, leaves.area_id
    )"""


def area_totals_params(methodology, units_params=()):
    """area_totals_cte's parameters: `units_params` those of its units_condition."""
    return [methodology.pk, methodology.pk, methodology.unit_kind, *units_params, methodology.pk]


_COMPONENTS = f"""
    , components AS (
        SELECT t.unit_id, t.area_id, COALESCE(area.weight, 0) AS weight,
               CASE WHEN t.applicable_max = 0 THEN NULL
                    WHEN NOT EXISTS (SELECT 1 FROM {T["criterion"]} sub WHERE sub.parent_id = t.area_id) THEN t.points
                    ELSE t.points * 100.0 / t.applicable_max END AS value
        FROM area_totals t JOIN {T["criterion"]} area ON area.id = t.area_id
    )"""

# A `sum` methodology needs no areas, so no criterion tree: one GROUP BY of each assessment's
# scores against the leaves, as bare SQL would do it. A leaf without a score counts 0 of its
# maximum, so the applicable maximum is every leaf's maximum less those marked not applicable —
# no grid of every assessment × every leaf to build (through area_totals this statement took
# 46 ms of a 60 ms recompute of 400 communes; bench/README.md). Parameters: _sum_params.
_SUM_COMPOSITE = f"""
    WITH leaves AS (
        SELECT c.id, c.max_points FROM {T["criterion"]} c
        WHERE c.methodology_id = %s
          AND NOT EXISTS (SELECT 1 FROM {T["criterion"]} sub WHERE sub.parent_id = c.id)
    ),
    assessed AS (
        SELECT a.id, a.unit_id
        FROM {T["assessment"]} a JOIN {T["unit"]} u ON u.id = a.unit_id AND u.kind = %s
        WHERE a.methodology_id = %s AND {_APPRAISED_SOMETHING}
    ),
    scored AS (
        SELECT s.assessment_id,
               SUM(CASE WHEN s.not_applicable THEN 0 ELSE COALESCE(s.final_score, 0) END) AS points,
               SUM(CASE WHEN s.not_applicable THEN leaves.max_points ELSE 0 END) AS excluded_max
        FROM assessed
        JOIN {T["score"]} s ON s.assessment_id = assessed.id
        -- "+ 0": reach the scores by their assessment, read in the order they were written, not
        -- by criterion, one random read per score (PostgreSQL picks that for a leaf list it
        -- guesses short: 26 ms instead of 17 for 36,000 scores).
        JOIN leaves ON leaves.id = s.criterion_id + 0
        GROUP BY s.assessment_id
    ),
    totals AS (
        SELECT assessed.unit_id, COALESCE(scored.points, 0) AS points,
               (SELECT SUM(max_points) FROM leaves) - COALESCE(scored.excluded_max, 0) AS applicable_max
        FROM assessed LEFT JOIN scored ON scored.assessment_id = assessed.id
    ),
    composite AS (
        SELECT unit_id, points, applicable_max, ROUND(points * 100.0 / applicable_max, 6) AS value
        FROM totals WHERE applicable_max > 0
    )"""


def _sum_params(methodology):
    return [methodology.pk, methodology.unit_kind, methodology.pk]


_COMPOSITE = {
    Aggregation.WEIGHTED: _COMPONENTS
    + f"""
    , composite AS (
        SELECT unit_id, CAST(NULL AS NUMERIC) AS points, CAST(NULL AS NUMERIC) AS applicable_max,
               ROUND(SUM(weight * value)
                     * (SELECT SUM(COALESCE(weight, 0)) FROM {T["criterion"]} WHERE methodology_id = %s AND parent_id IS NULL)
                     / SUM(CASE WHEN value IS NULL THEN 0 ELSE weight END), 6) AS value
        FROM components GROUP BY unit_id HAVING SUM(CASE WHEN value IS NULL THEN 0 ELSE weight END) > 0
    )""",
    Aggregation.MEAN: _COMPONENTS
    + """
    , composite AS (
        SELECT unit_id, CAST(NULL AS NUMERIC) AS points, CAST(NULL AS NUMERIC) AS applicable_max, ROUND(AVG(value), 6) AS value
        FROM components GROUP BY unit_id HAVING COUNT(value) > 0
    )""",
}


# Only the rows that are new or differ reach the upsert: a join to the stored results finds them in
# one pass. Fed every row, PostgreSQL's ON CONFLICT DO UPDATE locks each conflicting row before it
# tests the WHERE, so a recompute that changed nothing still wrote a lock into every result of the
# year, took a transaction id and waited for its commit to reach the disk (bench/README.md,
# "Recompute"). The upsert's own test stays, for a row another transaction wrote meanwhile (a
# published result). The WHERE also lets SQLite tell the upsert's ON CONFLICT from the join's ON.
_UPSERT = f"""
    INSERT INTO {T["result"]} (unit_id, index_id, year, value, points, applicable_max, source, note, updated_at)
    SELECT c.unit_id, %s, %s, c.value, c.points, c.applicable_max, %s, '', %s
    FROM composite c
    LEFT JOIN {T["result"]} stored ON stored.unit_id = c.unit_id AND stored.index_id = %s AND stored.year = %s
    WHERE stored.id IS NULL OR (stored.source = %s AND (
        stored.value IS DISTINCT FROM c.value
        OR stored.points IS DISTINCT FROM c.points
        OR stored.applicable_max IS DISTINCT FROM c.applicable_max))
    ON CONFLICT (unit_id, index_id, year) DO UPDATE SET
        value = excluded.value, points = excluded.points, applicable_max = excluded.applicable_max,
        updated_at = excluded.updated_at
    WHERE {T["result"]}.source = %s AND (
        {T["result"]}.value IS DISTINCT FROM excluded.value
        OR {T["result"]}.points IS DISTINCT FROM excluded.points
        OR {T["result"]}.applicable_max IS DISTINCT FROM excluded.applicable_max)
"""


def _composite_cte(methodology):
    """(sql, params) of CTEs ending in `composite` (unit_id, points, applicable_max, value)."""
    if methodology.aggregation == Aggregation.DOSSIERS:
        return _dossier_composite(methodology)
    if methodology.aggregation == Aggregation.SUM:
        return _SUM_COMPOSITE, _sum_params(methodology)
    params = area_totals_params(methodology)
    if methodology.aggregation == Aggregation.WEIGHTED:
        params.append(methodology.pk)
    return area_totals_cte() + _COMPOSITE[methodology.aggregation], params


def _composite_upsert(methodology, now):
    """An upsert of the methodology's computed results; a published result of the same unit wins."""
    sql, params = _composite_cte(methodology)
    return sql + _UPSERT, params + [
        methodology.index_id,
        methodology.year,
        ResultSource.COMPUTED,
        now,
        methodology.index_id,
        methodology.year,
        ResultSource.COMPUTED,
        ResultSource.COMPUTED,
    ]


def _dossier_composite(methodology):
    """A year's rate per unit of the methodology's kind, from the monthly dossier statistics: the
    flows of its twelve months, and what was pending at the end of its last month. What the rate
    is, and how a period's counts are summed, are the measure's own (dossiers.measures)."""
    measure = MEASURES.get(methodology.index.dossier_measure)
    if measure is None:
        raise ValueError(
            f"index {methodology.index.code!r} is computed from dossiers but names no dossier measure: "
            "set one (import_methodology --measure, or the index in the admin)"
        )
    first, last = methodology.year * 100 + 1, min(methodology.year * 100 + 12, dossier_month_now())
    sql = f"""
    WITH yearly AS (
        SELECT dm.unit_id,
               {period_counts_sql(last="%s")}
        FROM {T["dossier_month"]} dm
        JOIN {T["unit"]} u ON u.id = dm.unit_id AND u.kind = %s
        WHERE dm.scope = 'own' AND dm.month BETWEEN %s AND %s
        GROUP BY dm.unit_id
    ),
    composite AS (
        SELECT unit_id, CAST(NULL AS NUMERIC) AS points, CAST(NULL AS NUMERIC) AS applicable_max,
               {measure.rate_sql} AS value
        FROM yearly WHERE {measure.denominator_sql} > 0
    )"""
    return sql, [last, last, methodology.unit_kind, first, last]


def dossier_month_now():
    return month_of(timezone.now())


# Computed results of units that no longer have anything to compute from: scores deleted,
# everything marked not applicable, no dossiers any more, or no computed methodology for their kind.
# One statement for every kind (at most one methodology a kind): a unit is still computed when the
# methodology of its kind still computes it. It was one statement per methodology and one for the
# kinds without any, each planned and sent on its own (bench/README.md, "Recompute").
# The year's computed results are read first, apart (MATERIALIZED), so that "still computed" is asked
# only of them: left to the planner, a scan of a small table tested it first, and a year computed
# for the first time paid for it on the other years' rows (7 ms of a 130 ms recompute).
_DELETE_STALE = f"""
    WITH year_results AS MATERIALIZED (
        SELECT id, unit_id FROM {T["result"]} WHERE index_id = %s AND year = %s AND source = %s
    )
    DELETE FROM {T["result"]}
    WHERE id IN (SELECT id FROM year_results WHERE 1 = 1 {{still_computed}})
"""
# For score-based methodologies "still computed" is cheaper asked directly than by re-aggregating:
# the unit has an assessment with at least one applicable leaf criterion. Parameters: the kind, the
# methodology.
_ASSESSED_UNITS = f"""
        SELECT a.unit_id
        FROM {T["assessment"]} a
        JOIN {T["unit"]} u ON u.id = a.unit_id AND u.kind = %s
        WHERE a.methodology_id = %s
          AND EXISTS (
            SELECT 1 FROM {T["criterion"]} c
            WHERE c.methodology_id = a.methodology_id AND c.max_points > 0
              AND NOT EXISTS (SELECT 1 FROM {T["criterion"]} sub WHERE sub.parent_id = c.id)
              AND NOT EXISTS (
                SELECT 1 FROM {T["score"]} s
                WHERE s.assessment_id = a.id AND s.criterion_id = c.id AND s.not_applicable))
"""


def _still_computed(methodology):
    """(sql, params): a SELECT of the units of the methodology's kind it still computes."""
    if methodology.aggregation == Aggregation.DOSSIERS:
        cte, params = _dossier_composite(methodology)
        # A subquery of its own, so that two methodologies' CTEs do not meet.
        return f"SELECT unit_id FROM ({cte} SELECT unit_id FROM composite) still", params
    return _ASSESSED_UNITS, [methodology.unit_kind, methodology.pk]


def _stale_delete(*, index_id, year, methodologies):
    """(sql, params) deleting the computed results of the index and year no methodology gives."""
    params = [index_id, year, ResultSource.COMPUTED]
    if not methodologies:
        return _DELETE_STALE.format(still_computed=""), params
    selects = []
    for methodology in methodologies:
        sql, select_params = _still_computed(methodology)
        selects.append(sql)
        params += select_params
    return _DELETE_STALE.format(still_computed=f"AND unit_id NOT IN ({' UNION ALL '.join(selects)})"), params


# Whether a result's rank can be compared with last year's (docs/design.md §4, "Comparable
# ranks"). Read from a row `w` that has this year's rank (rnk, n: computed; official_rank,
# official_group_size: published), the parent it is ranked under (parent_id), last year's result
# of the same unit and index (p_rank, p_group_size, p_official_rank, p_official_group_size,
# p_parent_id: the parent it was ranked under then) and `common`: how many of this year's ranked
# units of the group had last year a computed rank in the group of w's last year (|A ∩ B|).
# A rank is *outside* when it is a decision's rank among a group that is not all here (the
# province among 63: an official group size other than the group size here); else it is a rank
# of the group held here (computed, or a decision's rank of that very group, 1/20 of 20).
# Same parent required; both outside: the same official group size; both of the group here:
# |A ∩ B| / |A ∪ B| ≥ 0.8, in integers (|A ∪ B| = |A| + |B| − |A ∩ B|, |A| = n,
# |B| = p_group_size); one of each: never. NULL without both ranks.
_OUTSIDE = "({o}official_rank IS NOT NULL AND ({n} IS NULL OR {o}official_group_size <> {n}))"
_OUTSIDE_NOW = _OUTSIDE.format(o="w.", n="w.n")
_OUTSIDE_BEFORE = _OUTSIDE.format(o="w.p_", n="w.p_group_size")
_COMPARABLE = f"""
    CASE WHEN COALESCE(w.p_official_rank, w.p_rank) IS NULL OR COALESCE(w.official_rank, w.rnk) IS NULL THEN NULL
         WHEN COALESCE(w.parent_id, 0) <> COALESCE(w.p_parent_id, 0) THEN FALSE
         WHEN {_OUTSIDE_NOW} AND {_OUTSIDE_BEFORE} THEN w.official_group_size = w.p_official_group_size
         WHEN {_OUTSIDE_NOW} OR {_OUTSIDE_BEFORE} THEN FALSE
         ELSE 10 * w.common >= 8 * (w.n + w.p_group_size - w.common) END"""

# Last year's rank as shown (the official one where published) and its group size.
_PREVIOUS = """
    COALESCE(w.p_official_rank, w.p_rank) AS prev,
    CASE WHEN w.p_official_rank IS NOT NULL THEN w.p_official_group_size ELSE w.p_group_size END AS prev_n"""

# Last year's result of the same unit and index (`p`, joined to this year's `r`), and the key of
# the group its computed rank was in: -1 without one, so those rows count together apart.
_PREVIOUS_JOIN = f"""
    LEFT JOIN {T["result"]} p ON p.unit_id = r.unit_id AND p.index_id = r.index_id AND p.year = r.year - 1"""
_PREVIOUS_COLUMNS = """
    p.rank AS p_rank, p.group_size AS p_group_size, p.official_rank AS p_official_rank,
    p.official_group_size AS p_official_group_size, p.group_parent_id AS p_parent_id,
    CASE WHEN p.rank IS NULL THEN -1 ELSE COALESCE(p.group_parent_id, 0) END AS p_group"""


def _ranking_select(direction, *, source, carry=()):
    """A SELECT of each result's rank, group size, group's parent, band, previous rank, its group
    size and comparability (`x`: id, unit_id, value, rnk, n, parent_id, band_id, prev, prev_n, comparable,
    official_rank, official_group_size and the `carry` columns), over `source`: a FROM item `r`
    with the year's results (id, unit_id, index_id, year, value, official_rank, official_group_size
    and `carry`) and its WHERE, if any.

    The window runs over one scan of the year's results: a row that is not ranked (no value, or
    its unit did not exist that year) gets a partition of its own through the `ranked` flag and a
    NULL rank. A self-join of the results with their ranked copy gave the same answer, but right
    after a bulk load, before PostgreSQL has statistics, the planner took each side for one row
    and recomputed the window once per result: 14 s for 4,001 units instead of milliseconds.
    Last year's result is joined below the window (one lookup per row in the unique
    (unit, index, year) index), and the overlap of this year's and last year's groups is one more
    window over the same rows, partitioned by both groups: no subquery per row.
    A unit is ranked when it exists on the day given (the year's last: see results_recompute).
    Parameters: the last day of the year, the day the unit must still exist on, then `source`'s."""
    order = "DESC" if direction == Direction.HIGHER else "ASC"

    def carried(table):
        return "".join(f", {table}.{column}" for column in carry)

    return f"""
        SELECT w.id, w.unit_id, w.value, w.rnk, w.n, w.parent_id, w.band_id, w.official_rank, w.official_group_size,
               {_PREVIOUS}, {_COMPARABLE} AS comparable {carried("w")}
        FROM (
            SELECT g.id, g.unit_id, g.value, g.parent_id, g.official_rank, g.official_group_size,
                   g.p_rank, g.p_group_size, g.p_official_rank, g.p_official_group_size, g.p_parent_id,
                   CASE WHEN g.ranked = 1 THEN
                       RANK() OVER (PARTITION BY g.kind, g.parent_id, g.ranked ORDER BY g.value {order}) END AS rnk,
                   CASE WHEN g.ranked = 1 THEN COUNT(*) OVER (PARTITION BY g.kind, g.parent_id, g.ranked) END AS n,
                   CASE WHEN g.ranked = 1 THEN
                       COUNT(*) OVER (PARTITION BY g.kind, g.parent_id, g.ranked, g.p_group) END AS common,
                   (SELECT b.id FROM {T["band"]} b
                    WHERE b.index_id = g.index_id AND b.year = g.year AND b.unit_kind = g.kind
                      AND (b.min_value IS NULL OR g.value >= b.min_value)
                      AND (b.max_value IS NULL OR g.value < b.max_value)
                    ORDER BY b.position, b.id LIMIT 1) AS band_id {carried("g")}
            FROM (
                SELECT r.id, r.unit_id, r.index_id, r.year, r.value, r.official_rank, r.official_group_size,
                       u.kind, u.parent_id,
                       CASE WHEN r.value IS NOT NULL
                             AND (u.valid_from IS NULL OR u.valid_from <= %s)
                             AND (u.valid_to IS NULL OR u.valid_to >= %s) THEN 1 ELSE 0 END AS ranked,
                       {_PREVIOUS_COLUMNS} {carried("r")}
                FROM {source}
            ) g
        ) w"""


def _rank_update(direction):
    """Ranks, group sizes, the groups' parents, previous ranks, their comparability and bands of
    an index and year, in one UPDATE of its stored results (_ranking_select).
    Parameters: the last day of the year, the day the unit must still exist on, index id, year."""
    ranking = _ranking_select(
        direction,
        source=f"""{T["result"]} r
                JOIN {T["unit"]} u ON u.id = r.unit_id
                {_PREVIOUS_JOIN}
                WHERE r.index_id = %s AND r.year = %s""",
    )
    return f"""
    UPDATE {T["result"]} SET rank = x.rnk, group_size = x.n, group_parent_id = x.parent_id, band_id = x.band_id,
        previous_rank = x.prev, previous_group_size = x.prev_n, rank_comparable = x.comparable
    FROM ({ranking}
    ) AS x
    WHERE {T["result"]}.id = x.id AND (
        {T["result"]}.rank IS DISTINCT FROM x.rnk
        OR {T["result"]}.group_size IS DISTINCT FROM x.n
        OR {T["result"]}.group_parent_id IS DISTINCT FROM x.parent_id
        OR {T["result"]}.previous_rank IS DISTINCT FROM x.prev
        OR {T["result"]}.previous_group_size IS DISTINCT FROM x.prev_n
        OR {T["result"]}.rank_comparable IS DISTINCT FROM x.comparable
        OR {T["result"]}.band_id IS DISTINCT FROM x.band_id)
    """


def _previous_ranks_update(previous_join):
    """PREVIOUS_RANKS_UPDATE with last year's results `p` joined by `previous_join`."""
    return f"""
    UPDATE {T["result"]} SET previous_rank = x.prev, previous_group_size = x.prev_n, rank_comparable = x.comparable
    FROM (
        SELECT w.id, {_PREVIOUS}, {_COMPARABLE} AS comparable
        FROM (
            SELECT r.id, r.rank AS rnk, r.group_size AS n, r.group_parent_id AS parent_id,
                   r.official_rank, r.official_group_size,
                   {_PREVIOUS_COLUMNS},
                   CASE WHEN r.rank IS NOT NULL THEN
                       COUNT(*) OVER (PARTITION BY u.kind, r.group_parent_id, r.rank IS NULL,
                                      CASE WHEN p.rank IS NULL THEN -1 ELSE COALESCE(p.group_parent_id, 0) END)
                   END AS common
            FROM {T["result"]} r
            JOIN {T["unit"]} u ON u.id = r.unit_id
            {previous_join}
            WHERE r.index_id = %s AND r.year = %s
        ) w
    ) AS x
    WHERE {T["result"]}.id = x.id AND (
        {T["result"]}.previous_rank IS DISTINCT FROM x.prev
        OR {T["result"]}.previous_group_size IS DISTINCT FROM x.prev_n
        OR {T["result"]}.rank_comparable IS DISTINCT FROM x.comparable)
"""


# A year's previous ranks and their comparability, from the ranks and groups stored for it and
# for the year before: run for the next year after a recompute, whose previous ranks read this
# year's (that year's own ranks and groups are read as stored: a recompute of that year rewrites
# them), and by migration 0007 for every year. Parameters: index id, year.
PREVIOUS_RANKS_UPDATE = _previous_ranks_update(_PREVIOUS_JOIN)


def _computed_union(methodologies):
    """(sql, params): a SELECT of every methodology's computed results (unit_id, points,
    applicable_max, value), each methodology's CTEs in a subquery of their own."""
    if not methodologies:
        return (
            "SELECT CAST(NULL AS BIGINT) AS unit_id, CAST(NULL AS NUMERIC) AS points,"
            " CAST(NULL AS NUMERIC) AS applicable_max, CAST(NULL AS NUMERIC) AS value WHERE FALSE"
        ), []
    selects, params = [], []
    for methodology in methodologies:
        sql, cte_params = _composite_cte(methodology)
        selects.append(
            f"SELECT unit_id, points, applicable_max, value FROM ({sql}"
            f" SELECT unit_id, points, applicable_max, value FROM composite) m{methodology.pk}"
        )
        params += cte_params
    return " UNION ALL ".join(selects), params


def _named(sql, params, name, into):
    """`sql` with its positional parameters renamed %(name_0)s, %(name_1)s…, their values put in
    `into`: the parts of _recompute_statement are written for positional parameters, and it
    names its own to use each more than once."""
    parts = sql.split("%s")
    named = [parts[0]]
    for number, (value, part) in enumerate(zip(params, parts[1:], strict=True)):
        into[f"{name}_{number}"] = value
        named += [f"%({name}_{number})s", part]
    return "".join(named)


# The recompute of an index and year in one statement (PostgreSQL): what an upsert per methodology,
# the rank update and the next year's previous ranks do one after another on SQLite. Each of those
# was planned and sent on its own, and at the small size that overhead, not their work, kept the
# recompute above 1.2 × the bare statement (bench/README.md, "Recompute in one statement"). The
# parts of a WITH all see the rows as they were before it, so the ranks are computed from the
# year's results as they will be (`final`: the stored ones with the values just computed, and the
# new ones), and each result is written once, its value and its ranks together. A published result
# keeps its value, and `updated_at` (which moves results_as_of) moves only with a value, as before.
# The stale results are not deleted here: they are rare, and asking which units are still computed
# cost more to plan than the rest of the statement (4–7 ms against 2), though it seldom ran. The
# statement keeps them, values unchanged, and counts them (`orphaned`: computed results the
# methodologies did not give); results_recompute deletes the stale ones among them and ranks again
# only then. The next year's previous ranks are left out when that year has no results.
def _recompute_statement(*, index, year, methodologies, now, next_year):
    """(sql, params) of the recompute in one statement; it returns the rows it changed, the
    year's rows and the year's computed results no methodology gave."""
    result = T["result"]
    params = {"index": index.pk, "year": year, "next_year": year + 1, "computed": ResultSource.COMPUTED, "now": now}
    computed = _named(*_computed_union(methodologies), "computed", params)
    last = datetime.date(year, 12, 31)
    ranking = _named(
        _ranking_select(
            index.direction,
            source=f"""final r
                JOIN {T["unit"]} u ON u.id = r.unit_id
                {_PREVIOUS_JOIN}""",
            carry=("points", "applicable_max"),
        ),
        [last, last],
        "last",
        params,
    )
    differs = " OR ".join(
        f"s.{stored} IS DISTINCT FROM x.{new}"
        for stored, new in (
            ("value", "value"),
            ("points", "points"),
            ("applicable_max", "applicable_max"),
            ("rank", "rnk"),
            ("group_size", "n"),
            ("group_parent_id", "parent_id"),
            ("band_id", "band_id"),
            ("previous_rank", "prev"),
            ("previous_group_size", "prev_n"),
            ("rank_comparable", "comparable"),
        )
    )
    value_differs = " OR ".join(
        f"{result}.{column} IS DISTINCT FROM excluded.{column}" for column in ("value", "points", "applicable_max")
    )
    kept_unless_computed = ",\n            ".join(
        f"{column} = CASE WHEN {result}.source = %(computed)s THEN excluded.{column} ELSE {result}.{column} END"
        for column in ("value", "points", "applicable_max")
    )
    next_year_cte = next_year_count = ""
    if next_year:
        update = _previous_ranks_update("LEFT JOIN this_year p ON p.unit_id = r.unit_id")
        next_year_cte = f""",
    this_year AS (
        SELECT unit_id, rnk AS rank, n AS group_size, official_rank, official_group_size, parent_id AS group_parent_id
        FROM x
    ),
    next_year AS ({update.replace("%s AND r.year = %s", "%(index)s AND r.year = %(next_year)s")}
        RETURNING 1
    )"""
        next_year_count = " + (SELECT COUNT(*) FROM next_year)"
    sql = f"""
    WITH computed AS MATERIALIZED (
        {computed}
    ),
    stored AS MATERIALIZED (
        SELECT id, unit_id, source, value, points, applicable_max, official_rank, official_group_size,
               rank, group_size, group_parent_id, band_id, previous_rank, previous_group_size, rank_comparable
        FROM {result} WHERE index_id = %(index)s AND year = %(year)s
    ),
    final AS (
        SELECT id, unit_id, %(index)s AS index_id, %(year)s AS year, official_rank, official_group_size,
               CASE WHEN fresh THEN c_value ELSE value END AS value,
               CASE WHEN fresh THEN c_points ELSE points END AS points,
               CASE WHEN fresh THEN c_applicable_max ELSE applicable_max END AS applicable_max
        FROM (
            SELECT s.id, COALESCE(s.unit_id, c.unit_id) AS unit_id, s.official_rank, s.official_group_size,
                   s.value, s.points, s.applicable_max,
                   c.value AS c_value, c.points AS c_points, c.applicable_max AS c_applicable_max,
                   c.unit_id IS NOT NULL AND (s.id IS NULL OR s.source = %(computed)s) AS fresh
            FROM stored s FULL JOIN computed c ON c.unit_id = s.unit_id
        ) j
    ),
    x AS MATERIALIZED ({ranking}
    ),
    written AS (
        INSERT INTO {result} (unit_id, index_id, year, value, points, applicable_max, source, note, updated_at,
                              rank, group_size, group_parent_id, band_id, previous_rank, previous_group_size,
                              rank_comparable)
        -- A stored row is proposed with its own source: PostgreSQL checks the proposed row against
        -- the table's checks before the conflict makes it an update, and a published result may
        -- lack the value a computed one must have. The update never changes the source.
        SELECT x.unit_id, %(index)s, %(year)s, x.value, x.points, x.applicable_max, COALESCE(s.source, %(computed)s),
               '', %(now)s, x.rnk, x.n, x.parent_id, x.band_id, x.prev, x.prev_n, x.comparable
        FROM x LEFT JOIN stored s ON s.id = x.id
        WHERE s.id IS NULL OR {differs}
        -- A row written meanwhile by another transaction (a published result) keeps its value.
        ON CONFLICT (unit_id, index_id, year) DO UPDATE SET
            {kept_unless_computed},
            updated_at = CASE WHEN {result}.source = %(computed)s AND ({value_differs})
                              THEN excluded.updated_at ELSE {result}.updated_at END,
            rank = excluded.rank, group_size = excluded.group_size, group_parent_id = excluded.group_parent_id,
            band_id = excluded.band_id, previous_rank = excluded.previous_rank,
            previous_group_size = excluded.previous_group_size, rank_comparable = excluded.rank_comparable
        RETURNING 1
    ){next_year_cte}
    SELECT (SELECT COUNT(*) FROM written){next_year_count},
           (SELECT COUNT(*) FROM x),
           (SELECT COUNT(*) FROM stored s
            WHERE s.source = %(computed)s AND NOT EXISTS (SELECT 1 FROM computed c WHERE c.unit_id = s.unit_id))
    """
    return sql, params


def _execute(cursor, sql, params):
    """Run a write and return how many rows it changed.

    Python's sqlite3 (before 3.12) reports -1 for a write that starts with WITH; SQLite's own
    changes() counts it."""
    cursor.execute(sql, params)
    if cursor.rowcount >= 0:
        return cursor.rowcount
    cursor.execute("SELECT changes()")
    return cursor.fetchone()[0]


def recompute_lock_key(*, index_id, year):
    """The PostgreSQL advisory lock key of one index and year's recompute."""
    return zlib.crc32(f"results:{index_id}:{year}".encode())


def _lock(*, index_id, year):
    """Serialise recomputes of one index and year across workers and machines.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the transaction already holds the
    database's write lock from BEGIN IMMEDIATE (settings), so there is nothing to add.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [recompute_lock_key(index_id=index_id, year=year)])


# The planner's statistics of the results table (PostgreSQL). A year computed for the first time
# is rows the statistics have never seen: after a bulk load the table was analysed while empty, or
# its last ANALYZE knew other years only, and the planner then takes the year for a row or two.
# On such an estimate it planned the rank update and the next year's previous ranks as nested
# loops that read every result of the index once per row of the year and ran the ranking window
# again for each: 40 s to more than 5 minutes for a past year nationally instead of seconds
# (bench/README.md, "What the real tree found"). Autovacuum would analyse the table, but only after
# our transaction commits, too late for its own statements. So the estimate of the year's and the
# next year's results is compared with their count, before the statement that reads them and, for
# the year's, after it wrote them (for what reads them next), and where it is ten times too low
# the table is analysed inside the transaction (ANALYZE sees the rows this transaction wrote):
# _recompute_postgresql. A recompute of a year the statistics know (every nightly run after the
# first) only pays for the counts and one EXPLAIN of both years, a millisecond or two; below
# STATISTICS_MIN_ROWS a misplanned loop costs less than the ANALYZE would, and nothing is asked.
# ANALYZE holds the table's SHARE UPDATE EXCLUSIVE lock until our commit: a second recompute that
# wants to analyse too waits at most STATISTICS_LOCK_WAIT_MS for it, then goes on unanalysed (as
# before this check) rather than wait on the first, which may be waiting on its rows (the
# previous ranks of the next year): no deadlock, at worst one slow recompute.
STATISTICS_MIN_ROWS = 500
STATISTICS_MISESTIMATE = 10
STATISTICS_LOCK_WAIT_MS = 200


def _results_analyse(cursor):
    """ANALYZE the results table within this transaction if its lock comes soon; True if done."""
    try:
        with transaction.atomic():  # a savepoint: a lock not had undoes this alone
            cursor.execute(f"SET LOCAL lock_timeout = {STATISTICS_LOCK_WAIT_MS}")
            cursor.execute(f"ANALYZE {connection.ops.quote_name(T['result'])}")
            cursor.execute("SET LOCAL lock_timeout = DEFAULT")  # the ranks below wait as long as they must
    except OperationalError as error:
        logger.warning("results not analysed before ranking (another transaction analyses them): %s", error)
        return False
    return True


def results_recompute(*, index_id, year):
    """Recompute the results, ranks, previous ranks and bands of one index and year.

    Idempotent and safe to run concurrently: it runs in one transaction under a lock, writes
    only rows whose values differ, and so a second run changes nothing. Returns the number of
    rows changed (inserted, updated or deleted).
    """
    now = timezone.now()
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            return _recompute_postgresql(cursor, index_id=index_id, year=year, now=now)
    changed = 0
    with transaction.atomic():
        _lock(index_id=index_id, year=year)
        methodologies = list(
            Methodology.objects.filter(index_id=index_id, year=year)
            .exclude(aggregation=Aggregation.PUBLISHED)
            .select_related("index")
        )
        # The index comes with its methodologies: one round trip less (bench/README.md, "Recompute").
        index = methodologies[0].index if methodologies else Index.objects.get(pk=index_id)
        with connection.cursor() as cursor:
            # The stale results first: the units they drop and the units the upserts write are
            # apart, and before the upserts a year computed for the first time has no result to
            # test against the "still computed" subquery, which then never runs (5 ms of a 50 ms
            # recompute of 480 units; bench/README.md).
            changed += _execute(cursor, *_stale_delete(index_id=index_id, year=year, methodologies=methodologies))
            for methodology in methodologies:
                changed += _execute(cursor, *_composite_upsert(methodology, now))
            # Ranked: the units that exist at the end of the year. A unit that ended during it (a
            # commune merged on 1 July 2025) belongs to no group of that year's ranking; its
            # successor does (docs/design.md, history across reorganisations).
            changed += _rank(cursor, index=index, year=year)
            changed += _execute(cursor, PREVIOUS_RANKS_UPDATE, [index_id, year + 1])
    return changed


# The lock, then the index, its computed methodologies of the year and the count of the year's and
# the next year's results, in one round trip: PostgreSQL runs the two statements of one message one
# after the other, each with a snapshot of its own, so the second sees what a recompute that held
# the lock before committed. Under load each round trip costs more than these statements' work
# (bench/README.md, "Recompute in one statement").
_LOCK_AND_METHODOLOGIES = f"""
    SELECT pg_advisory_xact_lock(%s);
    SELECT i.code, i.direction, i.dossier_measure, m.id, m.aggregation, m.unit_kind,
           (SELECT COUNT(*) FROM {T["result"]} WHERE index_id = %s AND year = %s),
           (SELECT COUNT(*) FROM {T["result"]} WHERE index_id = %s AND year = %s)
    FROM {Index._meta.db_table} i
    LEFT JOIN {T["methodology"]} m ON m.index_id = i.id AND m.year = %s AND m.aggregation <> %s
    WHERE i.id = %s
    ORDER BY m.unit_kind
"""
# The planner's estimates of the year's and the next year's results. Parameters: index id, year, index id, year.
_YEARS_ROWS_PLAN = f"""
    EXPLAIN (FORMAT JSON)
    SELECT 1 FROM {T["result"]} WHERE index_id = %s AND year = %s
    UNION ALL SELECT 1 FROM {T["result"]} WHERE index_id = %s AND year = %s
"""


def _recompute_postgresql(cursor, *, index_id, year, now):
    """results_recompute's work on PostgreSQL, in a transaction: the lock and what the statement
    is built from (_LOCK_AND_METHODOLOGIES), _recompute_statement, then the stale results' delete
    and a second ranking only if it found computed results no methodology gave. Around it, two
    looks at the planner's statistics (STATISTICS_MIN_ROWS): before, of the rows it reads
    (the year's and the next year's stored results); after, of the year's rows as it left them,
    when it wrote any, for the statements that read them next (a what-if's re-rank, the pages).
    Each look asks the planner only when there are rows enough to matter (STATISTICS_MIN_ROWS)."""
    years = (year, year + 1)
    cursor.execute(
        _LOCK_AND_METHODOLOGIES,
        [recompute_lock_key(index_id=index_id, year=year), index_id, year, index_id, year + 1]
        + [year, Aggregation.PUBLISHED, index_id],
    )
    rows = cursor.fetchall()
    if not rows:
        raise Index.DoesNotExist(f"no index {index_id}")
    code, direction, dossier_measure = rows[0][:3]
    counts = dict(zip(years, rows[0][6:], strict=True))
    # Built from the columns the statement needs, not read through the ORM: a query less to compile.
    index = Index(pk=index_id, code=code, direction=direction, dossier_measure=dossier_measure)
    methodologies = [
        Methodology(pk=pk, index=index, year=year, aggregation=aggregation, unit_kind=unit_kind)
        for _code, _direction, _measure, pk, aggregation, unit_kind, *_counts in rows
        if pk is not None
    ]
    estimates = {}
    if any(count >= STATISTICS_MIN_ROWS for count in counts.values()):
        estimates = _years_estimates(cursor, index_id=index_id, years=years)
    analysed = any(_misestimated(estimates[each], counts[each]) for each in estimates) and _results_analyse(cursor)
    cursor.execute(
        *_recompute_statement(
            index=index, year=year, methodologies=methodologies, now=now, next_year=counts[year + 1] > 0
        )
    )
    changed, year_rows, orphaned = cursor.fetchone()
    if orphaned:
        deleted = _execute(cursor, *_stale_delete(index_id=index_id, year=year, methodologies=methodologies))
        if deleted:
            year_rows -= deleted
            changed += deleted + _rank(cursor, index=index, year=year)
            changed += _execute(cursor, PREVIOUS_RANKS_UPDATE, [index_id, year + 1])
    if changed and year_rows >= STATISTICS_MIN_ROWS:
        # Analysed just now, the statistics know the year's rows as they were before the statement.
        estimated = counts[year] if analysed else estimates.get(year)
        if estimated is None:
            estimated = _years_estimates(cursor, index_id=index_id, years=years)[year]
        if _misestimated(estimated, year_rows):
            _results_analyse(cursor)
    return changed


def _years_estimates(cursor, *, index_id, years):
    """{year: the planner's estimate of the index's results of that year} of `years` (two)."""
    cursor.execute(_YEARS_ROWS_PLAN, [index_id, years[0], index_id, years[1]])
    plan = cursor.fetchone()[0]
    scans = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plans"]
    return {each: scan["Plan Rows"] for each, scan in zip(years, scans, strict=True)}


def _misestimated(estimated, counted):
    return counted >= STATISTICS_MIN_ROWS and estimated * STATISTICS_MISESTIMATE < counted


def results_rerank(*, index_id, year):
    """Re-rank one index and year from the values stored, without recomputing them: the ranking
    half of results_recompute, for a value set by hand inside a what-if (indicators.whatif)."""
    index = Index.objects.get(pk=index_id)
    with transaction.atomic():
        _lock(index_id=index_id, year=year)
        with connection.cursor() as cursor:
            return _rank(cursor, index=index, year=year)


def _rank(cursor, *, index, year):
    """Rank the index's year among the units that exist at its end (_rank_update)."""
    last = datetime.date(year, 12, 31)
    return _execute(cursor, _rank_update(index.direction), [last, last, index.pk, year])
