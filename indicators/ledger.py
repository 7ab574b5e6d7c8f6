"""The lost-points ledger: where each unit lost points, year by year, and which losses are chronic.

The article's complaint is points lost "for many years but not remedied". A loss is *chronic*
when the same criterion code (codes are stable across years' methodologies) lost points in at
least N consecutive years up to that year (settings.CHRONIC_LOSS_YEARS, default 3). Consecutive runs are found in SQL with the classic
"year minus row number" islands, so a unit's whole history is one query.
"""

from django.conf import settings
from django.db import connection

from indicators.recompute import T
from reformdash.lib.fields import as_decimal
from units.selectors import units_valid_in

_LEDGER = f"""
    WITH ledger AS (
        SELECT a.unit_id, m.index_id, m.year, c.code, c.title, c.max_points,
               s.self_score, s.final_score,
               c.max_points - COALESCE(s.final_score, 0) AS lost
        FROM {T["assessment"]} a
        JOIN {T["methodology"]} m ON m.id = a.methodology_id
        JOIN {T["criterion"]} c ON c.methodology_id = m.id
        LEFT JOIN {T["score"]} s ON s.assessment_id = a.id AND s.criterion_id = c.id
        WHERE NOT EXISTS (SELECT 1 FROM {T["criterion"]} sub WHERE sub.parent_id = c.id)
          AND (s.id IS NULL OR NOT s.not_applicable)
          AND {{where}}
    ),
    islands AS (
        SELECT unit_id, index_id, code, year,
               year - ROW_NUMBER() OVER (PARTITION BY unit_id, index_id, code ORDER BY year) AS island
        FROM ledger WHERE lost > 0
    ),
    streaks AS (
        SELECT unit_id, index_id, code, year,
               COUNT(*) OVER (PARTITION BY unit_id, index_id, code, island ORDER BY year
                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS streak
        FROM islands
    )
"""


DECIMAL_COLUMNS = {"max_points", "self_score", "final_score", "lost"}


def _fetch(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [
            {
                name: as_decimal(value) if name in DECIMAL_COLUMNS else value
                for name, value in zip(columns, row, strict=True)
            }
            for row in cursor.fetchall()
        ]


def lost_points(*, unit, index=None, chronic_years=None):
    """Every leaf criterion a unit was scored on, each year: maximum, self score, final score,
    points lost, the length of its losing streak, whether that is chronic, and whether it was not
    scored at all (no final score: all its points lost, shown "not scored"). Newest year first,
    biggest loss first. Not-applicable criteria are left out: nothing could be lost there."""
    where, params = "a.unit_id = %s", [unit.pk]
    if index is not None:
        where += " AND m.index_id = %s"
        params.append(index.pk)
    rows = _fetch(
        _LEDGER.format(where=where)
        + """
        SELECT ledger.index_id, ledger.year, ledger.code, ledger.title, ledger.max_points,
               ledger.self_score, ledger.final_score, ledger.lost, COALESCE(streaks.streak, 0) AS streak
        FROM ledger
        LEFT JOIN streaks ON streaks.unit_id = ledger.unit_id AND streaks.index_id = ledger.index_id
                         AND streaks.code = ledger.code AND streaks.year = ledger.year
        ORDER BY ledger.year DESC, ledger.lost DESC, ledger.code
        """,
        params,
    )
    chronic_years = chronic_years or settings.CHRONIC_LOSS_YEARS
    for row in rows:
        row["chronic"] = row["streak"] >= chronic_years
        # No appraised score entered: shown "not scored", never 0 (its points count as lost here).
        row["not_scored"] = row["final_score"] is None
    return rows


def _group_where(*, index, year, kind, parent, units=None):
    """The ledger's WHERE for a group — the units of `kind` (under `parent`) that existed in `year`,
    narrowed to `units` (a Unit queryset) when given — over `year` and the years before it (the
    streaks need them): (sql, params)."""
    group = units_valid_in(year=year).filter(kind=kind)
    if parent is not None:
        group = group.filter(parent=parent)
    if units is not None:
        group = group.filter(pk__in=units.values("pk"))
    group_sql, group_params = group.values("id").query.sql_with_params()
    return f"m.index_id = %s AND m.year <= %s AND a.unit_id IN ({group_sql})", [index.pk, year, *group_params]


def chronic_losses(*, index, year, kind, parent=None, chronic_years=None):
    """The criteria on which most units of a group keep losing points, as of `year`.

    One row per criterion code with a chronic loss in the group: how many of the group's units
    lose on it chronically, out of how many were scored, and which units (by name)."""
    chronic_years = chronic_years or settings.CHRONIC_LOSS_YEARS
    where, where_params = _group_where(index=index, year=year, kind=kind, parent=parent)
    rows = _fetch(
        _LEDGER.format(where=where)
        + f"""
        SELECT ledger.code, ledger.title, u.name AS unit_name, u.code AS unit_code, streaks.streak,
               (SELECT COUNT(DISTINCT l2.unit_id) FROM ledger l2 WHERE l2.code = ledger.code AND l2.year = %s) AS scored
        FROM ledger
        JOIN streaks ON streaks.unit_id = ledger.unit_id AND streaks.index_id = ledger.index_id
                    AND streaks.code = ledger.code AND streaks.year = ledger.year
        JOIN {T["unit"]} u ON u.id = ledger.unit_id
        WHERE ledger.year = %s AND streaks.streak >= %s
        ORDER BY ledger.code, u.name
        """,
        [*where_params, year, year, chronic_years],
    )
    # The rows are the chronic (criterion, unit) pairs only: few, and grouped here for display.
    criteria = {}
    for row in rows:
        entry = criteria.setdefault(
            row["code"], {"code": row["code"], "title": row["title"], "scored": row["scored"], "units": []}
        )
        entry["units"].append({"code": row["unit_code"], "name": row["unit_name"], "streak": row["streak"]})
    result = list(criteria.values())
    for entry in result:
        entry["chronic_units"] = len(entry["units"])
    return sorted(result, key=lambda entry: (-entry["chronic_units"], entry["code"]))


def criterion_losses(*, index, year, kind, parent=None, units=None, chronic_years=None, limit=None):
    """Where a group's units lose the most points in `year`, per criterion code, biggest loss first:
    the points lost on it by all of them together on appraised scores (`lost`, of `max_points`, the
    sum of their maximums), how many units lost points on it (`losing`) of how many have an
    appraised score on it (`scored`) — a unit not scored yet (`not_scored`, counted apart) has lost
    nothing yet, it has no figure: "not scored", never 0 —,
    how many of those lose it chronically (`chronic_units`, streak ≥ chronic_years) and the
    longest losing run among them (`longest_streak`, years). `units` (a Unit queryset) narrows
    the group to those units: what a reader may see. The first `limit` criteria; one GROUP BY
    over the same ledger and streaks as chronic_losses."""
    chronic_years = chronic_years or settings.CHRONIC_LOSS_YEARS
    where, where_params = _group_where(index=index, year=year, kind=kind, parent=parent, units=units)
    sql = (
        _LEDGER.format(where=where)
        + """
        SELECT ledger.code, MAX(ledger.title) AS title,
               SUM(CASE WHEN ledger.final_score IS NOT NULL THEN ledger.lost ELSE 0 END) AS lost,
               SUM(CASE WHEN ledger.final_score IS NOT NULL THEN ledger.max_points ELSE 0 END) AS max_points,
               SUM(CASE WHEN ledger.final_score IS NOT NULL AND ledger.lost > 0 THEN 1 ELSE 0 END) AS losing,
               SUM(CASE WHEN ledger.final_score IS NOT NULL THEN 1 ELSE 0 END) AS scored,
               SUM(CASE WHEN ledger.final_score IS NOT NULL AND streaks.streak >= %s THEN 1 ELSE 0 END) AS chronic_units,
               COALESCE(MAX(CASE WHEN ledger.final_score IS NOT NULL THEN streaks.streak END), 0) AS longest_streak,
               SUM(CASE WHEN ledger.final_score IS NOT NULL THEN 0 ELSE 1 END) AS not_scored
        FROM ledger
        LEFT JOIN streaks ON streaks.unit_id = ledger.unit_id AND streaks.index_id = ledger.index_id
                         AND streaks.code = ledger.code AND streaks.year = ledger.year
        WHERE ledger.year = %s
        GROUP BY ledger.code
        HAVING SUM(CASE WHEN ledger.final_score IS NOT NULL THEN ledger.lost ELSE 0 END) > 0
        ORDER BY lost DESC, ledger.code
        """
    )
    params = [*where_params, chronic_years, year]
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    return _fetch(sql, params)
