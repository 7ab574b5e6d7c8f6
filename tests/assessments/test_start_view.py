"""POST /assessments/start/: a unit's head opens its self-assessment, others are refused."""

import pytest

from indicators.models import Assessment, AssessmentStatus
from tests.indicators.builders import methodology
from units.models import UnitKind

URL = "/assessments/start/"


@pytest.fixture
def m2025(workflow):
    return methodology(workflow.index, 2025)


def test_the_head_starts_and_lands_on_the_new_draft(login, tree, m2025):
    response = login("head_a").post(URL, {"unit": tree.dept_a.pk, "methodology": m2025.pk})
    a = Assessment.objects.get(methodology=m2025)
    assert (a.unit, a.status) == (tree.dept_a, AssessmentStatus.DRAFT)
    assert response.status_code == 302 and response["Location"] == f"/assessments/{a.pk}/"


@pytest.mark.parametrize(("who", "status"), [("staff", 403), ("head_b", 403), ("appraiser", 403), ("admin_user", 403)])
def test_anyone_but_the_units_members_is_refused(login, tree, m2025, who, status):
    assert login(who).post(URL, {"unit": tree.dept_a.pk, "methodology": m2025.pk}).status_code == status
    assert not Assessment.objects.filter(methodology=m2025).exists()


def test_anonymous_is_sent_to_log_in(client, tree, m2025):
    assert client.post(URL, {"unit": tree.dept_a.pk, "methodology": m2025.pk}).status_code == 302
    assert not Assessment.objects.filter(methodology=m2025).exists()


def test_a_get_is_not_allowed(login, m2025):
    assert login("head_a").get(URL).status_code == 405


@pytest.mark.parametrize("data", [{}, {"unit": "x", "methodology": "1"}, {"unit": "999999", "methodology": "999999"}])
def test_bad_or_unknown_ids_are_404(login, tree, m2025, data):
    assert login("head_a").post(URL, data).status_code == 404


def test_a_methodology_of_another_kind_is_a_message_not_an_error_page(login, tree, workflow, english):
    district = methodology(workflow.index, 2025, kind=UnitKind.DISTRICT)
    response = login("head_a").post(URL, {"unit": tree.dept_a.pk, "methodology": district.pk}, follow=True)
    assert response.status_code == 200
    assert "another kind of unit" in response.content.decode()
    assert not Assessment.objects.filter(methodology=district).exists()
