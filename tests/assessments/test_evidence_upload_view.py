"""POST /assessments/<id>/evidence/: the unit attaches evidence while it may edit; type, content
and size are checked, and a body over the limit is refused before it is parsed."""

from pathlib import Path

import pytest
from django.conf import settings
from django.http.multipartparser import MultiPartParser

from assessments.models import EvidenceFile
from audit.models import AuditEntry
from tests.assessments.conftest import PDF, PNG, submitted
from tests.assessments.evidence import docx_bytes, upload, xlsx_bytes


def url(workflow):
    return f"/assessments/{workflow.assessment.pk}/evidence/"


def post(client, workflow, name, content, code="1.1"):
    return client.post(url(workflow), {"criterion": workflow.criteria[code].pk, "file": upload(name, content)})


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("ke-hoach.pdf", PDF, "application/pdf"),
        ("anh.PNG", PNG, "image/png"),
        ("anh.jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 32, "image/jpeg"),
        ("bao-cao.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("bang.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_the_head_attaches_each_accepted_type(login, workflow, head_a, name, content, content_type):
    response = post(login("head_a"), workflow, name, content)
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert (evidence.original_name, evidence.content_type, evidence.size) == (name, content_type, len(content))
    assert (evidence.criterion, evidence.uploaded_by) == (workflow.criteria["1.1"], head_a)
    stored = Path(evidence.file.path)
    assert stored.read_bytes() == content
    assert stored.is_relative_to(Path(settings.EVIDENCE_ROOT))
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert name not in stored.name  # the name on disk is ours
    entry = AuditEntry.objects.get(action="evidence.add")
    assert (entry.user, entry.unit_id, entry.criterion_id) == (
        head_a,
        workflow.assessment.unit_id,
        workflow.criteria["1.1"].pk,
    )


@pytest.mark.parametrize("name", ["tro-choi.exe", "trang.html", "anh.svg", "khong-duoi", "ke-hoach.pdf.exe"])
def test_a_type_not_accepted_is_refused(login, workflow, name, english):
    response = post(login("head_a"), workflow, name, PDF)
    assert response.status_code == 400
    assert "Only PDF, PNG, JPEG, DOCX and XLSX files" in response.content.decode()
    assert not EvidenceFile.objects.exists() and not AuditEntry.objects.filter(action="evidence.add").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("ke-hoach.pdf", PNG),
        ("anh.png", b"<html><script>alert(1)</script></html>"),
        ("anh.jpg", PDF),
        ("bao-cao.docx", b"PK\x03\x04not really a zip"),
        ("bao-cao.docx", xlsx_bytes()),  # a workbook named as a document
        ("bang.xlsx", docx_bytes()),
    ],
)
def test_an_accepted_extension_with_the_wrong_content_is_refused(login, workflow, name, content, english):
    response = post(login("head_a"), workflow, name, content)
    assert response.status_code == 400
    assert "whatever its name says" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert not any(Path(settings.EVIDENCE_ROOT).rglob("*.*"))


def test_an_empty_file_is_refused(login, workflow):
    assert post(login("head_a"), workflow, "a.pdf", b"").status_code == 400
    assert not EvidenceFile.objects.exists()


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(login, workflow, settings, monkeypatch, english):
    settings.EVIDENCE_MAX_BYTES = 1000

    def parse(self):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(MultiPartParser, "parse", parse)
    response = post(login("head_a"), workflow, "ke-hoach.pdf", PDF + b"\0" * 40_000)
    assert response.status_code == 413
    assert "larger than the limit of 1000" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_a_file_over_the_limit_is_cut_off_while_it_streams(login, workflow, settings, english):
    settings.EVIDENCE_MAX_BYTES = 1000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    response = post(login("head_a"), workflow, "ke-hoach.pdf", PDF + b"\0" * 3000)  # under the body's slack
    assert response.status_code == 413
    assert "larger than the limit" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_a_criterion_of_another_methodology_or_an_area_is_refused(login, workflow):
    client = login("head_a")
    assert (
        client.post(url(workflow), {"criterion": workflow.criteria["1"].pk, "file": upload("a.pdf", PDF)}).status_code
        == 400
    )
    assert client.post(url(workflow), {"criterion": 999999, "file": upload("a.pdf", PDF)}).status_code == 400
    assert client.post(url(workflow), {"criterion": "x", "file": upload("a.pdf", PDF)}).status_code == 400
    assert client.post(url(workflow), {"criterion": workflow.criteria["1.1"].pk}).status_code == 400
    assert not EvidenceFile.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("staff", 403), ("appraiser", 403), ("admin_user", 403), ("head_b", 404)])
def test_only_the_units_members_may_attach(login, workflow, who, status):
    assert post(login(who), workflow, "a.pdf", PDF).status_code == status
    assert not EvidenceFile.objects.exists()


def test_anonymous_is_sent_to_log_in(client, workflow):
    assert post(client, workflow, "a.pdf", PDF).status_code == 302
    assert not EvidenceFile.objects.exists()


def test_no_evidence_once_submitted(login, workflow, head_a):
    submitted(workflow, head_a)
    assert post(login("head_a"), workflow, "a.pdf", PDF).status_code == 403
    assert not EvidenceFile.objects.exists()


def test_a_file_name_with_script_is_shown_as_text(login, workflow):
    client = login("head_a")
    assert post(client, workflow, "<img src=x onerror=alert(1)>.pdf", PDF).status_code == 302
    body = client.get(f"/assessments/{workflow.assessment.pk}/").content.decode()
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in body
