"""Queries every dossier page makes read no more when the history is longer (issue 22 item 6,
bench/README.md "Ten years of dossiers")."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers.models import DossierMonth, Scope
from dossiers.selectors import dossier_stats_as_of


def _plan(sql):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.django_db
def test_when_the_statistics_were_computed_is_one_look_into_an_index(tree):
    """Twenty-five years of months for five units: the latest computed_at is read from the index
    on it, not by a scan of every unit-month (3 million rows in ten years of the country)."""
    start = timezone.now() - datetime.timedelta(days=10_000)
    units = [tree.nation, tree.province, tree.dept_a, tree.district_b, tree.commune_b1]
    months = [year * 100 + month for year in range(2000, 2025) for month in range(1, 13)]
    DossierMonth.objects.bulk_create(
        DossierMonth(
            unit=unit, month=month, scope=scope, received=1, computed_at=start + datetime.timedelta(hours=number)
        )
        for number, (unit, month, scope) in enumerate(
            (unit, month, scope) for unit in units for month in months for scope in Scope.values
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dossiers_dossiermonth")
    with CaptureQueriesContext(connection) as queries:
        latest = dossier_stats_as_of()
    assert latest == start + datetime.timedelta(hours=len(units) * len(months) * 2 - 1)
    plan = _plan(queries[-1]["sql"])
    assert "dossiermonth_computed_at" in plan, plan
