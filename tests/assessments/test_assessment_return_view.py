"""POST /assessments/<id>/return/: an appraiser returns a submitted assessment with a comment."""

import pytest

from audit.models import AuditEntry
from indicators.models import Assessment, AssessmentStatus, AssessmentStep
from tests.assessments.conftest import submitted

S = AssessmentStatus


def url(a):
    return f"/assessments/{a.pk}/return/"


def test_the_appraiser_returns_with_a_comment(login, workflow, head_a, appraiser):
    a = submitted(workflow, head_a)
    response = login("appraiser").post(url(a), {"version": a.version, "comment": "Bổ sung minh chứng 1.1"})
    assert response.status_code == 302
    assert Assessment.objects.get(pk=a.pk).status == S.RETURNED
    step = AssessmentStep.objects.get(assessment=a, to_status=S.RETURNED)
    assert (step.user, step.comment) == (appraiser, "Bổ sung minh chứng 1.1")
    assert AuditEntry.objects.filter(action="assessment.return", reason="Bổ sung minh chứng 1.1").exists()
    # The unit may enter its scores again.
    assert 'name="score-' in login("head_a").get(f"/assessments/{a.pk}/").content.decode()


def test_a_return_without_comment_is_a_form_error(login, workflow, head_a, english):
    a = submitted(workflow, head_a)
    response = login("appraiser").post(url(a), {"version": a.version, "comment": "  "})
    assert response.status_code == 400
    assert "Say what the unit has to correct." in response.content.decode()
    assert Assessment.objects.get(pk=a.pk).status == S.SUBMITTED


@pytest.mark.parametrize(("who", "status"), [("staff", 403), ("head_a", 403), ("admin_user", 403), ("head_b", 404)])
def test_others_may_not_return(login, workflow, head_a, who, status):
    a = submitted(workflow, head_a)
    assert login(who).post(url(a), {"version": a.version, "comment": "x"}).status_code == status
    assert Assessment.objects.get(pk=a.pk).status == S.SUBMITTED


def test_anonymous_is_sent_to_log_in(client, workflow, head_a):
    a = submitted(workflow, head_a)
    assert client.post(url(a), {"version": a.version, "comment": "x"}).status_code == 302
    assert Assessment.objects.get(pk=a.pk).status == S.SUBMITTED


def test_a_draft_cannot_be_returned(login, workflow, english):
    a = workflow.assessment
    response = login("appraiser").post(url(a), {"version": a.version, "comment": "x"})
    assert response.status_code in (400, 403)
    assert Assessment.objects.get(pk=a.pk).status == S.DRAFT


def test_a_stale_version_is_a_conflict_and_keeps_the_comment(login, workflow, head_a, english):
    a = submitted(workflow, head_a)
    response = login("appraiser").post(url(a), {"version": a.version - 1, "comment": "Bổ sung"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this assessment" in body and "Bổ sung" in body
    assert f'name="version" value="{a.version}"' in body
    assert Assessment.objects.get(pk=a.pk).status == S.SUBMITTED
