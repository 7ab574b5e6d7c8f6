"""Where a group loses the most points (indicators.selectors.biggest_losses_visible over
ledger.criterion_losses): per criterion, the points lost on appraised scores, how many units lose
them and for how long — over the units the reader may see only."""

from decimal import Decimal as D

import pytest

from indicators.models import Score
from indicators.selectors import biggest_losses_visible
from tests.indicators.test_chronic_losses_view import chronic  # noqa: F401 (fixture)
from tests.indicators.test_rankings_view import rankings  # noqa: F401 (fixture)
from units.models import UnitKind


def losses(user, data, *, kind=UnitKind.DEPARTMENT, parent="P", year=2023, **options):
    parent = data.tree.province if parent == "P" else parent
    entries = biggest_losses_visible(index=data.par, year=year, kind=kind, parent=parent, user=user, **options)
    keys = ("code", "lost", "max_points", "losing", "scored", "chronic_units", "longest_streak", "not_scored")
    return [tuple(entry[key] for key in keys) for entry in entries]


def test_staff_see_the_criteria_with_the_most_points_lost_first(staff, chronic):
    # 2023 (max 40, 20, 40): A 40 14,6 30; Sở Hai 38 16,6 30; Sở Ba 30 10 20.
    # 2022: A 30 10 30; Sở Hai 40 20 30; Sở Ba 40 10 30 — two years make a loss chronic here.
    assert losses(staff, chronic) == [
        ("2.1", D("40"), D("120"), 3, 3, 3, 2, 0),  # 10 + 10 + 20, every department both years
        ("1.2", D("18.8"), D("60"), 3, 3, 2, 2, 0),  # 5,4 + 3,4 + 10; Sở Hai lost nothing in 2022
        ("1.1", D("12"), D("120"), 2, 3, 0, 1, 0),  # 2 + 10, neither lost on it in 2022
    ]


def test_the_same_criteria_as_the_chronic_losses_page_count_as_chronic(client, staff, chronic):
    from django.urls import reverse

    client.force_login(staff)
    page = client.get(reverse("chronic_losses"), {"index": "par", "year": 2023, "kind": "department", "parent": "P"})
    on_page = {entry["code"]: entry["chronic_units"] for entry in page.context["entries"]}
    assert {code: chronic_units for code, *_, chronic_units, _streak, _ in losses(staff, chronic)} == {
        "2.1": 3,
        "1.2": 2,
        "1.1": 0,
    }
    assert on_page == {"2.1": 3, "1.2": 2}


def test_the_first_few_only(staff, chronic):
    assert [entry[0] for entry in losses(staff, chronic, limit=2)] == ["2.1", "1.2"]


def test_a_head_counts_his_own_unit_only(head_a, chronic):
    assert losses(head_a, chronic) == [
        ("2.1", D("10"), D("40"), 1, 1, 1, 2, 0),
        ("1.2", D("5.4"), D("20"), 1, 1, 1, 2, 0),
    ]  # 1.1: Sở A got its 40 points


def test_the_head_of_b_sees_no_department_and_his_district_alone(head_b, chronic):
    assert losses(head_b, chronic) == []
    # B 2023: 35,5 10 30 (2022: 30 10 20): every criterion lost both years; Huyện C is not his.
    assert losses(head_b, chronic, kind=UnitKind.DISTRICT, parent=None) == [
        ("1.2", D("10"), D("20"), 1, 1, 1, 2, 0),
        ("2.1", D("10"), D("40"), 1, 1, 1, 2, 0),
        ("1.1", D("4.5"), D("40"), 1, 1, 1, 2, 0),
    ]


def test_a_criterion_not_scored_yet_is_counted_apart_not_as_lost(staff, chronic):
    Score.objects.filter(assessment__unit__code="A3", assessment__methodology__year=2023, criterion__code="1.1").update(
        final_score=None
    )
    assert losses(staff, chronic)[-1] == ("1.1", D("2"), D("80"), 1, 2, 0, 1, 1)


@pytest.mark.parametrize("user", ["outsider"])
def test_a_user_without_a_unit_sees_no_loss(request, chronic, user):
    assert losses(request.getfixturevalue(user), chronic) == []
