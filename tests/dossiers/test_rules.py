"""The 766 timeliness rules at their edges (dossiers/measures.py), and the columns derived from them."""

import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from dossiers import measures
from dossiers.models import Dossier
from dossiers.services import dossier_derive, touched_months

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = datetime.UTC


def vn(*args):
    return datetime.datetime(*args, tzinfo=VN)


DUE = vn(2024, 5, 10, 17, 0)
SECOND = datetime.timedelta(seconds=1)


def derived(*, completed_at, supplement_days=0):
    return dossier_derive(
        Dossier(
            received_at=vn(2024, 5, 2, 8), due_at=DUE, completed_at=completed_at, supplement_days=D(supplement_days)
        )
    )


def late(dossier, supplement_requests=0):
    return measures.completed_late(
        effective_completed_at=dossier.effective_completed_at,
        due_at=dossier.due_at,
        supplement_requests=supplement_requests,
    )


# Completed: on time or late.


def test_completed_exactly_at_the_due_date_is_on_time():
    assert not late(derived(completed_at=DUE))


def test_completed_one_second_after_the_due_date_is_late():
    assert late(derived(completed_at=DUE + SECOND))


def test_time_waiting_for_the_citizen_is_subtracted_and_makes_a_late_dossier_on_time():
    dossier = derived(completed_at=DUE + datetime.timedelta(days=1, hours=12), supplement_days="1.5")
    assert dossier.effective_completed_at == DUE
    assert not late(dossier)
    assert late(derived(completed_at=DUE + datetime.timedelta(days=1, hours=12), supplement_days="1.49"))


def test_one_supplement_request_alone_is_not_late():
    assert not late(derived(completed_at=DUE), supplement_requests=1)


def test_two_supplement_requests_make_a_dossier_late_whatever_the_dates():
    assert late(derived(completed_at=DUE - datetime.timedelta(days=5)), supplement_requests=2)


# Pending: on time or overdue, at the period's end (or now).


def test_pending_past_its_due_date_is_overdue_and_exactly_at_it_is_not():
    assert measures.pending_overdue(effective_due_at=DUE, at=DUE + SECOND, supplement_requests=0)
    assert not measures.pending_overdue(effective_due_at=DUE, at=DUE, supplement_requests=0)


def test_two_supplement_requests_make_a_pending_dossier_overdue_before_its_due_date():
    assert measures.pending_overdue(effective_due_at=DUE, at=DUE - datetime.timedelta(days=3), supplement_requests=2)
    assert not measures.pending_overdue(
        effective_due_at=DUE, at=DUE - datetime.timedelta(days=3), supplement_requests=1
    )


def test_the_time_waiting_for_the_citizen_moves_a_pending_dossiers_due_date():
    dossier = derived(completed_at=None, supplement_days="1.5")
    assert dossier.effective_due_at == DUE + datetime.timedelta(days=1, hours=12)

    def overdue(at):
        return measures.pending_overdue(effective_due_at=dossier.effective_due_at, at=at, supplement_requests=1)

    assert not overdue(DUE + datetime.timedelta(days=1))  # past its due date, not past it plus 1.5 days
    assert not overdue(DUE + datetime.timedelta(days=1, hours=12))
    assert overdue(DUE + datetime.timedelta(days=1, hours=12) + SECOND)


def test_a_dossier_received_exactly_at_the_period_end_is_not_pending_at_it():
    _, end = measures.month_bounds(202405)
    assert not measures.is_pending_at(received_at=end, completed_at=None, at=end)
    assert measures.is_pending_at(received_at=end - SECOND, completed_at=None, at=end)


def test_a_dossier_completed_exactly_at_the_period_end_is_still_pending_at_it():
    _, end = measures.month_bounds(202405)
    received = vn(2024, 5, 20)
    assert measures.is_pending_at(received_at=received, completed_at=end, at=end)
    assert not measures.is_pending_at(received_at=received, completed_at=end - SECOND, at=end)


def test_a_returned_or_withdrawn_dossier_is_pending_until_its_end_and_without_an_end_time_stays_pending():
    # Issue 17: the end of a return or a stop ends processing like a completion; a dossier with no
    # end time takes the period's end as its end (it was never pending before: it dropped out).
    _, end = measures.month_bounds(202405)
    assert measures.is_pending_at(received_at=vn(2024, 5, 2), completed_at=vn(2024, 6, 2), at=end)
    assert not measures.is_pending_at(received_at=vn(2024, 5, 2), completed_at=vn(2024, 5, 30), at=end)
    assert measures.is_pending_at(received_at=vn(2024, 5, 2), completed_at=None, at=end)


# Months, in Vietnam time.


def test_month_of_is_the_vietnamese_calendar_month_around_midnight_utc_plus_7():
    assert measures.month_of(datetime.datetime(2024, 6, 30, 16, 59, 59, tzinfo=UTC)) == 202406
    assert measures.month_of(datetime.datetime(2024, 6, 30, 17, 0, 0, tzinfo=UTC)) == 202407  # 00:00 on 1 July
    assert measures.month_of(datetime.datetime(2024, 12, 31, 17, 0, 0, tzinfo=UTC)) == 202501


def test_month_bounds_are_midnights_in_vietnam():
    start, end = measures.month_bounds(202412)
    assert start == datetime.datetime(2024, 11, 30, 17, tzinfo=UTC)
    assert end == datetime.datetime(2024, 12, 31, 17, tzinfo=UTC)
    assert (
        measures.month_of(start) == 202412
        and measures.month_of(end - SECOND) == 202412
        and measures.month_of(end) == 202501
    )


def test_months_between_crosses_a_year():
    assert measures.months_between(202411, 202502) == [202411, 202412, 202501, 202502]
    assert measures.months_between(202405, 202405) == [202405]
    assert measures.months_between(202406, 202405) == []


def test_derived_months_are_vietnamese_months():
    dossier = dossier_derive(
        Dossier(
            received_at=datetime.datetime(2024, 6, 30, 17, 30, tzinfo=UTC),  # 00:30 on 1 July in Vietnam
            due_at=vn(2024, 7, 10),
            completed_at=datetime.datetime(2024, 7, 31, 16, 59, tzinfo=UTC),  # 23:59 on 31 July
            supplement_days=D(0),
        )
    )
    assert (dossier.received_month, dossier.completed_month) == (202407, 202407)


def test_a_pending_dossier_touches_every_month_to_now_and_a_completed_one_to_its_completion():
    assert touched_months(received_month=202411, completed_month=None, now_month=202502) == [
        202411,
        202412,
        202501,
        202502,
    ]
    assert touched_months(received_month=202411, completed_month=202412, now_month=202502) == [202411, 202412]


# Rates.


def test_a_rate_with_nothing_to_divide_by_is_none():
    assert measures.rate(0, 0) is None
    assert measures.overdue_rate(ended_late=0, pending_overdue=0, received=0, carried_over=0) is None


def test_the_overdue_rate_counts_late_and_overdue_over_every_dossier_received_or_carried_over():
    assert measures.overdue_rate(ended_late=1, pending_overdue=1, received=4, carried_over=1) == D("40")
    assert measures.rate(1, 3) == D("33.333333")
