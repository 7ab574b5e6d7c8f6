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


# Coverage and the explicit choice to publish without some units (issue 17).


@pytest.fixture
def second_department(tree):
    from units.models import Unit, UnitKind

    return Unit.objects.create(
        code="A2", name="Sở A2", kind=UnitKind.DEPARTMENT, parent=tree.province, valid_from=tree.dept_a.valid_from
    )


def test_the_page_shows_the_group_s_coverage_and_offers_the_choice(login, workflow, ready, second_department, english):
    response = login("admin_user").get(url(workflow))
    assert response.status_code == 200
    body = response.content.decode()
    assert (response.context["appraised"], response.context["not_yet"]) == (1, 0)
    assert 'id="count-no-assessment">1<' in body
    assert "A2 Sở A2" in body
    assert "1 unit of the group has no complete appraised result" in body
    assert 'name="publish_partial"' in body and "Publish while 1 unit has no appraised result" in body


def test_a_whole_group_offers_no_choice(login, workflow, ready):
    body = login("admin_user").get(url(workflow)).content.decode()
    assert 'name="publish_partial"' not in body and 'id="left-out"' not in body


def test_publishing_without_the_choice_is_refused_and_publishes_nothing(
    login, workflow, ready, second_department, english
):
    response = login("admin_user").post(url(workflow), {"decision_reference": "QĐ 1", "published_on": "15/03/2025"})
    assert response.status_code == 400
    assert "Units of the group without a complete appraised result (1): A2." in response.content.decode()
    assert not Publication.objects.exists() and Assessment.objects.get(pk=ready.pk).status == S.APPRAISED


def test_the_choice_is_recorded_and_shown_with_the_decision(login, workflow, ready, second_department, english):
    client = login("admin_user")
    response = client.post(
        url(workflow), {"decision_reference": "QĐ 1", "published_on": "15/03/2025", "publish_partial": "on"}
    )
    assert response.status_code == 302
    assert Publication.objects.get().units_left_out == ["A2"]
    assert Assessment.objects.get(pk=ready.pk).status == S.PUBLISHED
    assert "1 unit with no appraised result: A2" in client.get(url(workflow)).content.decode()
    rankings = client.get(response["Location"]).content.decode()
    assert "The decision was published while 1 unit had no complete appraised result: A2." in rankings
    scorecard = client.get("/units/A/?index=par&year=2024").content.decode()
    assert "The decision was published while 1 unit of the group had no complete appraised result." in scorecard
