"""/assessments/publish/<methodology>/: an administrator publishes the appraised assessments under a
decision and lands on the ranking they made official; anyone else gets 404."""

import datetime

import pytest

from indicators.models import Assessment, AssessmentStatus, Publication, Result
from tests.assessments.conftest import appraised

S = AssessmentStatus


def url(workflow):
    return f"/assessments/publish/{workflow.methodology.pk}/"


@pytest.fixture
def ready(workflow, head_a, appraiser):
    return appraised(workflow, head_a, appraiser)


def test_the_admin_sees_the_counts_and_the_form(login, ready, english):
    response = login("admin_user").get(f"/assessments/publish/{ready.methodology_id}/")
    assert response.status_code == 200
    assert (response.context["appraised"], response.context["not_yet"]) == (1, 0)
    assert "Publishing decision" in response.content.decode()


def test_the_admin_publishes_and_lands_on_the_rankings(login, workflow, ready, admin_user, english):
    response = login("admin_user").post(
        url(workflow), {"decision_reference": "Quyết định 99/QĐ-UBND", "published_on": "15/03/2025"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/rankings/?index=par&year=2024&kind=department"
    publication = Publication.objects.get()
    assert (publication.number, publication.published_on, publication.decision_reference, publication.published_by) == (
        1,
        datetime.date(2025, 3, 15),
        "Quyết định 99/QĐ-UBND",
        admin_user,
    )
    assert Assessment.objects.get(pk=ready.pk).status == S.PUBLISHED
    assert Result.objects.get(unit=ready.unit, index=workflow.index, year=2024).publication == publication
    page = login("admin_user").get(url(workflow)).content.decode()
    assert "15/03/2025" in page and "Quyết định 99/QĐ-UBND" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision_reference": "", "published_on": "15/03/2025"}, "This field is required."),
        ({"decision_reference": "QĐ 1", "published_on": "2025-13-45"}, "Enter the date as dd/mm/yyyy."),
        ({"decision_reference": "QĐ 1", "published_on": "31/02/2025"}, "Enter the date as dd/mm/yyyy."),
        ({"decision_reference": "x" * 300, "published_on": "15/03/2025"}, "at most 255 characters"),
    ],
)
def test_a_bad_form_is_shown_and_nothing_is_published(login, workflow, ready, data, message, english):
    response = login("admin_user").post(url(workflow), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Publication.objects.exists() and Assessment.objects.get(pk=ready.pk).status == S.APPRAISED


def test_nothing_to_publish_is_a_message_not_a_500(login, workflow, english):
    response = login("admin_user").post(url(workflow), {"decision_reference": "QĐ 1", "published_on": "15/03/2025"})
    assert response.status_code == 400
    assert "No appraised assessment" in response.content.decode()
    assert not Publication.objects.exists()


@pytest.mark.parametrize("who", ["staff", "head_a", "head_b", "appraiser"])
def test_anyone_but_an_admin_gets_404(login, workflow, ready, who):
    client = login(who)
    assert client.get(url(workflow)).status_code == 404
    assert client.post(url(workflow), {"decision_reference": "QĐ", "published_on": "15/03/2025"}).status_code == 404
    assert not Publication.objects.exists()


def test_anonymous_is_sent_to_log_in(client, workflow):
    assert client.get(url(workflow)).status_code == 302


def test_an_unknown_methodology_is_404(login, workflow):
    assert login("admin_user").get("/assessments/publish/999999/").status_code == 404
