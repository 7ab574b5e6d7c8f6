"""The assessment workflow end to end: self scores with notes, submission, appraisal with
reasons, return and acceptance — each step recorded, audited, and recomputing once."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from assessments.workflow import (
    appraisal_scores_save,
    assessment_appraise,
    assessment_return,
    assessment_submit,
    self_scores_save,
)
from audit.models import AuditEntry
from indicators.models import AssessmentStatus, AssessmentStep, CriterionKind, Score
from jobs.models import Job, JobStatus
from tests.indicators.workflow import FULL_SELF, ids, reload, workflow  # noqa: F401 (fixtures, used as test arguments)

S = AssessmentStatus


def pending_jobs():
    return sorted(Job.objects.filter(status=JobStatus.PENDING).values_list("key", flat=True))


def scores_of(assessment):
    return {
        s.criterion.code: (s.self_score, s.final_score, s.not_applicable, s.note, s.appraisal_reason)
        for s in Score.objects.filter(assessment=assessment).select_related("criterion")
    }


def test_self_scores_are_saved_with_notes_and_audited_with_old_and_new_values(workflow, head_a):
    a = workflow.assessment
    assert self_scores_save(assessment=a, user=head_a, scores=ids(workflow, FULL_SELF), version=a.version) == 3
    assert scores_of(a)["1.1"] == (D(35), None, False, "Kế hoạch số 12", "")
    assert reload(a).version == a.version + 1
    changed = self_scores_save(
        assessment=a,
        user=head_a,
        scores=ids(workflow, {"1.1": (D("36.5"), False, "Kế hoạch số 12")}),
        version=a.version + 1,
    )
    assert changed == 1
    last = AuditEntry.objects.filter(action="score.self").order_by("-pk").first()
    assert last.changes == {"self_score": ["35.000000", "36.500000"]}
    assert (last.user, last.unit, last.criterion) == (head_a, a.unit, workflow.criteria["1.1"])
    assert AuditEntry.objects.filter(action="score.self").count() == 4
    # Self scores do not change results: no recompute is asked for.
    assert pending_jobs() == []


def test_an_unchanged_save_writes_nothing(workflow, head_a):
    a = workflow.assessment
    self_scores_save(assessment=a, user=head_a, scores=ids(workflow, FULL_SELF), version=1)
    entries = AuditEntry.objects.count()
    assert self_scores_save(assessment=a, user=head_a, scores=ids(workflow, FULL_SELF), version=2) == 0
    assert AuditEntry.objects.count() == entries


def test_a_not_applicable_criterion_needs_a_reason_and_has_no_score(english, workflow, head_a):
    a = workflow.assessment
    with pytest.raises(ValidationError) as refused:
        self_scores_save(assessment=a, user=head_a, scores=ids(workflow, {"1.2": (None, True, " ")}), version=1)
    assert refused.value.messages == ["1.2: say why the criterion is not applicable."]
    with pytest.raises(ValidationError):
        self_scores_save(assessment=a, user=head_a, scores=ids(workflow, {"1.2": (D(5), True, "không có")}), version=1)
    self_scores_save(
        assessment=a, user=head_a, scores=ids(workflow, {"1.2": (None, True, "Không có đơn vị trực thuộc")}), version=1
    )
    assert scores_of(a)["1.2"] == (None, None, True, "Không có đơn vị trực thuộc", "")
    assert AuditEntry.objects.get(action="score.not_applicable").reason == "Không có đơn vị trực thuộc"


@pytest.mark.parametrize(
    "value, message",
    [
        (D("40.5"), "1.1: the score is above the criterion's maximum of 40."),
        (D(-1), "1.1: the score cannot be negative."),
        ("abc", "1.1: the score is not a number."),
        ("NaN", "1.1: the score cannot be negative."),
    ],
)
def test_a_bad_self_score_is_refused_with_a_message_and_nothing_is_written(english, workflow, head_a, value, message):
    a = workflow.assessment
    with pytest.raises(ValidationError) as refused:
        self_scores_save(
            assessment=a,
            user=head_a,
            scores=ids(workflow, {"1.2": (D(10), False, ""), "1.1": (value, False, "")}),
            version=1,
        )
    assert refused.value.messages == [message]
    assert not Score.objects.exists()
    assert reload(a).version == 1
    assert not AuditEntry.objects.exists()


def test_scores_only_go_on_the_methodologys_leaf_criteria(english, workflow, head_a):
    a = workflow.assessment
    for criterion_id in (workflow.criteria["1"].pk, 999_999):
        with pytest.raises(ValidationError):
            self_scores_save(assessment=a, user=head_a, scores={criterion_id: (D(1), False, "")}, version=1)
    assert not Score.objects.exists()


def test_the_full_round_submit_return_resubmit_appraise_is_recorded_step_by_step(workflow, head_a, appraiser):
    a = workflow.assessment
    self_scores_save(assessment=a, user=head_a, scores=ids(workflow, FULL_SELF), version=1)
    assessment_submit(assessment=a, user=head_a)
    assessment_return(assessment=a, user=appraiser, comment="Thiếu minh chứng 1.1")
    assert reload(a).status == S.RETURNED
    self_scores_save(
        assessment=a, user=head_a, scores=ids(workflow, {"1.1": (D(30), False, "Bổ sung")}), version=reload(a).version
    )
    assessment_submit(assessment=a, user=head_a)
    appraisal_scores_save(
        assessment=a,
        user=appraiser,
        scores=ids(
            workflow,
            {"1.1": (D(25), "Kế hoạch ban hành muộn"), "1.2": (D(20), ""), "2.1": (D(28), "Thiếu báo cáo quý")},
        ),
        version=reload(a).version,
    )
    assessment_appraise(assessment=a, user=appraiser)

    assert reload(a).status == S.APPRAISED
    steps = list(AssessmentStep.objects.values_list("from_status", "to_status", "user__username", "comment"))
    assert steps == [
        (S.DRAFT, S.SUBMITTED, "head_a", ""),
        (S.SUBMITTED, S.RETURNED, "appraiser", "Thiếu minh chứng 1.1"),
        (S.RETURNED, S.SUBMITTED, "head_a", ""),
        (S.SUBMITTED, S.APPRAISED, "appraiser", ""),
    ]
    assert list(
        AuditEntry.objects.filter(action__startswith="assessment.").order_by("pk").values_list("action", "reason")
    ) == [
        ("assessment.submit", ""),
        ("assessment.return", "Thiếu minh chứng 1.1"),
        ("assessment.submit", ""),
        ("assessment.appraise", ""),
    ]
    assert scores_of(a)["1.1"] == (D(30), D(25), False, "Bổ sung", "Kế hoạch ban hành muộn")
    finals = AuditEntry.objects.filter(action="score.final").order_by("pk")
    assert [e.reason for e in finals] == ["Kế hoạch ban hành muộn", "", "Thiếu báo cáo quý"]
    assert len({e.batch for e in finals}) == 1
    assert pending_jobs() == [f"{workflow.index.pk}:2024"]


def test_an_appraised_score_that_differs_from_the_self_score_needs_a_reason(english, workflow, head_a, appraiser):
    a = workflow.assessment
    self_scores_save(assessment=a, user=head_a, scores=ids(workflow, FULL_SELF), version=1)
    assessment_submit(assessment=a, user=head_a)
    with pytest.raises(ValidationError) as refused:
        appraisal_scores_save(
            assessment=a,
            user=appraiser,
            scores=ids(workflow, {"1.1": (D(35), ""), "1.2": (D(15), "  ")}),
            version=reload(a).version,
        )
    assert refused.value.messages == [
        "1.2: give a reason for an appraised score that differs from the self-assessed one."
    ]
    assert scores_of(a)["1.1"][1] is None
    assert pending_jobs() == []


def test_a_survey_criterion_is_scored_by_the_council_without_a_reason(english, workflow, head_a, appraiser):
    """A survey criterion has no self score (the unit cannot enter one): the council enters the
    survey's result, and no reason is asked for a difference there is not."""
    a = workflow.assessment
    survey = workflow.criteria["2.1"]
    survey.kind = CriterionKind.SURVEY
    survey.save(update_fields=["kind"])
    self_scores_save(assessment=a, user=head_a, scores=ids(workflow, {"1.1": (D(35), False, "")}), version=1)
    assessment_submit(assessment=a, user=head_a, confirm_incomplete=True)
    appraisal_scores_save(
        assessment=a, user=appraiser, scores=ids(workflow, {"2.1": (D("31.5"), "")}), version=reload(a).version
    )
    assert scores_of(a)["2.1"] == (None, D("31.5"), False, "", "")
    # A self-assessed criterion the unit left empty still needs one.
    with pytest.raises(ValidationError) as refused:
        appraisal_scores_save(
            assessment=a, user=appraiser, scores=ids(workflow, {"1.2": (D(10), "")}), version=reload(a).version
        )
    assert refused.value.messages == [
        "1.2: give a reason for an appraised score that differs from the self-assessed one."
    ]


def test_a_return_needs_a_comment(workflow, head_a, appraiser):
    assessment_submit(assessment=workflow.assessment, user=head_a, confirm_incomplete=True)
    with pytest.raises(ValidationError):
        assessment_return(assessment=workflow.assessment, user=appraiser, comment="  ")
    assert reload(workflow.assessment).status == S.SUBMITTED


def test_saving_a_whole_tree_of_scores_takes_a_bounded_number_of_queries(tree, head_a, django_assert_max_num_queries):
    from indicators.models import Assessment, Index
    from tests.indicators.builders import methodology

    index = Index.objects.create(code="big", name_vi="Chỉ số lớn")
    leaves = {f"1.{i}": D(10) for i in range(200)}
    m = methodology(index, 2024, areas={"1": (D(2000), None, leaves)})
    a = Assessment.objects.create(unit=tree.dept_a, methodology=m)
    codes = {c.code: c.pk for c in m.criteria.all()}
    first = {codes[code]: (D(5), False, "") for code in leaves}
    with django_assert_max_num_queries(15):
        assert self_scores_save(assessment=a, user=head_a, scores=first, version=1) == 200
    again = {criterion_id: (D(7), False, "") for criterion_id in first}
    with django_assert_max_num_queries(15):
        assert self_scores_save(assessment=a, user=head_a, scores=again, version=2) == 200


def test_marking_a_returned_criterion_not_applicable_clears_its_appraised_score(workflow, head_a, appraiser):
    a = workflow.assessment
    self_scores_save(assessment=a, user=head_a, scores=ids(workflow, FULL_SELF), version=1)
    assessment_submit(assessment=a, user=head_a)
    appraisal_scores_save(
        assessment=a, user=appraiser, scores=ids(workflow, {"1.2": (D(20), "")}), version=reload(a).version
    )
    assessment_return(assessment=a, user=appraiser, comment="1.2 không áp dụng cho Sở")
    self_scores_save(
        assessment=a,
        user=head_a,
        scores=ids(workflow, {"1.2": (None, True, "Không có đơn vị trực thuộc")}),
        version=reload(a).version,
    )
    assert scores_of(a)["1.2"] == (None, None, True, "Không có đơn vị trực thuộc", "")
    entry = AuditEntry.objects.get(action="score.not_applicable")
    assert entry.changes["final_score"] == ["20.000000", None]
