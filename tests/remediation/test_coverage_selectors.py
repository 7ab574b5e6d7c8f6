"""remediation.selectors.coverage: chronic losses with and without a plan, actions overdue, by
unit and by criterion, counted only over the units the reader may see."""

import datetime

from remediation.models import ActionStatus
from remediation.selectors import coverage
from remediation.services import plan_action_update
from tests.remediation.conftest import complete_plan, next_year

TODAY = datetime.date(2026, 6, 1)


def _by(rows):
    return {
        row["code"]: {key: row[key] for key in ("chronic", "planned", "unplanned", "recovered", "overdue")}
        for row in rows
    }


def test_staff_see_every_chronic_loss_and_which_have_a_plan(par, tree, head_a, staff):
    plan = complete_plan(unit=tree.dept_a, index=par, user=head_a, deadline=datetime.date(2026, 1, 31))
    next_year(par, tree.dept_a, {"1.1": "40"})
    found = coverage(user=staff, index=par, year=2024, today=TODAY)
    assert _by(found["by_unit"]) == {
        # B's chronic loss has no plan: it comes first.
        "B": {"chronic": 1, "planned": 0, "unplanned": 1, "recovered": 0, "overdue": 0},
        "A": {"chronic": 1, "planned": 1, "unplanned": 0, "recovered": 1, "overdue": 1},
    }
    assert [row["code"] for row in found["by_unit"]] == ["B", "A"]
    assert _by(found["by_criterion"]) == {
        "1.1": {"chronic": 2, "planned": 1, "unplanned": 1, "recovered": 1, "overdue": 1},
    }
    assert [(action.item.plan_id, action.what) for action in found["overdue"]] == [(plan.pk, "Số hóa kết quả")]


def test_a_done_action_or_one_not_yet_due_is_not_overdue(par, tree, head_a, staff):
    plan = complete_plan(unit=tree.dept_a, index=par, user=head_a, deadline=datetime.date(2026, 6, 1))
    assert coverage(user=staff, index=par, year=2024, today=TODAY)["overdue"].count() == 0  # due today
    assert coverage(user=staff, index=par, year=2024, today=TODAY + datetime.timedelta(days=1))["overdue"].count() == 1
    plan_action_update(action=plan.items.get().actions.get(), user=head_a, status=ActionStatus.DONE)
    assert coverage(user=staff, index=par, year=2024, today=TODAY + datetime.timedelta(days=1))["overdue"].count() == 0


def test_a_head_counts_only_his_units(par, tree, head_a, head_b):
    complete_plan(unit=tree.dept_a, index=par, user=head_a, deadline=datetime.date(2026, 1, 31))
    found = coverage(user=head_b, index=par, year=2024, today=TODAY)
    assert _by(found["by_unit"]) == {"B": {"chronic": 1, "planned": 0, "unplanned": 1, "recovered": 0, "overdue": 0}}
    assert found["overdue"].count() == 0
    assert {loss["unit_code"] for loss in found["losses"]} == {"B"}


def test_a_non_chronic_item_is_not_a_chronic_loss_but_its_overdue_action_counts(par, tree, head_a, staff):
    complete_plan(unit=tree.dept_a, index=par, user=head_a, codes=("2.1",), deadline=datetime.date(2026, 1, 31))
    found = coverage(user=staff, index=par, year=2024, today=TODAY)
    assert _by(found["by_unit"])["A"] == {"chronic": 1, "planned": 0, "unplanned": 1, "recovered": 0, "overdue": 1}
    assert _by(found["by_criterion"])["2.1"] == {
        "chronic": 0,
        "planned": 0,
        "unplanned": 0,
        "recovered": 0,
        "overdue": 1,
    }
