"""Two people on one assessment page: the second save from the same version is a conflict that
shows what the other changed, keeps what this one typed, writes nothing, and saving again works."""

from decimal import Decimal as D

from assessments.workflow import self_scores_save
from indicators.models import Assessment, Score
from tests.assessments.conftest import ids, page_url, self_post


def test_the_second_save_from_the_same_version_shows_the_conflict(login, workflow, head_a, officer_a, english):
    a = workflow.assessment
    client = login("head_a")
    loaded = client.get(page_url(a)).context["sheet"]["version"].value()
    assert loaded == 1
    # Meanwhile the officer saves 1.1.
    self_scores_save(assessment=a, user=officer_a, scores=ids(workflow, {"1.1": (D(38), False, "KH 12")}), version=1)
    typed = {"1.1": ("20", False, ""), "2.1": ("31,5", False, "của tôi")}
    response = client.post(page_url(a), self_post(workflow, loaded, typed))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this assessment" in body
    assert [(c["criterion_code"], c["self_score"]) for c in response.context["conflict"]] == [("1.1", D(38))]
    assert 'id="conflict"' in body and "KH 12" in body
    # The typed values are kept, with the current version.
    assert 'value="31,5"' in body and "của tôi" in body
    assert f'name="version" value="{Assessment.objects.get(pk=a.pk).version}"' in body
    # Nothing written by the refused save.
    assert {s.criterion.code: s.self_score for s in Score.objects.select_related("criterion")} == {"1.1": D(38)}
    # Saving again with the version the conflict page gave works.
    again = self_post(workflow, response.context["sheet"]["version"].value(), typed)
    assert client.post(page_url(a), again).status_code == 302
    assert {s.criterion.code: s.self_score for s in Score.objects.select_related("criterion")} == {
        "1.1": D(20),
        "2.1": D("31.5"),
    }


def test_a_missing_version_is_a_form_error_not_a_save(login, workflow, english):
    data = self_post(workflow, 1, {"1.1": ("20", False, "")})
    del data["version"]
    response = login("head_a").post(page_url(workflow.assessment), data)
    assert response.status_code == 400
    assert "out of date" in response.content.decode()
    assert not Score.objects.exists()
