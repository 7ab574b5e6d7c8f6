"""indicators.selectors.ranking_years: every year with a result of any index, newest first, read one
step of the (index, year) index at a time rather than by a DISTINCT over every result."""

import json
from decimal import Decimal as D

import pytest
from django.db import connection

from indicators.models import Index, Result
from indicators.selectors import ranking_years
from units.models import Unit, UnitKind


def _results(tree, index, years, *, units=1):
    """`units` departments of the tree's province, each with a result of `index` in each of `years`."""
    made = Unit.objects.bulk_create(
        Unit(code=f"{index.code}-{n}", name=f"Sở {index.code} {n}", kind=UnitKind.DEPARTMENT, parent=tree.province)
        for n in range(units)
    )
    Result.objects.bulk_create(
        Result(unit=unit, index=index, year=year, value=D(50)) for unit in made for year in years
    )


@pytest.mark.django_db
def test_every_year_of_any_index_newest_first_without_a_gap_filled(tree):
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    sipas = Index.objects.create(code="sipas", name_vi="Chỉ số hài lòng", name_en="SIPAS")
    Index.objects.create(code="dvc", name_vi="Chỉ số 766", name_en="766")  # no result at all
    _results(tree, par, [2019, 2021, 2023])
    _results(tree, sipas, [2021, 2022, 2024])
    assert ranking_years() == [2024, 2023, 2022, 2021, 2019]


@pytest.mark.django_db
def test_no_result_no_year(tree):
    Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    assert ranking_years() == []


def _rows_read(plan, table):
    """The rows the plan's nodes on `table` returned, over all their loops."""
    own = plan["Actual Rows"] * plan["Actual Loops"] if plan.get("Relation Name") == table else 0
    return own + sum(_rows_read(child, table) for child in plan.get("Plans", []))


@pytest.mark.needs_postgres
@pytest.mark.django_db
def test_the_years_are_read_without_reading_every_result(tree):
    # Every page with filters asks: a DISTINCT over the results read all 16,000 of the national
    # database (2–5 ms a page). Without sequential scans, so that the small test table is read
    # as a large one would be: a few rows, not 2 × 300.
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    _results(tree, par, [2024, 2025], units=300)
    queries = []

    def explained(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explained):
        assert ranking_years() == [2025, 2024]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {queries[-1]}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert _rows_read(plan[0]["Plan"], Result._meta.db_table) <= 10
