"""POST /assessments/<id>/evidence/<file>/delete/: the unit removes evidence while it may edit."""

import os

import pytest

from assessments.models import EvidenceFile
from audit.models import AuditEntry
from tests.assessments.conftest import submitted
from tests.assessments.evidence import attach


@pytest.fixture
def evidence(workflow, head_a):
    return attach(workflow, head_a)


def url(evidence):
    return f"/assessments/{evidence.assessment_id}/evidence/{evidence.pk}/delete/"


def test_the_head_removes_a_file(login, evidence, head_a, django_capture_on_commit_callbacks):
    path = evidence.file.path
    with django_capture_on_commit_callbacks(execute=True):
        response = login("head_a").post(url(evidence))
    assert response.status_code == 302
    assert not EvidenceFile.objects.exists()
    assert not os.path.exists(path)
    entry = AuditEntry.objects.get(action="evidence.delete")
    assert (entry.user, entry.unit_id, entry.criterion_id) == (
        head_a,
        evidence.assessment.unit_id,
        evidence.criterion_id,
    )


@pytest.mark.parametrize(("who", "status"), [("staff", 403), ("appraiser", 403), ("admin_user", 403), ("head_b", 404)])
def test_others_may_not_remove(login, evidence, who, status):
    assert login(who).post(url(evidence)).status_code == status
    assert EvidenceFile.objects.exists() and os.path.exists(evidence.file.path)


def test_anonymous_is_sent_to_log_in(client, evidence):
    assert client.post(url(evidence)).status_code == 302
    assert EvidenceFile.objects.exists()


def test_no_removal_once_submitted(login, evidence, workflow, head_a):
    submitted(workflow, head_a)
    assert login("head_a").post(url(evidence)).status_code == 403
    assert EvidenceFile.objects.exists()


def test_a_get_is_not_allowed(login, evidence):
    assert login("head_a").get(url(evidence)).status_code == 405
