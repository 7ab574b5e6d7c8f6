"""sheet_save: the page's scores and the move asked for happen together or not at all."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.services import sheet_save
from assessments.workflow import Action, ConflictError
from indicators.models import Assessment, AssessmentStatus, AssessmentStep, Score
from tests.assessments.conftest import ids, submitted

S = AssessmentStatus
FULL = {"1.1": (D(35), False, ""), "1.2": (D(20), False, ""), "2.1": (D(30), False, "")}


def test_save_and_submit_in_one_go(workflow, head_a):
    a = workflow.assessment
    sheet_save(
        assessment=a,
        user=head_a,
        entering=Action.SELF_SCORES,
        scores=ids(workflow, FULL),
        version=1,
        then=Action.SUBMIT,
    )
    a = Assessment.objects.get(pk=a.pk)
    assert a.status == S.SUBMITTED and Score.objects.count() == 3
    assert AssessmentStep.objects.filter(assessment=a, to_status=S.SUBMITTED).count() == 1


def test_a_refused_save_does_not_submit(workflow, head_a):
    bad = {**FULL, "2.1": (D(99), False, "")}
    with pytest.raises(ValidationError):
        sheet_save(
            assessment=workflow.assessment,
            user=head_a,
            entering=Action.SELF_SCORES,
            scores=ids(workflow, bad),
            version=1,
            then=Action.SUBMIT,
        )
    assert Assessment.objects.get(pk=workflow.assessment.pk).status == S.DRAFT
    assert not Score.objects.exists() and not AssessmentStep.objects.exists()


def test_a_stale_version_is_a_conflict_and_does_not_submit(workflow, head_a):
    sheet_save(
        assessment=workflow.assessment, user=head_a, entering=Action.SELF_SCORES, scores=ids(workflow, FULL), version=1
    )
    with pytest.raises(ConflictError):
        sheet_save(
            assessment=workflow.assessment,
            user=head_a,
            entering=Action.SELF_SCORES,
            scores=ids(workflow, FULL),
            version=1,
            then=Action.SUBMIT,
        )
    assert Assessment.objects.get(pk=workflow.assessment.pk).status == S.DRAFT


def test_appraise_saves_the_final_scores_first(workflow, head_a, appraiser):
    a = submitted(workflow, head_a)
    finals = ids(workflow, {"1.1": (D(30), "Thiếu minh chứng"), "1.2": (D(20), ""), "2.1": (D(30), "")})
    sheet_save(
        assessment=a,
        user=appraiser,
        entering=Action.APPRAISAL_SCORES,
        scores=finals,
        version=a.version,
        then=Action.APPRAISE,
    )
    assert Assessment.objects.get(pk=a.pk).status == S.APPRAISED
    assert Score.objects.get(criterion__code="1.1").final_score == D(30)


def test_the_unit_cannot_appraise_its_own(workflow, head_a):
    a = submitted(workflow, head_a)
    with pytest.raises(PermissionDenied):
        sheet_save(
            assessment=a,
            user=head_a,
            entering=Action.APPRAISAL_SCORES,
            scores={},
            version=a.version,
            then=Action.APPRAISE,
        )
    assert Assessment.objects.get(pk=a.pk).status == S.SUBMITTED
