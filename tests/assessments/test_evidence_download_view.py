"""GET /assessments/<id>/evidence/<file>/: the file, as an attachment, to whoever may see the unit."""

import pytest

from tests.assessments.conftest import PDF
from tests.assessments.evidence import attach


@pytest.fixture
def evidence(workflow, head_a):
    return attach(workflow, head_a, name='ke "hoach" <b>.pdf')


def url(evidence):
    return f"/assessments/{evidence.assessment_id}/evidence/{evidence.pk}/"


@pytest.mark.parametrize("who", ["staff", "head_a", "appraiser", "admin_user"])
def test_readers_of_the_unit_get_the_file_as_an_attachment(login, evidence, who):
    response = login(who).get(url(evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_head_b_gets_404(login, evidence):
    assert login("head_b").get(url(evidence)).status_code == 404


def test_anonymous_is_sent_to_log_in(client, evidence):
    assert client.get(url(evidence)).status_code == 302


def test_a_file_of_another_assessment_is_404(login, evidence, workflow, tree):
    from indicators.models import Assessment
    from tests.indicators.builders import methodology
    from units.models import UnitKind

    other = Assessment.objects.create(
        unit=tree.district_b, methodology=methodology(workflow.index, 2024, kind=UnitKind.DISTRICT)
    )
    assert login("admin_user").get(f"/assessments/{other.pk}/evidence/{evidence.pk}/").status_code == 404
    assert login("admin_user").get(f"/assessments/{evidence.assessment_id}/evidence/999999/").status_code == 404


def test_a_file_missing_from_the_storage_is_404_not_500(login, evidence):
    evidence.file.storage.delete(evidence.file.name)
    assert login("head_a").get(url(evidence)).status_code == 404


def test_the_storage_has_no_url(evidence):
    with pytest.raises(ValueError):
        evidence.file.url  # noqa: B018 (reading the property is what raises)
