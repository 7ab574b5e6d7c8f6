"""POST /assessments/<id>/reopen/: an administrator reopens a published assessment with a reason."""

import pytest

from assessments.workflow import methodology_publish
from audit.models import AuditEntry
from indicators.models import Assessment, AssessmentStatus, AssessmentStep
from tests.assessments.conftest import PUBLISHED_ON, appraised

S = AssessmentStatus


@pytest.fixture
def published(workflow, head_a, appraiser, admin_user):
    a = appraised(workflow, head_a, appraiser)
    methodology_publish(
        methodology=workflow.methodology, user=admin_user, decision_reference="QĐ 1/QĐ-UBND", published_on=PUBLISHED_ON
    )
    return Assessment.objects.get(pk=a.pk)


def url(a):
    return f"/assessments/{a.pk}/reopen/"


def test_the_admin_reopens_with_a_reason(login, published, admin_user):
    response = login("admin_user").post(url(published), {"version": published.version, "comment": "Sai điểm 1.1"})
    assert response.status_code == 302
    assert Assessment.objects.get(pk=published.pk).status == S.APPRAISED
    step = AssessmentStep.objects.get(assessment=published, from_status=S.PUBLISHED, to_status=S.APPRAISED)
    assert (step.user, step.comment) == (admin_user, "Sai điểm 1.1")
    assert AuditEntry.objects.filter(action="assessment.reopen").exists()


def test_the_published_page_shows_the_reopen_form_to_the_admin_only(login, published, english):
    assert "Reopen for a correction" in login("admin_user").get(f"/assessments/{published.pk}/").content.decode()
    assert "Reopen for a correction" not in login("staff").get(f"/assessments/{published.pk}/").content.decode()


def test_a_reopen_without_reason_is_a_form_error(login, published, english):
    response = login("admin_user").post(url(published), {"version": published.version, "comment": ""})
    assert response.status_code == 400
    assert "Give the reason for reopening" in response.content.decode()
    assert Assessment.objects.get(pk=published.pk).status == S.PUBLISHED


@pytest.mark.parametrize(("who", "status"), [("staff", 403), ("head_a", 403), ("appraiser", 403), ("head_b", 404)])
def test_others_may_not_reopen(login, published, who, status):
    assert login(who).post(url(published), {"version": published.version, "comment": "x"}).status_code == status
    assert Assessment.objects.get(pk=published.pk).status == S.PUBLISHED


def test_anonymous_is_sent_to_log_in(client, published):
    assert client.post(url(published), {"version": published.version, "comment": "x"}).status_code == 302


def test_a_missing_version_is_a_form_error(login, published, english):
    response = login("admin_user").post(url(published), {"comment": "x"})
    assert response.status_code == 400
    assert Assessment.objects.get(pk=published.pk).status == S.PUBLISHED
