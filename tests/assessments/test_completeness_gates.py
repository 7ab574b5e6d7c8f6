"""Nothing incomplete becomes official (issue 17, item 1): submitting with criteria not scored needs
the unit's confirmation, appraising needs a final score (or a reasoned not applicable) on every
leaf criterion, and publishing leaves out what is not complete, naming the units it leaves."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from assessments.workflow import (
    appraisal_scores_save,
    assessment_appraise,
    assessment_submit,
    methodology_publish,
    publish_coverage,
    self_scores_save,
)
from audit.models import AuditEntry
from indicators.models import Assessment, AssessmentStatus, AssessmentStep, CriterionKind, Publication, Result, Score
from tests.assessments.conftest import PUBLISHED_ON, appraised, submitted
from tests.indicators.workflow import ids, reload
from units.models import Unit, UnitKind

S = AssessmentStatus


def self_save(wf, user, values):
    a = reload(wf.assessment)
    self_scores_save(assessment=a, user=user, scores=ids(wf, values), version=a.version)
    return reload(a)


def final_save(assessment, wf, user, values):
    a = reload(assessment)
    appraisal_scores_save(assessment=a, user=user, scores=ids(wf, values), version=a.version)
    return reload(a)


def publish(wf, user, **kwargs):
    return methodology_publish(
        methodology=wf.methodology, user=user, decision_reference="QĐ 7/QĐ-UBND", published_on=PUBLISHED_ON, **kwargs
    )


def second_department(tree, code="A2"):
    return Unit.objects.create(
        code=code, name=f"Sở {code}", kind=UnitKind.DEPARTMENT, parent=tree.province, valid_from=tree.dept_a.valid_from
    )


# Submit


def test_submitting_with_criteria_not_scored_is_refused_and_names_them(english, workflow, head_a):
    a = self_save(workflow, head_a, {"1.1": (D(35), False, "")})
    with pytest.raises(ValidationError) as refused:
        assessment_submit(assessment=a, user=head_a)
    assert refused.value.code == "incomplete"
    assert refused.value.params["codes"] == "1.2, 2.1"
    assert "1.2, 2.1" in refused.value.messages[0]
    assert reload(a).status == S.DRAFT and not AssessmentStep.objects.exists()


def test_a_confirmed_incomplete_submission_goes_through_and_is_recorded(english, workflow, head_a):
    a = self_save(workflow, head_a, {"1.1": (D(35), False, "")})
    assessment_submit(assessment=a, user=head_a, confirm_incomplete=True)
    assert reload(a).status == S.SUBMITTED
    step = AssessmentStep.objects.get()
    assert step.comment == "Submitted with criteria not scored (2): 1.2, 2.1."
    assert AuditEntry.objects.get(action="assessment.submit").reason == step.comment


def test_a_complete_assessment_submits_without_the_extra_step(workflow, head_a):
    """A criterion marked not applicable, with its reason, is complete."""
    a = self_save(
        workflow, head_a, {"1.1": (D(35), False, ""), "1.2": (None, True, "Không có TTHC"), "2.1": (D(0), False, "")}
    )
    assessment_submit(assessment=a, user=head_a)
    assert reload(a).status == S.SUBMITTED
    assert AssessmentStep.objects.get().comment == ""


def test_a_survey_criterion_is_not_the_unit_s_to_score_before_submitting(workflow, head_a):
    survey = workflow.criteria["2.1"]
    survey.kind = CriterionKind.SURVEY
    survey.save(update_fields=["kind"])
    a = self_save(workflow, head_a, {"1.1": (D(35), False, ""), "1.2": (D(20), False, "")})
    assessment_submit(assessment=a, user=head_a)
    assert reload(a).status == S.SUBMITTED


# Appraise


def test_appraising_is_refused_while_a_criterion_has_no_final_score(english, workflow, head_a, appraiser):
    a = self_save(workflow, head_a, {"1.1": (D(35), False, "")})
    assessment_submit(assessment=a, user=head_a, confirm_incomplete=True)
    a = final_save(a, workflow, appraiser, {"1.1": (D(35), ""), "1.2": (D(10), "thiếu minh chứng")})
    with pytest.raises(ValidationError) as refused:
        assessment_appraise(assessment=a, user=appraiser)
    assert refused.value.code == "incomplete" and refused.value.params["codes"] == "2.1"
    assert "2.1" in refused.value.messages[0] and "1.2" not in refused.value.messages[0]
    assert reload(a).status == S.SUBMITTED
    final_save(a, workflow, appraiser, {"2.1": (D(0), "không có minh chứng")})
    assessment_appraise(assessment=reload(a), user=appraiser)
    assert reload(a).status == S.APPRAISED


def test_a_survey_criterion_needs_the_council_s_score_before_appraising(workflow, head_a, appraiser):
    survey = workflow.criteria["2.1"]
    survey.kind = CriterionKind.SURVEY
    survey.save(update_fields=["kind"])
    a = self_save(workflow, head_a, {"1.1": (D(35), False, ""), "1.2": (D(20), False, "")})
    assessment_submit(assessment=a, user=head_a)
    a = final_save(a, workflow, appraiser, {"1.1": (D(35), ""), "1.2": (D(20), "")})
    with pytest.raises(ValidationError) as refused:
        assessment_appraise(assessment=a, user=appraiser)
    assert refused.value.params["codes"] == "2.1"
    final_save(a, workflow, appraiser, {"2.1": (D("31.5"), "")})
    assessment_appraise(assessment=reload(a), user=appraiser)
    assert reload(a).status == S.APPRAISED


def test_not_applicable_without_its_reason_is_not_complete(workflow, head_a, appraiser):
    a = submitted(workflow, head_a)
    a = final_save(a, workflow, appraiser, {"1.1": (D(35), ""), "2.1": (D(30), "")})
    # Loaded data (an import, the admin) can mark a criterion not applicable with no reason.
    Score.objects.filter(assessment=a, criterion__code="1.2").update(
        self_score=None, final_score=None, not_applicable=True, note=""
    )
    with pytest.raises(ValidationError) as refused:
        assessment_appraise(assessment=reload(a), user=appraiser)
    assert refused.value.params["codes"] == "1.2"
    Score.objects.filter(assessment=a, criterion__code="1.2").update(note="Không có TTHC")
    assessment_appraise(assessment=reload(a), user=appraiser)
    assert reload(a).status == S.APPRAISED


# Publish


def test_the_coverage_sorts_the_group_s_units(workflow, head_a, appraiser, tree):
    ready = appraised(workflow, head_a, appraiser)
    second_department(tree, "A2")
    a3 = Assessment.objects.create(unit=second_department(tree, "A3"), methodology=workflow.methodology)
    coverage = publish_coverage(methodology=workflow.methodology)
    assert [u.code for u in coverage.no_assessment] == ["A2"]
    assert [a.pk for a in coverage.not_appraised] == [a3.pk]
    assert [a.pk for a in coverage.ready] == [ready.pk]
    assert (coverage.incomplete, coverage.published) == ([], [])
    assert coverage.left_out == ["A2", "A3"]


def test_a_unit_that_ended_during_the_year_is_not_left_out_its_successor_is(workflow, head_a, appraiser, tree):
    """A year's group is the units of its last day, as its ranking forms it (issue 18): a department
    merged on 1/7 has no result of that year to be left without; the one that took over has."""
    appraised(workflow, head_a, appraiser)
    year = workflow.methodology.year
    Unit.objects.create(
        code="OLD", name="Sở cũ", kind=UnitKind.DEPARTMENT, parent=tree.province, valid_to=datetime.date(year, 6, 30)
    )
    Unit.objects.create(
        code="NEW", name="Sở mới", kind=UnitKind.DEPARTMENT, parent=tree.province, valid_from=datetime.date(year, 7, 1)
    )
    assert publish_coverage(methodology=workflow.methodology).left_out == ["NEW"]


def test_publishing_while_units_have_no_result_needs_the_explicit_choice(
    english, workflow, head_a, appraiser, admin_user, tree
):
    ready = appraised(workflow, head_a, appraiser)
    second_department(tree, "A2")
    with pytest.raises(ValidationError) as refused:
        publish(workflow, admin_user)
    assert refused.value.code == "partial" and "A2" in refused.value.messages[0]
    assert not Publication.objects.exists() and reload(ready).status == S.APPRAISED

    publication = publish(workflow, admin_user, publish_partial=True)
    assert publication.units_left_out == ["A2"]
    assert reload(ready).status == S.PUBLISHED
    expected = "QĐ 7/QĐ-UBND · Published without the units that have no complete appraised result (1): A2."
    assert AssessmentStep.objects.get(to_status=S.PUBLISHED).comment == expected
    # The audit keeps the decision's reference as written and our code's part as a code, put into
    # words in the reader's language (audit.reasons).
    entry = AuditEntry.objects.get(action="assessment.publish")
    assert (entry.reason, entry.reason_code) == ("QĐ 7/QĐ-UBND", "assessments.published_without")
    assert entry.reason_params == {"count": 1, "codes": "A2"}
    assert entry.reason_shown == expected
    with translation.override("vi"):
        assert entry.reason_shown == "QĐ 7/QĐ-UBND · Công bố khi còn 1 đơn vị chưa có kết quả thẩm định đầy đủ: A2."


def test_a_whole_group_publishes_without_the_choice_and_records_nothing_left_out(
    workflow, head_a, appraiser, admin_user
):
    appraised(workflow, head_a, appraiser)
    publication = publish(workflow, admin_user)
    assert publication.units_left_out == []
    assert AssessmentStep.objects.get(to_status=S.PUBLISHED).comment == "QĐ 7/QĐ-UBND"


def test_an_appraised_assessment_with_a_final_score_cleared_is_not_published(
    workflow, head_a, appraiser, admin_user, tree
):
    """appraisal_scores_save still corrects an appraised (reopened) assessment: clearing a final
    score there must keep it out of the publication, and its result unofficial."""
    ready = appraised(workflow, head_a, appraiser)
    other = Assessment.objects.create(
        unit=second_department(tree), methodology=workflow.methodology, status=S.SUBMITTED
    )
    final_save(other, workflow, appraiser, {code: (D(10), "theo minh chứng") for code in ("1.1", "1.2", "2.1")})
    assessment_appraise(assessment=reload(other), user=appraiser)
    final_save(other, workflow, appraiser, {"2.1": (None, "chờ kết quả điều tra")})
    with pytest.raises(ValidationError) as refused:
        publish(workflow, admin_user)
    assert refused.value.code == "partial"
    publication = publish(workflow, admin_user, publish_partial=True)
    assert publication.units_left_out == ["A2"]
    assert (reload(ready).status, reload(other).status) == (S.PUBLISHED, S.APPRAISED)
    assert Result.objects.get(unit=other.unit, year=2024).publication is None
    assert Result.objects.get(unit=ready.unit, year=2024).publication == publication


def test_nothing_complete_to_publish_is_refused(workflow, head_a, appraiser, admin_user):
    a = appraised(workflow, head_a, appraiser)
    Score.objects.filter(assessment=a, criterion__code="2.1").update(final_score=None)
    with pytest.raises(ValidationError) as refused:
        publish(workflow, admin_user, publish_partial=True)
    assert refused.value.code == "nothing"
    assert reload(a).status == S.APPRAISED and not Publication.objects.exists()
