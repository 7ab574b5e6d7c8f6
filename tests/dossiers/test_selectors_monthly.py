"""monthly_rates: one query over DossierMonth giving each month's counts and rates, checked against
the hand-computed example of test_stats (department A, district B and commune B1, May–July 2024)."""

from decimal import Decimal as D

import pytest

from dossiers.measures import COUNTS, MEASURES
from dossiers.models import DossierMonth, Scope
from dossiers.selectors import latest_dossier_month, monthly_rates
from dossiers.stats import dossier_stats_full
from tests.dossiers.test_stats import NOW, example  # noqa: F401 (example: a fixture)


@pytest.fixture
def stats(example):
    dossier_stats_full(now=NOW)
    return example


def _rates(row):
    return {measure: row[measure] for measure in MEASURES}


def test_each_month_has_its_own_counts_and_rates(stats):
    may, june, july = monthly_rates(unit=stats.dept_a, months=[202405, 202406, 202407])
    assert may["month"] == 202405
    assert (may["received"], may["completed"], may["pending"], may["pending_overdue"]) == (3, 1, 2, 0)
    # May: none overdue of 3 completed or pending (a2 is past its due date, not past it plus the days
    # waiting for the citizen); 2 of 3 online, 1 fully; 1 of 2 fees paid online; 1 of 1 entered.
    assert _rates(may) == {
        "overdue_rate": D(0),
        "online_rate": D("66.666667"),
        "fully_online_rate": D("33.333333"),
        "online_payment_rate": D(50),
        "results_entered_rate": D(100),
    }
    # June: 1 completed late + 1 withdrawn late + 1 overdue of 5; 1 of 3 online; no fee; 1 of 2
    # completed entered (the withdrawn one has no result).
    assert (june["completed_on_time"], june["completed_late"], june["completed"], june["pending"]) == (1, 1, 2, 2)
    assert (june["returned_late"], june["returned"]) == (1, 1)
    assert _rates(june) == {
        "overdue_rate": D(60),
        "online_rate": D("33.333333"),
        "fully_online_rate": D(0),
        "online_payment_rate": None,
        "results_entered_rate": D(50),
    }
    # July (the current month): nothing received or completed, one of two pending overdue now.
    assert (july["received"], july["pending_on_time"], july["pending_overdue"]) == (0, 1, 1)
    assert _rates(july) == {
        "overdue_rate": D(50),
        "online_rate": None,
        "fully_online_rate": None,
        "online_payment_rate": None,
        "results_entered_rate": None,
    }


def test_the_total_scope_is_the_default_and_includes_the_units_under_it(stats):
    (may,) = monthly_rates(unit=stats.province, months=[202405])
    # A's May and B1's one late dossier: 1 late of 4 completed or pending.
    assert (may["received"], may["completed_late"], may["completed"], may["pending"]) == (4, 1, 2, 2)
    assert may["overdue_rate"] == D(25)
    assert may["online_rate"] == D(50)


def test_the_own_scope_leaves_out_the_units_under_it(stats):
    own, total = (
        monthly_rates(unit=stats.district_b, months=[202405], scope=scope)[0] for scope in (Scope.OWN, Scope.TOTAL)
    )
    assert own["received"] == 0 and own["overdue_rate"] is None
    assert total["received"] == 1 and total["overdue_rate"] == D(100)


def test_months_without_statistics_have_zero_counts_and_no_rates(stats):
    rows = monthly_rates(unit=stats.dept_a.pk, months=[202403, 202404, 202405, 202406, 202407, 202408])
    assert [row["month"] for row in rows] == [202403, 202404, 202405, 202406, 202407, 202408]
    for row in (rows[0], rows[1], rows[5]):
        assert all(row[name] == 0 for name in (*COUNTS, "completed", "returned", "pending"))
        assert all(row[measure] is None for measure in MEASURES)
    assert rows[2]["received"] == 3


def test_a_year_is_one_query(stats, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = monthly_rates(unit=stats.province, months=list(range(202401, 202413)))
    assert len(rows) == 12


def test_the_months_must_be_consecutive(stats):
    with pytest.raises(ValueError):
        monthly_rates(unit=stats.dept_a, months=[202405, 202407])


# --- No month to come (issue 17) ------------------------------------------------------------------


def test_a_month_after_the_current_one_is_never_given_even_with_statistics(stats):
    # Rows of months to come, as a clock set wrong or a bad import could leave them.
    for month in (202408, 202409):
        DossierMonth.objects.create(
            unit=stats.dept_a, month=month, scope=Scope.TOTAL, computed_at=NOW, received=5, completed_late=5
        )

    rows = monthly_rates(unit=stats.dept_a, months=list(range(202401, 202413)), now=NOW)

    assert [row["month"] for row in rows] == list(range(202401, 202408))
    assert monthly_rates(unit=stats.dept_a, months=[202408, 202409], now=NOW) == []


def test_the_latest_month_with_dossiers_is_never_one_to_come(stats):
    DossierMonth.objects.create(unit=stats.dept_a, month=202409, scope=Scope.OWN, computed_at=NOW, received=5)

    assert latest_dossier_month(now=NOW) == 202407
    assert latest_dossier_month(now=NOW.replace(month=10)) == 202409
