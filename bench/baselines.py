"""The database's own time for the same work: one hand-written statement per figure, no Django.

Each baseline reads the same rows as the code it is measured against and computes the same
numbers, so that the ratio says what our code costs above what the database needs anyway.
"""

# Value = Σ final scores ÷ Σ maximum of the applicable leaves × 100 and its rank within the
# group (unit kind, parent) — what indicators.recompute gives a `sum` methodology.
_RECOMPUTE_VALUED = """
WITH leaf AS (
    SELECT c.id, c.max_points
    FROM indicators_criterion c
    JOIN indicators_methodology m ON m.id = c.methodology_id
    WHERE m.index_id = %s AND m.year = %s
      AND NOT EXISTS (SELECT 1 FROM indicators_criterion k WHERE k.parent_id = c.id)
),
totals AS (
    SELECT a.unit_id, SUM(COALESCE(s.final_score, 0)) AS points, SUM(l.max_points) AS maximum
    FROM indicators_assessment a
    JOIN indicators_methodology m ON m.id = a.methodology_id
    JOIN indicators_score s ON s.assessment_id = a.id
    JOIN leaf l ON l.id = s.criterion_id
    WHERE m.index_id = %s AND m.year = %s AND NOT s.not_applicable
    GROUP BY a.unit_id
),
valued AS (
    SELECT t.unit_id, u.kind, u.parent_id, t.points, t.maximum, ROUND(t.points * 100.0 / t.maximum, 6) AS value
    FROM totals t JOIN units_unit u ON u.id = t.unit_id
)"""
# The values and ranks read. Parameters: index id, year, index id, year.
RECOMPUTE = (
    _RECOMPUTE_VALUED
    + """
SELECT unit_id, value, RANK() OVER (PARTITION BY kind, parent_id ORDER BY value DESC) AS rank
FROM valued
"""
)
# The same written as a first computation writes them: every result of the year inserted with its
# value, points, maximum, rank and group size, into the results table and its indexes, and
# committed (run outside a transaction: one statement and its commit). The recompute from nothing
# writes and commits each result too; measured against RECOMPUTE alone, its ratio counted the
# writing and the wait for the commit to reach the disk as overhead (bench/README.md, "Recompute in
# one statement"). Parameters: index id, year, index id, year, index id, year.
RECOMPUTE_WRITTEN = (
    _RECOMPUTE_VALUED
    + """
INSERT INTO indicators_result (unit_id, index_id, year, value, points, applicable_max, source, note, updated_at,
                               rank, group_size)
SELECT unit_id, %s, %s, value, points, maximum, 'computed', '', CURRENT_TIMESTAMP,
       RANK() OVER (PARTITION BY kind, parent_id ORDER BY value DESC), COUNT(*) OVER (PARTITION BY kind, parent_id)
FROM valued
"""
)

# Per unit and month received: the flows dossiers.stats counts, in one GROUP BY over every dossier.
_DOSSIER_COUNTS = """
SELECT unit_id, received_month,
       COUNT(*),
       SUM(CASE WHEN channel = 'online' THEN 1 ELSE 0 END),
       SUM(CASE WHEN fully_online THEN 1 ELSE 0 END),
       SUM(CASE WHEN fee_required THEN 1 ELSE 0 END),
       SUM(CASE WHEN paid_online THEN 1 ELSE 0 END),
       SUM(CASE WHEN effective_completed_at > due_at THEN 1 ELSE 0 END),
       SUM(CASE WHEN result_entered THEN 1 ELSE 0 END)
FROM dossiers_dossier
{where}
GROUP BY unit_id, received_month
"""
DOSSIER_STATS_FULL = _DOSSIER_COUNTS.format(where="")
# The same over one day's new dossiers. Parameter: the first moment of the day.
DOSSIER_STATS_DAY = _DOSSIER_COUNTS.format(where="WHERE received_at >= %s")
# The same over the dossiers of one source (a batch of new dossiers). Parameter: the source.
DOSSIER_STATS_SOURCE = _DOSSIER_COUNTS.format(where="WHERE source = %s")
