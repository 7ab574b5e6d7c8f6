"""GET /api/units/<code>/scorecard/: a unit's result, area sub-totals and lost points on one index
in one year; 404 for a unit the user may not see."""

import pytest
from django.urls import reverse

from indicators.models import Index
from tests.api.conftest import EVERYONE

PARAMS = {"index": "par", "year": 2023}


def url(code):
    return f"/api/units/{code}/scorecard/"


def test_the_url_is_named():
    assert reverse("api:unit_scorecard", args=["20341"]) == url("20341")


@pytest.mark.parametrize("who", EVERYONE)
def test_staff_appraisers_and_admins_see_any_units_scorecard(scored, as_user, who):
    client = as_user(who)
    for code in ("A", "B", "B1"):
        assert client.get(url(code), PARAMS).status_code == 200


def test_the_scorecard_has_the_result_the_areas_and_the_lost_points(scored, as_user):
    body = as_user("head_b").get(url("B"), PARAMS).json()
    assert body["unit"] == {
        "code": "B",
        "name": "Huyện B",
        "kind": "district",
        "parent_code": "P",
        "valid_from": "2021-01-01",
        "valid_to": None,
    }
    assert (body["index"], body["year"]) == ("par", 2023)
    assert body["result"] == {
        "value": "83.000000",
        "points": "83.000000",
        "applicable_max": "100.000000",
        "source": "computed",
        "rank": 2,
        "group_size": 2,
        "official_rank": None,
        "official_group_size": None,
        "previous_rank": 1,
        "previous_group_size": 2,
        "rank_comparable": True,
        "rank_change": -1,
        "band": "Tốt",
        "target": None,
    }
    assert body["areas"] == [
        {
            "code": "1",
            "title": "Lĩnh vực 1",
            "points": "45.000000",
            "applicable_max": "60.000000",
            "percent": "75.000000",
        },
        {
            "code": "2",
            "title": "Lĩnh vực 2",
            "points": "38.000000",
            "applicable_max": "40.000000",
            "percent": "95.000000",
        },
    ]
    assert [(row["code"], row["lost"], row["streak"], row["chronic"]) for row in body["lost_points"]] == [
        ("1.1", "10.000000", 2, False),  # lost in 2022 too
        ("1.2", "5.000000", 1, False),
        ("2.1", "2.000000", 1, False),
    ]
    assert body["lost_points"][0] == {
        "code": "1.1",
        "title": "1.1",
        "max_points": "40.000000",
        "self_score": None,
        "final_score": "30.000000",
        "not_scored": False,
        "lost": "10.000000",
        "streak": 2,
        "chronic": False,
    }


def test_a_criterion_not_scored_is_null_and_flagged_never_zero(scored, as_user):
    """A blank is "not scored" (chưa chấm): final_score null and not_scored true, whatever the
    provisional value counted for it."""
    from indicators.models import Score

    Score.objects.filter(assessment__unit__code="B", assessment__methodology__year=2023, criterion__code="2.1").update(
        final_score=None
    )
    body = as_user("head_b").get(url("B"), PARAMS).json()
    row = next(row for row in body["lost_points"] if row["code"] == "2.1")
    assert (row["final_score"], row["not_scored"], row["lost"]) == (None, True, "40.000000")
    assert all(not other["not_scored"] for other in body["lost_points"] if other["code"] != "2.1")


def test_head_of_b_sees_b_and_b1_but_a_is_a_404(scored, as_user):
    client = as_user("head_b")
    assert client.get(url("B"), PARAMS).status_code == 200
    assert client.get(url("B1"), PARAMS).status_code == 200
    for code in ("A", "A2", "C", "P"):
        response = client.get(url(code), PARAMS)
        assert response.status_code == 404
        assert response.json() == client.get(url("NO-SUCH-UNIT"), PARAMS).json()


def test_an_outsider_gets_404_for_every_unit(scored, as_user):
    client = as_user("outsider")
    for code in ("A", "B", "B1", "P"):
        assert client.get(url(code), PARAMS).status_code == 404


def test_a_year_without_a_result_has_no_result_and_nothing_lost(scored, as_user):
    body = as_user("staff").get(url("A"), {"index": "par", "year": 2019}).json()
    assert (body["result"], body["areas"], body["lost_points"]) == (None, [], [])


def test_a_published_result_without_a_methodology_has_no_areas(scored, as_user):
    body = as_user("staff").get(url("P"), PARAMS).json()
    assert (body["result"]["official_rank"], body["result"]["source"], body["areas"]) == (56, "published", [])


def test_an_index_without_scores_has_no_areas_nor_lost_points(scored, as_user):
    Index.objects.create(code="sipas", name_vi="SIPAS")
    body = as_user("staff").get(url("A"), {"index": "sipas", "year": 2023}).json()
    assert (body["result"], body["areas"], body["lost_points"]) == (None, [], [])


@pytest.mark.parametrize(
    "params, bad",
    [
        ({"index": "par", "year": "abc"}, "year"),
        ({"index": "nope", "year": "2023"}, "index"),
        ({"year": "2023"}, "index"),
        ({"index": "par"}, "year"),
        ({"index": "par", "year": "2023", "kind": "district"}, "kind"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(scored, as_user, params, bad):
    response = as_user("staff").get(url("A"), params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [bad]
