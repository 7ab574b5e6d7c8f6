"""Indices computed from dossier statistics rank next to PAR and SIPAS (aggregation `dossiers`)."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers.measures import DossierMeasure
from dossiers.models import DossierMonth, Scope
from indicators.models import Aggregation, Direction, Index, Methodology, Result
from indicators.recompute import results_recompute
from units.models import Unit, UnitKind


def month_row(unit, month, **counts):
    return DossierMonth.objects.create(unit=unit, month=month, scope=Scope.OWN, computed_at=timezone.now(), **counts)


@pytest.fixture
def districts(tree):
    other = Unit.objects.create(code="C", name="Huyện C", kind=UnitKind.DISTRICT, parent=tree.province)
    return tree.district_b, other


def dossier_index(code, measure, direction):
    index = Index.objects.create(code=code, name_vi=code, direction=direction, dossier_measure=measure)
    Methodology.objects.create(index=index, year=2024, unit_kind=UnitKind.DISTRICT, aggregation=Aggregation.DOSSIERS)
    return index


def test_the_yearly_overdue_rate_sums_the_flows_and_takes_the_december_stock(districts):
    b, c = districts
    overdue = dossier_index("overdue", DossierMeasure.OVERDUE_RATE, Direction.LOWER)
    # B: 90 on time + 10 late over the year; 5 pending at the end of November (no longer in December),
    # 4 pending on time and 1 overdue at the end of December → (10 + 1) / (100 + 5) = 10.476190 %.
    month_row(b, 202406, received=60, completed_on_time=50, completed_late=6)
    month_row(b, 202411, received=40, completed_on_time=40, completed_late=4, pending_on_time=5)
    month_row(b, 202412, pending_on_time=4, pending_overdue=1)
    # C: 100 completed, 2 late, nothing pending → 2 %.
    month_row(c, 202403, received=100, completed_on_time=98, completed_late=2)
    results_recompute(index_id=overdue.pk, year=2024)
    got = {r.unit.code: (r.value, r.rank, r.group_size) for r in Result.objects.select_related("unit")}
    assert got == {"C": (D("2"), 1, 2), "B": (D("10.47619"), 2, 2)}


def test_online_payment_is_paid_online_over_dossiers_with_a_fee(districts):
    b, c = districts
    payment = dossier_index("payment", DossierMeasure.ONLINE_PAYMENT_RATE, Direction.HIGHER)
    month_row(b, 202401, received=50, received_with_fee=20, paid_online=3)
    month_row(c, 202401, received=50, received_with_fee=0)  # nothing to pay: no value, no rank
    results_recompute(index_id=payment.pk, year=2024)
    assert list(Result.objects.values_list("unit__code", "value", "rank")) == [("B", D("15"), 1)]


def test_a_unit_whose_dossiers_are_gone_loses_its_computed_result(districts):
    b, _ = districts
    overdue = dossier_index("overdue", DossierMeasure.OVERDUE_RATE, Direction.LOWER)
    row = month_row(b, 202401, received=10, completed_on_time=10)
    results_recompute(index_id=overdue.pk, year=2024)
    assert Result.objects.count() == 1
    row.delete()
    results_recompute(index_id=overdue.pk, year=2024)
    assert not Result.objects.exists()


def test_an_index_without_a_dossier_measure_is_refused_clearly(districts):
    index = Index.objects.create(code="x", name_vi="x")
    Methodology.objects.create(index=index, year=2024, unit_kind=UnitKind.DISTRICT, aggregation=Aggregation.DOSSIERS)
    with pytest.raises(ValueError, match="names no dossier measure"):
        results_recompute(index_id=index.pk, year=2024)


def test_computed_results_of_a_kind_without_a_methodology_are_removed(districts, tree):
    overdue = dossier_index("overdue", DossierMeasure.OVERDUE_RATE, Direction.LOWER)
    Result.objects.create(unit=tree.dept_a, index=overdue, year=2024, value=D(5))
    results_recompute(index_id=overdue.pk, year=2024)
    assert not Result.objects.filter(unit=tree.dept_a).exists()


def test_the_stale_results_of_every_kind_go_in_one_delete(districts, tree):
    """Two methodologies from dossiers (their CTEs side by side in one statement), a stale result
    of each kind, a kept one of each, and one of a kind without a methodology."""
    b, c = districts
    overdue = dossier_index("overdue", DossierMeasure.OVERDUE_RATE, Direction.LOWER)
    Methodology.objects.create(
        index=overdue, year=2024, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.DOSSIERS
    )
    other_dept = Unit.objects.create(code="A2", name="Sở A2", kind=UnitKind.DEPARTMENT, parent=tree.province)
    month_row(b, 202401, received=10, completed_on_time=9, completed_late=1)
    month_row(tree.dept_a, 202401, received=10, completed_on_time=8, completed_late=2)
    for unit in (c, other_dept, tree.commune_b1):  # nothing to compute them from
        Result.objects.create(unit=unit, index=overdue, year=2024, value=D(5))
    with CaptureQueriesContext(connection) as queries:
        results_recompute(index_id=overdue.pk, year=2024)
    assert sorted(Result.objects.values_list("unit__code", "value", "rank")) == [("A", D("20"), 1), ("B", D("10"), 1)]
    deletes = [query for query in queries.captured_queries if f"DELETE FROM {Result._meta.db_table}" in query["sql"]]
    assert len(deletes) == 1
