"""GET /api/indices/: every index, with the years it has results of units the user may see."""

import pytest
from django.urls import reverse

from indicators.models import Index, Result
from tests.api.conftest import EVERYONE

URL = "/api/indices/"


def by_code(response):
    assert response.status_code == 200, response.content
    return {index["code"]: index for index in response.json()["results"]}


def test_the_url_is_named():
    assert reverse("api:indices") == URL


@pytest.mark.parametrize("who", EVERYONE)
def test_staff_appraisers_and_admins_see_every_index_with_its_years(scored, as_user, who):
    Index.objects.create(code="sipas", name_vi="Chỉ số SIPAS")
    indices = by_code(as_user(who).get(URL))
    assert indices == {
        "par": {
            "code": "par",
            "name_vi": "Chỉ số CCHC",
            "name_en": "PAR Index",
            "direction": "higher",
            "value_unit": "percent",
            "dossier_measure": None,
            "description": "Bộ chỉ số",
            "years": [2022, 2023],
        },
        "sipas": {
            "code": "sipas",
            "name_vi": "Chỉ số SIPAS",
            "name_en": "",
            "direction": "higher",
            "value_unit": "percent",
            "dossier_measure": None,
            "description": "",
            "years": [],
        },
    }


def test_head_of_b_sees_only_the_years_of_his_units_results(scored, tree, as_user):
    Result.objects.create(unit=tree.dept_a, index=scored, year=2021, value=70)
    assert by_code(as_user("head_b").get(URL))["par"]["years"] == [2022, 2023]  # not A's 2021
    assert by_code(as_user("staff").get(URL))["par"]["years"] == [2021, 2022, 2023]


def test_an_outsider_sees_the_indices_but_no_years(scored, as_user):
    assert by_code(as_user("outsider").get(URL))["par"]["years"] == []


@pytest.mark.usefixtures("english")  # the message is compared with its English original
def test_it_takes_no_parameters(scored, as_user):
    response = as_user("staff").get(URL, {"year": "2023"})
    assert response.status_code == 400 and response.json()["errors"] == {"year": "unknown parameter"}


def test_the_number_of_queries_does_not_grow_with_the_rows(scored, as_user, django_assert_max_num_queries):
    Index.objects.bulk_create(Index(code=f"i{i}", name_vi=f"Chỉ số {i}") for i in range(30))
    client = as_user("head_b")
    with django_assert_max_num_queries(5):
        assert len(by_code(client.get(URL))) == 31
