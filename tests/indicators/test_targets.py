"""indicators.targets: which target a result answers to (its own, else its group's, else its
kind's, as a whole row), how far it is from it in the index's direction, and that a ranking reads
its targets in its own query."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from indicators.models import Index, Result, Target
from indicators.selectors import ranking
from indicators.targets import target_state, target_text, verdict_text, with_targets
from tests.api.conftest import scored  # noqa: F401 (a fixture)
from units.models import Unit, UnitKind


def state_of(code, index="par", year=2023):
    result = with_targets(Result.objects.filter(unit__code=code, index__code=index, year=year)).get()
    return target_state(result)


def test_a_units_own_target_wins_whole_over_its_groups_and_its_kinds(scored):
    par = Index.objects.get(code="par")
    province = Unit.objects.get(code="P")
    Target.objects.create(index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, value=D(80))
    Target.objects.create(index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, parent=province, value=D(95), rank=1)
    Target.objects.create(index=par, year=2023, unit=Unit.objects.get(code="A"), rank=2)
    Target.objects.create(index=par, year=2023, unit_kind=UnitKind.COMMUNE, value=D(70))

    own = state_of("A")  # 90, 1st of 2
    assert (own.value, own.rank, own.met) == (None, 2, True)  # not the group's 95
    group = state_of("A2")  # 85, 2nd of 2
    assert (group.value, group.rank, group.distance, group.value_met, group.rank_met, group.met) == (
        D(95),
        1,
        D("-10"),
        False,
        False,
        False,
    )
    assert group.shortfall == D("10")
    assert state_of("B1").value == D(70)  # the communes' kind target, whatever their district
    assert state_of("B") is None  # no district target
    assert state_of("A", year=2022) is None  # a target is of one year


def test_lower_is_better_counts_the_distance_the_other_way(scored, tree):
    overdue = Index.objects.create(code="overdue", name_vi="Tỷ lệ trễ hạn", direction="lower")
    Result.objects.create(unit=tree.dept_a, index=overdue, year=2023, value=D("1.5"))
    Result.objects.create(unit=Unit.objects.get(code="A2"), index=overdue, year=2023, value=D("3"))
    Target.objects.create(index=overdue, year=2023, unit_kind=UnitKind.DEPARTMENT, value=D(2))
    assert (state_of("A", "overdue").distance, state_of("A", "overdue").met) == (D("0.5"), True)
    behind = state_of("A2", "overdue")
    assert (behind.distance, behind.met, behind.shortfall) == (D("-1"), False, D("1"))
    assert target_text(behind, overdue) == "≤ 2,00 %"


def test_a_rank_target_without_a_rank_is_not_yet_judged(scored, tree):
    par = Index.objects.get(code="par")
    Result.objects.filter(unit__code="A", year=2023).update(rank=None, group_size=None)
    Target.objects.create(index=par, year=2023, unit=tree.dept_a, value=D(85), rank=1)
    state = state_of("A")
    assert (state.value_met, state.rank_met, state.met) == (True, None, None)
    assert verdict_text(state) == "chưa đánh giá được"


def test_a_ranking_reads_its_targets_in_its_own_query(scored, django_assert_num_queries):
    par = Index.objects.get(code="par")
    Target.objects.create(index=par, year=2023, unit_kind=UnitKind.DISTRICT, value=D(85))
    with django_assert_num_queries(1):
        rows = list(ranking(index=par, year=2023, kind=UnitKind.DISTRICT))
    assert [(row.unit.code, row.target_value, row.target_distance) for row in rows] == [
        ("C", D(85), D(15)),  # 100
        ("B", D(85), D(-2)),  # 83
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"unit_kind": UnitKind.DEPARTMENT},  # neither a value nor a rank
        {"unit_kind": UnitKind.DEPARTMENT, "rank": 0},
        {"value": D(90)},  # neither a unit nor a group
        {"value": D(90), "unit_kind": UnitKind.DEPARTMENT, "unit_code": "A"},  # both
    ],
)
def test_the_database_refuses_a_target_that_says_nothing_or_is_of_nobody(scored, fields):
    par = Index.objects.get(code="par")
    unit = Unit.objects.get(code=fields.pop("unit_code")) if "unit_code" in fields else None
    target = Target(index=par, year=2023, unit=unit, **fields)
    with pytest.raises(ValidationError):
        target.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        target.save()


def test_one_target_per_unit_group_and_kind(scored, tree):
    par = Index.objects.get(code="par")
    Target.objects.create(index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, value=D(80))
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, value=D(85))
    Target.objects.create(index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, parent=tree.province, value=D(85))
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, parent=tree.province, rank=1)
