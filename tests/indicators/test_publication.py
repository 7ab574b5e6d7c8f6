"""Publication: appraised assessments become published and frozen, their results official with the
decision; a correction (reopen with a reason → change → publish again) adds a revision and keeps
the earlier published values readable."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.workflow import (
    appraisal_scores_save,
    assessment_appraise,
    assessment_reopen,
    assessment_submit,
    methodology_publish,
    result_revisions,
    self_scores_save,
)
from audit.models import AuditEntry
from indicators.models import (
    Assessment,
    AssessmentStatus,
    AssessmentStep,
    Publication,
    Result,
)
from jobs.models import Job, JobStatus
from tests.indicators.workflow import FULL_SELF, PUBLISHED_ON, ids, reload, workflow  # noqa: F401 (fixtures, used as test arguments)
from units.models import Unit, UnitKind

S = AssessmentStatus


@pytest.fixture
def appraised(workflow, head_a, appraiser, tree):
    """Sở A and a second department, both appraised: A scores 35+20+30 = 85, A2 scores 90."""
    dept_a2 = Unit.objects.create(
        code="A2", name="Sở A2", kind=UnitKind.DEPARTMENT, parent=tree.province, valid_from=tree.dept_a.valid_from
    )
    a2 = Assessment.objects.create(unit=dept_a2, methodology=workflow.methodology)
    for assessment, values in (
        (workflow.assessment, FULL_SELF),
        (a2, {"1.1": (D(40), False, ""), "1.2": (D(20), False, ""), "2.1": (D(30), False, "")}),
    ):
        Assessment.objects.filter(pk=assessment.pk).update(status=S.SUBMITTED)
        appraisal_scores_save(
            assessment=assessment,
            user=appraiser,
            scores={workflow.criteria[code].pk: (value, "theo minh chứng") for code, (value, _, _) in values.items()},
            version=reload(assessment).version,
        )
        assessment_appraise(assessment=assessment, user=appraiser)
    workflow.other = a2
    return workflow


def publish(workflow, admin_user, reference="QĐ 345/QĐ-UBND", on=PUBLISHED_ON, partial=False):
    return methodology_publish(
        methodology=workflow.methodology,
        user=admin_user,
        decision_reference=reference,
        published_on=on,
        publish_partial=partial,
    )


@pytest.fixture
def published(appraised, admin_user):
    publish(appraised, admin_user, reference="QĐ 345/QĐ-UBND", on=datetime.date(2025, 3, 1))
    return appraised


@pytest.fixture
def revised(published, admin_user, appraiser):
    """Sở A reopened (a wrong score), corrected from 30 to 25 on 2.1 and published again."""
    assessment_reopen(assessment=published.assessment, user=admin_user, reason="Sai số liệu tiêu chí 2.1")
    appraisal_scores_save(
        assessment=published.assessment,
        user=appraiser,
        scores={published.criteria["2.1"].pk: (D(25), "Thiếu minh chứng")},
        version=reload(published.assessment).version,
    )
    publish(published, admin_user, reference="QĐ 400/QĐ-UBND", on=datetime.date(2025, 4, 2))
    return published


def test_publishing_makes_the_assessments_published_and_their_results_official(appraised, admin_user, tree):
    publication = publish(appraised, admin_user)
    assert set(Assessment.objects.values_list("status", flat=True)) == {S.PUBLISHED}
    assert (publication.number, publication.decision_reference, publication.published_on, publication.published_by) == (
        1,
        "QĐ 345/QĐ-UBND",
        PUBLISHED_ON,
        admin_user,
    )
    result = Result.objects.get(unit=tree.dept_a, index=appraised.index, year=2024)
    assert (result.value, result.rank, result.group_size, result.publication) == (D(85), 2, 2, publication)
    assert [(r.number, r.value, r.rank, r.reason) for r in result_revisions(result)] == [(1, D(85), 2, "")]
    assert AssessmentStep.objects.filter(to_status=S.PUBLISHED).count() == 2
    entries = AuditEntry.objects.filter(action__in=["assessment.publish", "result.published"])
    assert entries.count() == 4
    assert len({e.batch for e in entries}) == 1
    key = f"{appraised.index.pk}:2024"
    assert list(Job.objects.filter(status=JobStatus.PENDING).values_list("key", flat=True)) == [key]


def test_only_an_administrator_publishes_and_only_with_a_decision(appraised, appraiser, admin_user):
    with pytest.raises(PermissionDenied):
        publish(appraised, appraiser)
    with pytest.raises(ValidationError):
        publish(appraised, admin_user, reference=" ")
    with pytest.raises(ValidationError):
        publish(appraised, admin_user, on=None)
    assert not Publication.objects.exists()
    assert set(Assessment.objects.values_list("status", flat=True)) == {S.APPRAISED}


def test_publishing_with_nothing_appraised_is_refused(english, workflow, admin_user):
    with pytest.raises(ValidationError) as refused:
        publish(workflow, admin_user)
    assert refused.value.messages == [
        "No appraised assessment of this methodology with every criterion scored is waiting to be published."
    ]


def test_a_published_assessment_is_frozen(appraised, admin_user, head_a, appraiser):
    publish(appraised, admin_user)
    a = reload(appraised.assessment)
    with pytest.raises(ValidationError):
        self_scores_save(
            assessment=a, user=head_a, scores=ids(appraised, {"1.1": (D(1), False, "")}), version=a.version
        )
    with pytest.raises(ValidationError):
        appraisal_scores_save(
            assessment=a, user=appraiser, scores=ids(appraised, {"1.1": (D(1), "x")}), version=a.version
        )
    with pytest.raises(ValidationError):
        assessment_submit(assessment=a, user=head_a)
    assert a.scores.get(criterion__code="1.1").final_score == D(35)


def test_reopening_needs_an_administrator_and_a_reason(appraised, admin_user, appraiser):
    publish(appraised, admin_user)
    a = appraised.assessment
    with pytest.raises(ValidationError):
        assessment_reopen(assessment=a, user=admin_user, reason="")
    with pytest.raises(PermissionDenied):
        assessment_reopen(assessment=a, user=appraiser, reason="Sai số liệu")
    assert reload(a).status == S.PUBLISHED


def test_a_correction_after_publication_is_a_new_revision_and_the_earlier_values_stay_readable(
    appraised, admin_user, head_a, appraiser, tree
):
    first = publish(appraised, admin_user)
    a = appraised.assessment
    assessment_reopen(assessment=a, user=admin_user, reason="Sai sót điểm tiêu chí 2.1")
    assert reload(a).status == S.APPRAISED
    appraisal_scores_save(
        assessment=a,
        user=appraiser,
        scores=ids(appraised, {"2.1": (D(40), "Đã đối chiếu lại báo cáo")}),
        version=reload(a).version,
    )
    second = publish(appraised, admin_user, reference="QĐ 400/QĐ-UBND", on=datetime.date(2025, 4, 2))

    assert second.number == 2
    result = Result.objects.get(unit=tree.dept_a, index=appraised.index, year=2024)
    assert (result.value, result.rank, result.publication) == (D(95), 1, second)
    assert [(r.number, r.value, r.rank, r.publication, r.reason) for r in result_revisions(result)] == [
        (1, D(85), 2, first, ""),
        (2, D(95), 1, second, "Sai sót điểm tiêu chí 2.1"),
    ]
    # The correction moved the other department down a place: that is a revision of its result too.
    other = Result.objects.get(unit=appraised.other.unit, index=appraised.index, year=2024)
    assert other.publication == second
    assert [(r.number, r.value, r.rank, r.reason) for r in result_revisions(other)] == [
        (1, D(90), 1, ""),
        (2, D(90), 2, ""),
    ]
    assert AuditEntry.objects.get(action="assessment.reopen").reason == "Sai sót điểm tiêu chí 2.1"


def test_publishing_many_assessments_takes_a_bounded_number_of_queries(
    workflow, admin_user, tree, django_assert_max_num_queries
):
    from indicators.models import Score

    for i in range(30):
        unit = Unit.objects.create(
            code=f"D{i}",
            name=f"Sở {i}",
            kind=UnitKind.DEPARTMENT,
            parent=tree.province,
            valid_from=tree.dept_a.valid_from,
        )
        a = Assessment.objects.create(unit=unit, methodology=workflow.methodology, status=S.APPRAISED)
        Score.objects.create(assessment=a, criterion=workflow.criteria["1.1"], final_score=D(i))
        Score.objects.create(assessment=a, criterion=workflow.criteria["1.2"], final_score=D(10))
        Score.objects.create(assessment=a, criterion=workflow.criteria["2.1"], final_score=D(20))
    with django_assert_max_num_queries(40):
        publish(workflow, admin_user, partial=True)  # Sở A's draft is left out
    assert Result.objects.filter(publication__isnull=False).count() == 30
