"""Bodies past Django's request limits — form fields bigger than DATA_UPLOAD_MAX_MEMORY_SIZE, more
fields than DATA_UPLOAD_MAX_NUMBER_FIELDS, more files than DATA_UPLOAD_MAX_NUMBER_FILES — are
answered 400, not 500, and write nothing; the limits are Django's defaults, which this project keeps."""

from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import EvidenceFile
from audit.models import AuditEntry
from tests.assessments.conftest import PNG
from tests.indicators.workflow import workflow  # noqa: F401 (a fixture)


def test_the_limits_are_bounded():
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 2**20
    assert django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 10 * 2**20  # bigger uploads stream to a temporary file
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 10_000
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FILES <= 100


def test_a_huge_form_field_is_refused(client, staff, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post("/login/", {"username": "staff", "password": "x" * 20_000})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_too_many_fields_are_refused(client, workflow, head_a, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    client.force_login(head_a)
    before = AuditEntry.objects.count()
    data = {f"note-{number}": "x" for number in range(200)}
    response = client.post(f"/assessments/{workflow.assessment.pk}/", {"version": "1", **data})
    assert response.status_code == 400
    assert "<title>Bad Request (400)</title>" in response.content.decode()  # Django's refusal, not the form's
    assert AuditEntry.objects.count() == before


def test_too_many_files_are_refused(client, workflow, head_a, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    client.force_login(head_a)
    # Ten files under the one name the form reads: within the limit, the last would be attached.
    files = [SimpleUploadedFile(f"{number}.png", PNG) for number in range(10)]
    response = client.post(
        f"/assessments/{workflow.assessment.pk}/evidence/", {"criterion": workflow.criteria["1.1"].pk, "file": files}
    )
    assert response.status_code == 400
    assert not EvidenceFile.objects.exists()
