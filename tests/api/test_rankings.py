"""GET /api/rankings/: one group's ranking, only the rows of units the user may see, each with its
rank in the whole group."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from indicators.models import Result
from tests.api.conftest import EVERYONE
from units.models import Unit, UnitKind

URL = "/api/rankings/"


def rows(response):
    assert response.status_code == 200, response.content
    return [(row["unit_code"], row["rank"], row["group_size"]) for row in response.json()["results"]]


def test_the_url_is_named():
    assert reverse("api:rankings") == URL


@pytest.mark.parametrize("who", EVERYONE)
def test_staff_appraisers_and_admins_see_the_whole_group_in_rank_order(scored, as_user, who):
    response = as_user(who).get(URL, {"index": "par", "year": 2023, "kind": "department"})
    assert rows(response) == [("A", 1, 2), ("A2", 2, 2)]
    assert response.json()["results"][0] == {
        "unit_code": "A",
        "unit_name": "Sở A",
        "parent_code": "P",
        "value": "90.000000",
        "points": "90.000000",
        "rank": 1,
        "group_size": 2,
        "official_rank": None,
        "official_group_size": None,
        "previous_rank": 2,
        "previous_group_size": 2,
        "rank_comparable": True,
        "rank_change": 1,
        "band": "Tốt",
        "target": None,
        "official": None,
        "status": {"official": False, "state": "provisional", "label": "Tạm thời"},
    }
    assert {key: response.json()[key] for key in ("index", "year", "kind", "parent_code", "official")} == {
        "index": "par",
        "year": 2023,
        "kind": "department",
        "parent_code": None,
        "official": None,
    }


def test_head_of_b_sees_only_b_with_its_rank_in_the_whole_group(scored, as_user):
    client = as_user("head_b")
    districts = client.get(URL, {"index": "par", "year": 2023, "kind": "district", "parent": "P"})
    assert rows(districts) == [("B", 2, 2)]  # C ranks first but is not his to see
    assert districts.json()["results"][0]["rank_change"] == -1
    assert rows(client.get(URL, {"index": "par", "year": 2023, "kind": "commune", "parent": "B"})) == [("B1", 1, 1)]


def test_head_of_b_never_sees_a(scored, as_user):
    client = as_user("head_b")
    assert rows(client.get(URL, {"index": "par", "year": 2023, "kind": "department"})) == []
    for year in (2022, 2023):
        for kind in UnitKind.values:
            codes = [code for code, *_ in rows(client.get(URL, {"index": "par", "year": year, "kind": kind}))]
            assert "A" not in codes and "A2" not in codes and "C" not in codes


def test_a_parent_the_user_may_not_see_is_as_unknown_as_one_that_does_not_exist(scored, as_user):
    client = as_user("head_b")
    hidden = client.get(URL, {"index": "par", "year": 2023, "kind": "department", "parent": "A"})
    missing = client.get(URL, {"index": "par", "year": 2023, "kind": "department", "parent": "NOPE"})
    assert hidden.status_code == missing.status_code == 400
    assert set(hidden.json()["errors"]) == set(missing.json()["errors"]) == {"parent"}


def test_an_outsider_sees_no_rows(scored, as_user):
    client = as_user("outsider")
    for kind in UnitKind.values:
        assert rows(client.get(URL, {"index": "par", "year": 2023, "kind": kind})) == []


def test_a_published_national_rank_comes_with_its_official_group_size(scored, as_user):
    response = as_user("staff").get(URL, {"index": "par", "year": 2023, "kind": "province"})
    [row] = response.json()["results"]
    assert (row["unit_code"], row["value"], row["official_rank"], row["official_group_size"]) == (
        "P",
        "84.600000",
        56,
        63,
    )


@pytest.mark.parametrize(
    "params, bad",
    [
        ({"index": "par", "year": "abc", "kind": "department"}, "year"),
        ({"index": "par", "year": "1800", "kind": "department"}, "year"),
        ({"index": "nope", "year": "2023", "kind": "department"}, "index"),
        ({"year": "2023", "kind": "department"}, "index"),
        ({"index": "par", "kind": "department"}, "year"),
        ({"index": "par", "year": "2023", "kind": "bogus"}, "kind"),
        ({"index": "par", "year": "2023"}, "kind"),
        ({"index": "par", "year": "2023", "kind": "department", "yaer": "2023"}, "yaer"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(scored, as_user, params, bad):
    response = as_user("staff").get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()["errors"]) == [bad]
    assert response.json()["error"]


def test_the_number_of_queries_does_not_grow_with_the_rows(scored, tree, as_user, django_assert_max_num_queries):
    more = Unit.objects.bulk_create(
        Unit(code=f"D{i}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=tree.province) for i in range(40)
    )
    Result.objects.bulk_create(
        Result(unit=unit, index=scored, year=2023, value=D(50), rank=3 + i, group_size=42)
        for i, unit in enumerate(more)
    )
    client = as_user("staff")
    with django_assert_max_num_queries(6):  # 5, and one for the group's figures
        assert len(rows(client.get(URL, {"index": "par", "year": 2023, "kind": "department"}))) == 42


def test_the_group_figures_are_the_whole_groups_for_staff(scored, as_user):
    group = as_user("staff").get(URL, {"index": "par", "year": 2023, "kind": "department"}).json()["group"]
    assert group == {
        "size": 2,
        "readable": 2,
        "whole": True,
        "suppressed": False,
        "mean": "87.500000",
        "median": "87.500000",
        "best": "90.000000",
        "worst": "85.000000",
    }


def test_the_head_of_b_gets_no_figure_of_a_group_of_two(scored, as_user):
    # B and C: the mean, the median or the worst would be C's value or tell it.
    body = as_user("head_b").get(URL, {"index": "par", "year": 2023, "kind": "district"}).json()
    assert [row["unit_code"] for row in body["results"]] == ["B"]
    assert body["group"] == {
        "size": 2,
        "readable": 1,
        "whole": False,
        "suppressed": True,
        "mean": None,
        "median": None,
        "best": None,
        "worst": None,
    }


def test_the_group_is_null_for_a_reader_of_none_of_it(scored, as_user):
    body = as_user("head_b").get(URL, {"index": "par", "year": 2023, "kind": "department"}).json()
    assert body["results"] == [] and body["group"] is None
