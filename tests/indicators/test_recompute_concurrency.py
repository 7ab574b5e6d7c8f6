"""Two recomputes of the same index and year at once give one set of rows, equal to a clean run."""

import threading

import pytest
from django.db import connection, connections, transaction

from indicators.models import Index, Result
from indicators.recompute import results_recompute
from tests.indicators.builders import methodology, score
from units.models import Unit, UnitKind


def _rows():
    return list(
        Result.objects.order_by("unit__code").values_list(
            "unit__code", "value", "points", "applicable_max", "rank", "group_size", "previous_rank", "band_id"
        )
    )


@pytest.fixture
def many_departments(transactional_db, tree):
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    m = methodology(par, 2023)
    for i in range(40):
        unit = Unit.objects.create(code=f"S{i:02}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province)
        score(m, unit, {"1.1": str(i % 17 + 20), "1.2": str(i % 5 + 10), "2.1": str(i % 11 + 25)})
    return par


@pytest.mark.needs_postgres
def test_two_concurrent_recomputes_give_the_rows_of_one_clean_run(many_departments):
    par = many_departments
    barrier = threading.Barrier(2)
    errors, changed = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            changed.append(results_recompute(index_id=par.pk, year=2023))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    concurrent = _rows()
    assert len(concurrent) == 40 and sorted(changed)[0] == 0  # the second found nothing left to do

    Result.objects.all().delete()
    results_recompute(index_id=par.pk, year=2023)
    assert _rows() == concurrent
    assert connection.vendor == "postgresql"


def test_running_twice_in_a_row_gives_the_rows_of_one_run(many_departments):
    par = many_departments
    results_recompute(index_id=par.pk, year=2023)
    once = _rows()
    assert results_recompute(index_id=par.pk, year=2023) == 0
    assert _rows() == once


@pytest.mark.needs_postgres
def test_a_recompute_that_changes_nothing_writes_nothing(many_departments):
    """Not even a row lock: fed every computed row, ON CONFLICT DO UPDATE locked each stored result
    before testing whether it differs, so an unchanged recompute took a transaction id and waited
    for its commit to reach the disk (bench/README.md, "Recompute")."""
    par = many_departments
    results_recompute(index_id=par.pk, year=2023)
    with transaction.atomic():
        assert results_recompute(index_id=par.pk, year=2023) == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT txid_current_if_assigned()")
            assert cursor.fetchone()[0] is None
