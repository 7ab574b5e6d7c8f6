"""remediation.services: file, write, follow, submit and review a plan; who may; the audit trail."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from remediation.models import ActionStatus, PlanAction, PlanStatus
from remediation.services import (
    plan_action_add,
    plan_action_update,
    plan_create,
    plan_item_cause_save,
    plan_review,
    plan_submit,
)
from tests.remediation.conftest import complete_plan


def test_a_head_files_a_plan_for_a_chronic_loss_with_its_points_and_streak(par, tree, head_a):
    plan = plan_create(unit=tree.dept_a, index=par, year=2024, criterion_codes=["1.1", "2.1"], user=head_a)
    items = {item.criterion.code: item for item in plan.items.all()}
    assert plan.status == PlanStatus.DRAFT
    assert (items["1.1"].points_lost, items["1.1"].streak) == (D(10), 3)
    assert (items["2.1"].points_lost, items["2.1"].streak) == (D(5), 1)
    assert items["1.1"].criterion.methodology.year == 2024
    actions = list(AuditEntry.objects.filter(unit=tree.dept_a).values_list("action", flat=True))
    assert sorted(actions) == ["plan.create", "plan.item", "plan.item"]


def test_a_plan_names_only_criteria_lost_that_year_and_at_least_one(par, tree, head_a):
    with pytest.raises(ValidationError) as refused:
        plan_create(unit=tree.dept_a, index=par, year=2024, criterion_codes=["1.2"], user=head_a)
    assert "1.2" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        plan_create(unit=tree.dept_a, index=par, year=2024, criterion_codes=[], user=head_a)


def test_one_plan_per_unit_index_and_year(par, tree, head_a):
    plan_create(unit=tree.dept_a, index=par, year=2024, criterion_codes=["1.1"], user=head_a)
    with pytest.raises(ValidationError):
        plan_create(unit=tree.dept_a, index=par, year=2024, criterion_codes=["2.1"], user=head_a)


@pytest.mark.parametrize("who", ["staff", "head_b", "appraiser", "viewer_a"])
def test_only_the_units_head_and_officers_write_its_plan(par, tree, who, request):
    with pytest.raises(PermissionDenied):
        plan_create(unit=tree.dept_a, index=par, year=2024, criterion_codes=["1.1"], user=request.getfixturevalue(who))


def test_an_officer_writes_the_plan_too(par, tree, officer_a):
    plan = complete_plan(unit=tree.dept_a, index=par, user=officer_a)
    assert plan.items.get().actions.count() == 1


def test_a_plan_is_submitted_only_with_a_cause_and_an_action_on_every_item(par, tree, head_a):
    plan = plan_create(unit=tree.dept_a, index=par, year=2024, criterion_codes=["1.1", "2.1"], user=head_a)
    with pytest.raises(ValidationError) as refused:
        plan_submit(plan=plan, user=head_a)
    assert len(refused.value.messages) == 4  # two items, each without a cause and without an action
    assert "1.1" in refused.value.messages[0]


def test_staff_accept_or_return_a_submitted_plan_with_a_reason(par, tree, head_a, staff):
    plan = complete_plan(unit=tree.dept_a, index=par, user=head_a)
    with pytest.raises(ValidationError):
        plan_review(plan=plan, user=staff, accept=True)  # not submitted yet
    plan_submit(plan=plan, user=head_a)
    with pytest.raises(ValidationError):
        plan_review(plan=plan, user=staff, accept=False, reason="  ")
    returned = plan_review(plan=plan, user=staff, accept=False, reason="Hành động chưa cụ thể")
    assert (returned.status, returned.return_reason, returned.reviewed_by) == (
        PlanStatus.RETURNED,
        "Hành động chưa cụ thể",
        staff,
    )
    plan_submit(plan=plan, user=head_a)
    accepted = plan_review(plan=plan, user=staff, accept=True)
    assert (accepted.status, accepted.return_reason) == (PlanStatus.ACCEPTED, "")
    trail = list(AuditEntry.objects.filter(action__startswith="plan.").order_by("id").values_list("action", "reason"))
    assert trail[-4:] == [
        ("plan.submit", ""),
        ("plan.return", "Hành động chưa cụ thể"),
        ("plan.submit", ""),
        ("plan.accept", ""),
    ]


@pytest.mark.parametrize("who", ["head_a", "appraiser", "head_b"])
def test_only_staff_review(par, tree, head_a, who, request):
    plan = complete_plan(unit=tree.dept_a, index=par, user=head_a)
    plan_submit(plan=plan, user=head_a)
    with pytest.raises(PermissionDenied):
        plan_review(plan=plan, user=request.getfixturevalue(who), accept=True)


def test_a_submitted_plan_is_frozen_but_its_actions_are_followed(par, tree, head_a):
    plan = complete_plan(unit=tree.dept_a, index=par, user=head_a)
    plan_submit(plan=plan, user=head_a)
    item = plan.items.get()
    action = item.actions.get()
    with pytest.raises(ValidationError):
        plan_item_cause_save(item=item, cause="Khác", user=head_a)
    with pytest.raises(ValidationError):
        plan_action_add(item=item, what="Thêm", owner="X", deadline=datetime.date(2030, 1, 1), user=head_a)
    with pytest.raises(ValidationError):
        plan_action_update(action=action, user=head_a, deadline=datetime.date(2031, 1, 1))
    plan_action_update(
        action=action, user=head_a, status=ActionStatus.DONE, evidence_link="https://example.org/qd-12.pdf"
    )
    action = PlanAction.objects.get(pk=action.pk)
    assert (action.status, action.evidence_link) == (ActionStatus.DONE, "https://example.org/qd-12.pdf")
    entry = AuditEntry.objects.get(action="plan.action_change")
    assert entry.changes == {
        "status": ["planned", "done"],
        "evidence_link": ["", "https://example.org/qd-12.pdf"],
    }
    assert entry.criterion_id == item.criterion_id


def test_an_action_needs_what_who_and_a_real_link(par, tree, head_a):
    plan = plan_create(unit=tree.dept_a, index=par, year=2024, criterion_codes=["1.1"], user=head_a)
    with pytest.raises(ValidationError) as refused:
        plan_action_add(
            item=plan.items.get(),
            what=" ",
            owner="X",
            deadline=datetime.date(2030, 1, 1),
            evidence_link="qd12",
            user=head_a,
        )
    assert set(refused.value.message_dict) == {"what", "evidence_link"}
