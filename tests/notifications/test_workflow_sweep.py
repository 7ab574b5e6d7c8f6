"""workflow_sweep: each step of the workflow told to the right people, once, and never a word about
a unit the recipient may not see."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone, translation

from indicators.models import Assessment, AssessmentStep
from notifications.models import Kind, Notification
from notifications.texts import render
from notifications.workflow import SWEEP_WITHIN, workflow_rows, workflow_sweep
from tests.indicators.workflow import head_province, officer_a, viewer_a, workflow  # noqa: F401 (fixtures)
from tests.notifications.moves import appraise, give_back, publish, submit
from units.models import Membership, MembershipRole, Unit, UnitKind

pytestmark = pytest.mark.django_db


def told(kind=None):
    """{username: [keys]} of the notifications written (of `kind`)."""
    rows = Notification.objects.all() if kind is None else Notification.objects.filter(kind=kind)
    found = {}
    for username, key in rows.values_list("user__username", "key").order_by("user__username", "key"):
        found.setdefault(username, []).append(key)
    return found


def test_a_submission_is_told_to_the_appraisers_only(
    workflow, head_a, officer_a, viewer_a, head_b, appraiser, staff, admin_user
):
    second = User.objects.create_user(username="appraiser2", password="x")
    second.groups.add(*appraiser.groups.all())
    submit(workflow.assessment, by=head_a)
    workflow_sweep()
    step = AssessmentStep.objects.get(to_status="submitted")
    assert told() == {"appraiser": [f"step:{step.pk}"], "appraiser2": [f"step:{step.pk}"]}
    notification = Notification.objects.get(user=appraiser)
    assert notification.kind == Kind.SUBMITTED
    assert notification.unit_id == workflow.assessment.unit_id
    assert notification.url == f"/assessments/{workflow.assessment.pk}/"


def test_a_return_is_told_to_the_units_head_and_officers_with_the_reason(
    workflow, head_a, officer_a, viewer_a, head_province, head_b, appraiser, staff
):
    give_back(submit(workflow.assessment, by=head_a), by=appraiser, comment="Thiếu minh chứng cho tiêu chí 1.1")
    workflow_sweep()
    step = AssessmentStep.objects.get(to_status="returned")
    # Not the viewer, not the head of the province above (he oversees, he does not score), not B.
    assert told(Kind.RETURNED) == {"head_a": [f"step:{step.pk}"], "officer_a": [f"step:{step.pk}"]}
    with translation.override("vi"):
        words = render(Notification.objects.get(user=head_a, kind=Kind.RETURNED))
    assert "Sở A" in words.subject and "2024" in words.subject
    assert "bị trả lại" in words.subject
    assert "Thiếu minh chứng cho tiêu chí 1.1" in words.body


def test_the_user_who_made_the_step_is_not_told(workflow, tree, head_a, appraiser):
    # An appraiser who is also an officer of Sở A returns its assessment: he is not told of it.
    Membership.objects.create(user=appraiser, unit=tree.dept_a, role=MembershipRole.OFFICER)
    give_back(submit(workflow.assessment, by=head_a), by=appraiser)
    workflow_sweep()
    steps = {s.to_status: s.pk for s in AssessmentStep.objects.all()}
    # head_a hears of the return, not of his own submission; the appraiser of the submission only.
    assert told() == {"appraiser": [f"step:{steps['submitted']}"], "head_a": [f"step:{steps['returned']}"]}


def test_running_the_sweep_twice_writes_nothing_new(workflow, head_a, officer_a, appraiser):
    give_back(submit(workflow.assessment, by=head_a), by=appraiser)
    first = workflow_sweep()
    assert first == 3  # the appraiser of the submission; head and officer of the return
    written = list(Notification.objects.values_list("pk", "user_id", "key").order_by("pk"))
    assert workflow_rows() == []
    assert workflow_sweep() == 0
    assert list(Notification.objects.values_list("pk", "user_id", "key").order_by("pk")) == written


def test_steps_older_than_the_window_are_not_told(workflow, head_a, appraiser):
    submit(workflow.assessment, by=head_a)
    AssessmentStep.objects.update(at=timezone.now() - SWEEP_WITHIN - datetime.timedelta(minutes=1))
    assert workflow_sweep() == 0
    assert not Notification.objects.exists()


def test_inactive_members_and_appraisers_are_not_told(workflow, head_a, officer_a, appraiser):
    active = User.objects.create_user(username="appraiser2", password="x")
    active.groups.add(*appraiser.groups.all())
    give_back(submit(workflow.assessment, by=head_a), by=active)
    User.objects.filter(pk__in=[officer_a.pk, appraiser.pk]).update(is_active=False)
    workflow_sweep()
    steps = {s.to_status: s.pk for s in AssessmentStep.objects.all()}
    assert told() == {"appraiser2": [f"step:{steps['submitted']}"], "head_a": [f"step:{steps['returned']}"]}


def _second_department(workflow, tree, user):
    unit = Unit.objects.create(
        code="C", name="Sở C", kind=UnitKind.DEPARTMENT, parent=tree.province, valid_from=datetime.date(2021, 1, 1)
    )
    Membership.objects.create(user=user, unit=unit, role=MembershipRole.OFFICER)
    return Assessment.objects.create(unit=unit, methodology=workflow.methodology)


def test_a_publication_is_one_notification_per_member_naming_his_unit_only(
    workflow, tree, head_a, officer_a, head_b, appraiser, admin_user
):
    # officer_a is also an officer of Sở C; head_a of Sở A only. A department of the group with no
    # assessment (Sở Khác) is left out of the publication, and the step's comment names it.
    c = _second_department(workflow, tree, officer_a)
    Unit.objects.create(
        code="SO-KHAC",
        name="Sở Khác",
        kind=UnitKind.DEPARTMENT,
        parent=tree.province,
        valid_from=datetime.date(2021, 1, 1),
    )
    appraise(submit(workflow.assessment, by=head_a), by=appraiser)
    appraise(submit(c, by=officer_a), by=appraiser)
    workflow_sweep()
    publication = publish(workflow.methodology, by=admin_user)
    assert "SO-KHAC" in AssessmentStep.objects.filter(to_status="published").first().comment
    workflow_sweep()
    key = f"publication:{publication.pk}"
    assert told(Kind.PUBLISHED) == {"head_a": [key], "officer_a": [key]}
    to_officer = Notification.objects.get(user=officer_a, kind=Kind.PUBLISHED)
    assert to_officer.unit_id == tree.dept_a.pk and to_officer.params["others"] == 1
    assert to_officer.url == "/units/A/?index=par&year=2024"
    with translation.override("vi"):
        to_head = render(Notification.objects.get(user=head_a, kind=Kind.PUBLISHED))
        to_officer = render(to_officer)
    assert "Sở A" in to_head.subject and to_head.body == "Công bố theo quyết định 99/QĐ-UBND."
    # head_a is no member of Sở C: neither it nor the left-out unit is named to him.
    for text in (to_head.subject, to_head.body):
        assert "Sở C" not in text and "SO-KHAC" not in text and "Sở Khác" not in text
    assert "1 đơn vị khác" in to_officer.subject
    assert "SO-KHAC" not in to_officer.subject + to_officer.body


def test_a_second_publication_is_told_again(workflow, head_a, appraiser, admin_user):
    from assessments.workflow import assessment_reopen

    appraise(submit(workflow.assessment, by=head_a), by=appraiser)
    first = publish(workflow.methodology, by=admin_user)
    workflow_sweep()
    assessment_reopen(assessment=Assessment.objects.get(pk=workflow.assessment.pk), user=admin_user, reason="Sửa 2.1")
    second = publish(workflow.methodology, by=admin_user, reference="Quyết định 100/QĐ-UBND")
    workflow_sweep()
    # The reopening itself is not told: the corrected publication is.
    assert told(Kind.PUBLISHED) == {"head_a": [f"publication:{first.pk}", f"publication:{second.pk}"]}
    reopening = AssessmentStep.objects.get(from_status="published")
    assert not Notification.objects.filter(key=f"step:{reopening.pk}").exists()


def test_the_sweep_takes_a_few_queries_whatever_the_number_of_steps(
    workflow, tree, head_a, officer_a, appraiser, django_assert_max_num_queries
):
    c = _second_department(workflow, tree, officer_a)
    give_back(submit(workflow.assessment, by=head_a), by=appraiser)
    give_back(submit(c, by=officer_a), by=appraiser)
    # steps, keys written, members, appraisers, the access check of each user with rows, the insert.
    # A's submission (the appraiser), its return (head_a, officer_a); C's (the appraiser; officer_a).
    with django_assert_max_num_queries(12):
        assert workflow_sweep() == 5
