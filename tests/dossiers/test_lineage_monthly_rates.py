"""dossiers.selectors.lineage_monthly_rates: a merged commune's months before the reorganisation are
its predecessors' dossier counts summed month by month, then the rate (issue 18), checked against
rates computed here by hand from the raw Dossier rows with the rules of dossiers.measures — not
from the monthly statistics."""

from decimal import Decimal as D

import pytest

from dossiers import measures
from dossiers.models import Dossier
from dossiers.selectors import lineage_monthly_rates, monthly_rates, split_predecessors
from tests.units.reorganisation import NOW, build_reorganisation

MONTHS = [202504, 202505, 202506, 202507, 202508]


@pytest.fixture
def reorganisation(tree):
    return build_reorganisation(tree)


def _by_hand(units, month):
    """(overdue rate, online rate) of the dossiers of `units` in `month`, from the Dossier rows: the
    dossiers ended in the month and those pending at its end, judged by the rule functions."""
    start, end = measures.month_bounds(month)
    at = min(end, NOW)
    ended_late = ended = pending = pending_overdue = received = online = 0
    for d in Dossier.objects.filter(unit__in=units):
        if start <= d.received_at < end:
            received += 1
            online += d.channel == "online"
        if d.completed_at is not None and start <= d.completed_at < end:
            ended += 1
            ended_late += measures.completed_late(
                effective_completed_at=d.effective_completed_at,
                due_at=d.due_at,
                supplement_requests=d.supplement_requests,
            )
        elif measures.is_pending_at(received_at=d.received_at, completed_at=d.completed_at, at=end):
            pending += 1
            pending_overdue += measures.pending_overdue(
                effective_due_at=d.effective_due_at, at=at, supplement_requests=d.supplement_requests
            )
    return measures.rate(ended_late + pending_overdue, ended + pending), measures.rate(online, received)


def test_before_the_merger_the_rates_are_those_of_the_predecessors_dossiers_summed(reorganisation):
    r = reorganisation
    rows = {row["month"]: row for row in lineage_monthly_rates(unit=r.w, months=MONTHS, now=NOW)}
    for month in (202504, 202505, 202506):
        assert (rows[month]["overdue_rate"], rows[month]["online_rate"]) == _by_hand([r.x1, r.x2], month), month
        assert rows[month]["composed"] is True
    # May: X1 1 overdue of 1, X2 0 of 3. Summed: 1 of 4 = 25 %, not the mean of the rates (50 %).
    assert rows[202505]["overdue_rate"] == D(25)
    # June: X1's May dossier still pending, overdue; X2's June one late; Y's (split) not added.
    assert rows[202506]["overdue_rate"] == D(100) and rows[202506]["received"] == 1


def test_after_the_merger_the_ward_counts_its_own_dossiers_only(reorganisation):
    r = reorganisation
    rows = {row["month"]: row for row in lineage_monthly_rates(unit=r.w, months=MONTHS, now=NOW)}
    for month in (202507, 202508):
        assert rows[month]["composed"] is False
        assert (rows[month]["overdue_rate"], rows[month]["online_rate"]) == _by_hand([r.w], month), month
    # X1's dossier pending since May is X1's, still counted in X1's own months, never in W's.
    assert rows[202507]["overdue_rate"] == D(0) and rows[202508]["overdue_rate"] == D(100)


def test_the_lineage_is_followed_back_through_every_merge(reorganisation):
    r = reorganisation
    (june,) = [row for row in lineage_monthly_rates(unit=r.w, months=[201906], now=NOW)]
    assert june["composed"] and june["overdue_rate"] == _by_hand([r.x0], 201906)[0] == D(100)


def test_a_split_predecessor_is_not_added_but_named_apart(reorganisation):
    r = reorganisation
    assert list(split_predecessors(unit=r.w)) == [r.y] and list(split_predecessors(unit=r.v)) == [r.y]
    # V has only S wholly: its May is S's alone, its June nothing (Y's dossier is not V's either).
    rows = {row["month"]: row for row in lineage_monthly_rates(unit=r.v, months=[202505, 202506], now=NOW)}
    assert rows[202505]["overdue_rate"] == _by_hand([r.s], 202505)[0] == D(100)
    assert rows[202506]["overdue_rate"] is None and rows[202506]["received"] == 0


def test_a_unit_without_predecessors_has_its_monthly_rates(reorganisation):
    r = reorganisation
    own = monthly_rates(unit=r.x2, months=MONTHS, now=NOW)
    lineage = lineage_monthly_rates(unit=r.x2, months=MONTHS, now=NOW)
    assert [{**row, "composed": False} for row in own] == lineage


def test_the_series_is_one_query_once_the_start_is_known(reorganisation, django_assert_num_queries):
    with django_assert_num_queries(1):
        lineage_monthly_rates(unit=reorganisation.w, months=MONTHS, now=NOW, start=202507)
