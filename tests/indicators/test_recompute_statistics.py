"""A recompute does not depend on autovacuum having analysed the results table (PostgreSQL).

After a bulk load the table's statistics know nothing of a year computed for the first time, and
the planner took that year for a row: the rank update and the next year's previous ranks then read
every result of the index once per row (bench/README.md, "What the real tree found"). The
recompute analyses the table itself when its estimate of the year is ten times too low
(indicators.recompute._recompute_postgresql), and only then."""

import json
from decimal import Decimal as D

import pytest
from django.db import connection, connections

from indicators.models import Assessment, Criterion, Direction, Index, Result, Score
from indicators.recompute import STATISTICS_MIN_ROWS, _rank_update, results_recompute
from tests.indicators.builders import methodology
from units.models import Unit, UnitKind

pytestmark = pytest.mark.needs_postgres

RESULT = Result._meta.db_table


def _bulk_scores(par, units, year):
    """Every unit's assessment and scores of a year in three INSERTs, as an import writes them."""
    m = methodology(par, year)
    leaves = list(Criterion.objects.filter(methodology=m, parent__isnull=False).order_by("code"))
    assessments = Assessment.objects.bulk_create([Assessment(unit=unit, methodology=m) for unit in units])
    Score.objects.bulk_create(
        Score(assessment=assessment, criterion=leaf, final_score=D((i * 7 + n * 3) % 11 + 9))
        for i, assessment in enumerate(assessments)
        for n, leaf in enumerate(leaves)
    )


@pytest.fixture
def bulk_loaded(db, tree):
    """Departments enough for the check to matter, scored in 2024 and 2025, nothing analysed."""
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    units = Unit.objects.bulk_create(
        Unit(code=f"S{i:04}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province)
        for i in range(STATISTICS_MIN_ROWS + 100)
    )
    for year in (2024, 2025):
        _bulk_scores(par, units, year)
    return par


def _analyses():
    """How many times the results table was analysed by hand (autovacuum's runs are counted apart)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # this transaction's cached statistics
        cursor.execute("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = %s", [RESULT])
        return cursor.fetchone()[0]


def _plan(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _nodes(node):
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def _estimated_rows(index, year):
    return _plan(f"SELECT 1 FROM {RESULT} WHERE index_id = %s AND year = %s", [index.pk, year])["Plan Rows"]


def test_a_first_recompute_after_a_bulk_load_analyses_the_results_it_wrote(bulk_loaded):
    par = bulk_loaded
    units = STATISTICS_MIN_ROWS + 100
    before = _analyses()
    # As the benchmark found it: next year's results there first, then a past year.
    results_recompute(index_id=par.pk, year=2025)
    results_recompute(index_id=par.pk, year=2024)
    assert Result.objects.filter(index=par, year=2024, rank__isnull=False).count() == units
    assert _analyses() > before
    # The planner now knows each year's rows, and plans the 2024 rank update without a loop that
    # reads the index's results once per row.
    for year in (2024, 2025):
        assert _estimated_rows(par, year) > units / 2
    last = "2024-12-31"
    plan = _plan(_rank_update(Direction.HIGHER), [last, last, par.pk, 2024])
    # A loop may look one result up per row (by id, or by unit, index and year); what it must not
    # do is scan the index's year, or the whole table, again for each row.
    loops_over_results = [
        node
        for node in _nodes(plan)
        if node["Node Type"] == "Nested Loop"
        and any(
            inner.get("Relation Name") == RESULT
            and (inner["Node Type"] == "Seq Scan" or inner.get("Index Name") == "result_index_year")
            for inner in _nodes(node["Plans"][1])
        )
    ]
    assert loops_over_results == [], json.dumps(plan, indent=1)[:3000]
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")  # the moment's limit for ANALYZE only
        assert cursor.fetchone()[0] == "0"


def test_a_recompute_of_a_year_the_statistics_know_does_not_analyse_again(bulk_loaded):
    par = bulk_loaded
    results_recompute(index_id=par.pk, year=2025)
    results_recompute(index_id=par.pk, year=2024)
    before = _analyses()
    Score.objects.filter(assessment__methodology__year=2024).update(final_score=D(5))
    assert results_recompute(index_id=par.pk, year=2024) > 0  # every value changed, statistics still right
    assert _analyses() == before


def test_a_small_year_is_not_analysed(db, tree):
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    units = Unit.objects.bulk_create(
        Unit(code=f"S{i:02}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province) for i in range(20)
    )
    _bulk_scores(par, units, 2024)
    before = _analyses()
    results_recompute(index_id=par.pk, year=2024)
    assert _analyses() == before


def test_a_recompute_goes_on_unanalysed_when_another_transaction_holds_the_tables_statistics_lock(bulk_loaded, caplog):
    # Another recompute analysing the table holds its SHARE UPDATE EXCLUSIVE lock to its commit;
    # waiting for it could deadlock (it may wait on our rows), so this one waits a moment and
    # ranks without: the same results, no error.
    par = bulk_loaded
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(f"LOCK TABLE {RESULT} IN SHARE UPDATE EXCLUSIVE MODE")
            before = _analyses()
            results_recompute(index_id=par.pk, year=2024)
            assert _analyses() == before
            assert "results not analysed before ranking" in caplog.text
            cursor.execute("ROLLBACK")
    finally:
        other.close()
    ranked = Result.objects.filter(index=par, year=2024, rank__isnull=False)
    assert ranked.count() == STATISTICS_MIN_ROWS + 100
    # The recompute's later statements wait for locks as long as they must again.
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"
