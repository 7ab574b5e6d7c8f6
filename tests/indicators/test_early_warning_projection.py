"""The early warning's year-end projection (indicators.targets.early_warnings,
dossiers.measures.Projection): ended months plus the months to come at the last three ended
months' mean, the month in progress left out; figures computed by hand in the comments."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers.measures import Projection
from dossiers.models import DossierMonth, Scope
from indicators.models import Index, Result, Target
from indicators.targets import early_warnings
from units.models import Unit, UnitKind

YEAR, MAY = 2026, 202605  # seen during May 2026: January to April have ended


def month_row(unit, month, **counts):
    DossierMonth.objects.create(unit=unit, month=month, scope=Scope.OWN, computed_at=timezone.now(), **counts)


@pytest.fixture
def departments(tree):
    """Departments A and A2 under the province (head_a sees only A), A3 with no dossiers.

    A: January bad (20 late of 100), February to April good (2 late of 100 each, 10 pending on
    time at April's end), May so far very bad (25 ended, all late: the month in progress, which
    the projection leaves out). Online: 20 of 100 in January, 60 of 100 a month since, 0 of 50 in May.
    A2: January 300 received, all on time, 150 online; February to April 100 a month, 10 late and
    30 online each: good early, worse lately."""
    a, a2 = tree.dept_a, Unit.objects.create(code="A2", name="Sở A2", kind=UnitKind.DEPARTMENT, parent=tree.province)
    a3 = Unit.objects.create(code="A3", name="Sở A3", kind=UnitKind.DEPARTMENT, parent=tree.province)
    month_row(a, 202601, received=100, received_online=20, completed_on_time=80, completed_late=20)
    for month in (202602, 202603, 202604):
        stock = {"pending_on_time": 10} if month == 202604 else {}
        month_row(a, month, received=100, received_online=60, completed_on_time=98, completed_late=2, **stock)
    month_row(a, MAY, received=50, received_online=0, completed_late=25)
    month_row(a2, 202601, received=300, received_online=150, completed_on_time=300)
    for month in (202602, 202603, 202604):
        month_row(a2, month, received=100, received_online=30, completed_on_time=90, completed_late=10)
    # Another scope's rows and last year's are not this year's own counts.
    DossierMonth.objects.create(
        unit=a2, month=202604, scope=Scope.TOTAL, computed_at=timezone.now(), received=999, completed_late=999
    )
    month_row(a2, 202512, received=999, completed_late=999)
    return a, a2, a3


@pytest.fixture
def indices(departments):
    """Overdue rate ≤ 5 % and online rate ≥ 50 % for every department; the results so far are the
    recompute's of January to May 2026 (month to date), computed by hand:
    overdue A (20+2+2+2+25) / (100+100+100+100+25) = 51/425 = 12 %; A2 30/600 = 5 %; A3 3 %;
    online A (20+180+0) / 450 = 44,444444 %; A2 (150+90) / 600 = 40 %; A3 60 %."""
    a, a2, a3 = departments
    overdue = Index.objects.create(
        code="overdue", name_vi="Tỷ lệ trễ hạn", direction="lower", dossier_measure="overdue_rate"
    )
    online = Index.objects.create(
        code="online", name_vi="Tỷ lệ trực tuyến", direction="higher", dossier_measure="online_rate"
    )
    for index, values in [(overdue, ("12", "5", "3")), (online, ("44.444444", "40", "60"))]:
        for unit, value in zip((a, a2, a3), values, strict=True):
            Result.objects.create(unit=unit, index=index, year=YEAR, value=D(value), rank=1, group_size=3)
    Target.objects.create(index=overdue, year=YEAR, unit_kind=UnitKind.DEPARTMENT, value=D(5))
    Target.objects.create(index=online, year=YEAR, unit_kind=UnitKind.DEPARTMENT, value=D(50))
    return overdue, online


def rows(user, current=MAY):
    return [
        (w.result.index.code, w.result.unit.code, w.projected, w.heading_below)
        for w in early_warnings(user=user, year=YEAR, current=current)
    ]


def test_the_projection_of_may_fills_eight_months_at_the_february_to_april_mean():
    projection = Projection.of(year=YEAR, current=MAY)
    assert (projection.first, projection.last_ended, projection.recent_first) == (202601, 202604, 202602)
    assert (projection.recent_months, projection.remaining) == (3, 8)


def test_early_in_the_year_the_mean_is_of_the_months_ended_and_a_past_year_is_its_own_end():
    february = Projection.of(year=YEAR, current=202602)
    assert (february.last_ended, february.recent_first, february.remaining) == (202601, 202601, 11)
    assert Projection.of(year=2025, current=MAY).remaining == 0
    assert Projection.of(year=YEAR, current=202601) is None  # nothing has ended yet
    assert Projection.of(year=2027, current=MAY) is None


def test_projected_rates_by_hand(staff, indices):
    # ×3 (the recent months) to stay whole: a flow is 3 × (January–April) + 8 × (February–April).
    # Overdue A: late 3×26 + 8×6 = 126; ended 3×400 + 8×300 = 3600; pending 3×10 → 126/3630.
    # Overdue A2: late 3×30 + 8×30 = 330; ended 3×600 + 8×300 = 4200 → 7,857143 %.
    # Online A: 3×200 + 8×180 = 2040 of 3×400 + 8×300 = 3600 → 56,666667 %.
    # Online A2: 3×240 + 8×90 = 1440 of 4200 → 34,285714 %.
    assert rows(staff) == [
        ("online", "A2", D("34.285714"), True),  # 15,71 short of 50 by the projection
        ("online", "A", D("56.666667"), False),  # short so far (44,44), projected to meet it
        ("overdue", "A2", D("7.857143"), True),  # meets 5 % so far, heading to 7,86 %
        ("overdue", "A", D("3.471074"), False),  # 12 % so far (May's 25 late), 3,47 % by the projection
    ]


def test_distance_and_the_on_time_rate_that_feeds_the_766_points(staff, indices):
    by_unit = {(w.result.index.code, w.result.unit.code): w for w in early_warnings(user=staff, year=YEAR, current=MAY)}
    a2 = by_unit["overdue", "A2"]
    assert a2.projected_distance == D("-2.857143") and a2.shortfall == D("2.857143")
    a = by_unit["overdue", "A"]
    # On time so far (ended on time, nothing pending at May's end): 374/425; projected 3504/3630.
    assert (a.on_time_so_far, a.on_time_projected) == (D("88"), D("96.528926"))
    assert a.on_time_projected == 100 - a.projected
    assert by_unit["online", "A"].on_time_so_far is None  # an online rate has no on-time rate


def test_a_head_sees_only_his_unit(head_a, head_b, indices):
    assert rows(head_a) == [("online", "A", D("56.666667"), False), ("overdue", "A", D("3.471074"), False)]
    assert rows(head_b) == []


def test_in_january_the_year_so_far_decides(staff, indices):
    # No month has ended: no projection; A2's 5 % meets ≤ 5 %, its 40 % online misses 50 %.
    assert rows(staff, current=202601) == [
        ("online", "A2", None, True),
        ("online", "A", None, True),
        ("overdue", "A", None, True),
    ]


def test_the_same_queries_whatever_the_number_of_units(staff, indices, tree):
    def queries():
        user = type(staff).objects.get(pk=staff.pk)  # fresh: the reader's groups are read once per user
        with CaptureQueriesContext(connection) as captured:
            warnings = early_warnings(user=user, year=YEAR, current=MAY)
        return len(warnings), len(captured)

    assert queries() == (4, 3)  # the reader's groups, the results with their targets, the rates
    for number in range(20):
        unit = Unit.objects.create(
            code=f"X{number}", name=f"Sở X{number}", kind=UnitKind.DEPARTMENT, parent=tree.province
        )
        month_row(unit, 202603, received=10, completed_late=5)
        Result.objects.create(unit=unit, index=indices[0], year=YEAR, value=D(50))
    assert queries() == (24, 3)


def test_a_past_year_is_its_twelve_months_so_far_and_projected(staff, indices, departments):
    a, a2, _ = departments
    month_row(a2, 202612, received=100, completed_on_time=90, pending_on_time=10)
    Target.objects.create(index=indices[0], year=YEAR, unit=a2, value=D(4))
    # Seen in 2027, A2's 2026: January–December 30 late of 700 both so far and projected (the
    # stock is December's 10 pending on time, not March 2027's): 30 / (690 + 10) = 4,29 % against ≤ 4 %.
    warnings = early_warnings(user=staff, year=YEAR, current=202703)
    a2_overdue = next(w for w in warnings if (w.result.index.code, w.result.unit.code) == ("overdue", "A2"))
    assert a2_overdue.projected == D("4.285714") and a2_overdue.on_time_so_far == D("95.714286")
    assert a2_overdue.on_time_projected == a2_overdue.on_time_so_far and a2_overdue.heading_below
