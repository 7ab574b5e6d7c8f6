"""GET /api/units/: the units the user may see, filtered, a page at a time with a link to the next."""

import datetime

import pytest
from django.urls import reverse

from tests.api.conftest import EVERYONE
from units.models import Unit, UnitKind

URL = "/api/units/"
ALL = ["A", "B", "B1", "P", "VN"]


def codes(response):
    assert response.status_code == 200, response.content
    return [unit["code"] for unit in response.json()["results"]]


def test_the_url_is_named():
    assert reverse("api:units") == URL


@pytest.mark.parametrize("who", EVERYONE)
def test_staff_appraisers_and_admins_see_every_unit(tree, as_user, who):
    response = as_user(who).get(URL)
    assert codes(response) == ALL
    assert response.json()["count"] == 5
    assert response.json()["results"][1] == {
        "code": "B",
        "name": "Huyện B",
        "kind": "district",
        "parent_code": "P",
        "valid_from": "2021-01-01",
        "valid_to": None,
    }


def test_head_of_b_sees_b_and_b1_never_a(tree, as_user):
    client = as_user("head_b")
    assert codes(client.get(URL)) == ["B", "B1"]
    assert codes(client.get(URL, {"kind": "department"})) == []
    assert codes(client.get(URL, {"parent": "P"})) == ["B"]  # his own group, without A


def test_an_outsider_sees_no_units(tree, as_user):
    response = as_user("outsider").get(URL)
    assert codes(response) == [] and response.json()["count"] == 0


def test_filters_by_year_kind_and_parent(tree, as_user):
    Unit.objects.create(
        code="B0", name="Xã cũ", kind=UnitKind.COMMUNE, parent=tree.district_b, valid_to=datetime.date(2020, 12, 31)
    )
    client = as_user("staff")
    assert codes(client.get(URL, {"kind": "commune"})) == ["B0", "B1"]
    assert codes(client.get(URL, {"kind": "commune", "year": 2021})) == ["B1"]
    assert codes(client.get(URL, {"parent": "B"})) == ["B0", "B1"]
    assert codes(client.get(URL, {"parent": "P", "kind": "district"})) == ["B"]


def test_pages_link_to_the_next_and_the_previous(tree, as_user):
    client = as_user("staff")
    first = client.get(URL, {"limit": 2, "kind": ""}).json()
    assert ([u["code"] for u in first["results"]], first["count"], first["previous"]) == (["A", "B"], 5, None)
    assert first["next"] == "http://testserver/api/units/?limit=2&kind=&offset=2"
    second = client.get(first["next"]).json()
    assert [u["code"] for u in second["results"]] == ["B1", "P"]
    assert second["previous"] == "http://testserver/api/units/?limit=2&kind=&offset=0"
    last = client.get(second["next"]).json()
    assert ([u["code"] for u in last["results"]], last["next"]) == (["VN"], None)


def test_paging_past_the_end_is_an_empty_page(tree, as_user):
    response = as_user("staff").get(URL, {"offset": 99999})
    assert codes(response) == [] and response.json()["count"] == 5


@pytest.mark.parametrize(
    "params, bad",
    [
        ({"limit": "-1"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-5"}, "offset"),
        ({"year": "abc"}, "year"),
        ({"kind": "bogus"}, "kind"),
        ({"parent": "NOPE"}, "parent"),
        ({"page": "2"}, "page"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(tree, as_user, params, bad):
    response = as_user("staff").get(URL, params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [bad]


def test_head_of_b_cannot_list_the_children_of_a(tree, as_user):
    Unit.objects.create(code="A-1", name="Phòng của A", kind=UnitKind.COMMUNE, parent=tree.dept_a)
    response = as_user("head_b").get(URL, {"parent": "A"})
    assert response.status_code == 400 and "parent" in response.json()["errors"]


def test_the_largest_page_is_500(tree, as_user):
    assert as_user("staff").get(URL, {"limit": 500}).json()["limit"] == 500


def test_the_number_of_queries_does_not_grow_with_the_rows(tree, as_user, django_assert_max_num_queries):
    Unit.objects.bulk_create(
        Unit(code=f"X{i:03}", name=f"Xã {i}", kind=UnitKind.COMMUNE, parent=tree.district_b) for i in range(300)
    )
    for who in ("staff", "head_b"):
        client = as_user(who)
        with django_assert_max_num_queries(5):
            assert len(codes(client.get(URL, {"limit": 500}))) > 300
