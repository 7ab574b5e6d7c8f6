"""Who may do what on an assessment, in which status: the full role × status × action matrix."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.workflow import (
    Action,
    allowed_actions,
    appraisal_scores_save,
    assessment_appraise,
    assessment_reopen,
    assessment_return,
    assessment_submit,
    methodology_publish,
    self_scores_save,
)
from indicators.models import Assessment, AssessmentStatus, AssessmentStep, Score
from tests.indicators.workflow import (  # noqa: F401 (fixtures, used as test arguments)
    PUBLISHED_ON,
    head_province,
    ids,
    officer_a,
    reload,
    viewer_a,
    workflow,
)

S = AssessmentStatus
ROLES = ["head_a", "officer_a", "viewer_a", "head_province", "head_b", "staff", "appraiser", "admin_user", "outsider"]
UNIT = {Action.SELF_SCORES: {S.DRAFT, S.RETURNED}, Action.SUBMIT: {S.DRAFT, S.RETURNED}}
APPRAISER = {
    Action.APPRAISAL_SCORES: {S.SUBMITTED, S.APPRAISED},
    Action.RETURN: {S.SUBMITTED},
    Action.APPRAISE: {S.SUBMITTED},
}
ADMIN = {Action.PUBLISH: {S.APPRAISED}, Action.REOPEN: {S.PUBLISHED}}
MAY = {"head_a": UNIT, "officer_a": UNIT, "appraiser": APPRAISER, "admin_user": ADMIN}


def expected(role, status):
    return {action for action, statuses in MAY.get(role, {}).items() if status in statuses}


def at_status(workflow, status):
    Assessment.objects.filter(pk=workflow.assessment.pk).update(status=status)
    return reload(workflow.assessment)


@pytest.mark.parametrize("status", S.values)
@pytest.mark.parametrize("role", ROLES)
def test_allowed_actions_follow_the_role_and_status_matrix(request, workflow, role, status):
    user = request.getfixturevalue(role)
    assert allowed_actions(user=user, assessment=at_status(workflow, status)) == expected(role, status)


def _do(action, *, workflow, assessment, user):
    c11 = workflow.criteria["1.1"].pk
    if action == Action.SELF_SCORES:
        return self_scores_save(
            assessment=assessment, user=user, scores={c11: (D(30), False, "")}, version=assessment.version
        )
    if action == Action.SUBMIT:
        return assessment_submit(assessment=assessment, user=user, confirm_incomplete=True)
    if action == Action.APPRAISAL_SCORES:
        return appraisal_scores_save(
            assessment=assessment, user=user, scores={c11: (D(25), "thiếu minh chứng")}, version=assessment.version
        )
    if action == Action.RETURN:
        return assessment_return(assessment=assessment, user=user, comment="Bổ sung minh chứng")
    if action == Action.APPRAISE:
        return assessment_appraise(assessment=assessment, user=user)
    if action == Action.PUBLISH:
        return methodology_publish(
            methodology=workflow.methodology,
            user=user,
            decision_reference="QĐ 1",
            published_on=PUBLISHED_ON,
            publish_partial=True,
        )
    return assessment_reopen(assessment=assessment, user=user, reason="Sai sót số liệu")


def _fully_scored(workflow, assessment):
    """Every leaf criterion with a final score: what appraising and publishing ask for (issue 17)."""
    for code in ("1.1", "1.2", "2.1"):
        Score.objects.create(assessment=assessment, criterion=workflow.criteria[code], final_score=D(10))


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", S.values)
@pytest.mark.parametrize("role", ["head_a", "viewer_a", "head_province", "appraiser", "admin_user"])
def test_each_service_does_only_what_the_matrix_allows_and_refuses_the_rest(request, workflow, role, status, action):
    user = request.getfixturevalue(role)
    assessment = at_status(workflow, status)
    if action in expected(role, status):
        if action in (Action.APPRAISE, Action.PUBLISH):
            _fully_scored(workflow, assessment)
        _do(action, workflow=workflow, assessment=assessment, user=user)
        return
    # A role that may never do it is denied; a role that may, in another status, gets a validation error.
    refusal = ValidationError if action in MAY.get(role, {}) else PermissionDenied
    with pytest.raises(refusal):
        _do(action, workflow=workflow, assessment=assessment, user=user)
    after = reload(assessment)
    assert (after.status, after.version) == (status, assessment.version)
    assert not AssessmentStep.objects.exists()
    assert not after.scores.exists()


def test_an_invalid_transition_says_why_in_words(english, workflow, head_a):
    assessment = at_status(workflow, S.APPRAISED)
    with pytest.raises(ValidationError) as refused:
        assessment_submit(assessment=assessment, user=head_a)
    assert refused.value.messages == ["This cannot be done on an assessment that is appraised."]


def test_an_inactive_officer_may_do_nothing(workflow, head_a):
    head_a.is_active = False
    head_a.save()
    assert allowed_actions(user=head_a, assessment=workflow.assessment) == frozenset()
