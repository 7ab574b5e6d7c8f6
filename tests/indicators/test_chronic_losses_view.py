"""The chronic losses page: the criteria on which a group's units keep losing points, with the
units named — only those the reader may see."""

import pytest
from django.urls import reverse

from tests.indicators.builders import score
from tests.indicators.test_rankings_view import rankings  # noqa: F401 (fixture)
from units.models import Unit, UnitKind

URL = reverse("chronic_losses")
DEPARTMENTS = {"index": "par", "year": 2023, "kind": "department", "parent": "P"}


@pytest.fixture
def chronic(settings, rankings):
    """Two years running make a loss chronic here (the rankings' data have 2022 and 2023).

    Departments: 2.1 lost by all three both years, 1.2 by Sở A and Sở Ba; districts: B loses
    everywhere, C on 2.1 only; commune B1 everywhere."""
    settings.CHRONIC_LOSS_YEARS = 2
    return rankings


def entries(response):
    return [
        (entry["code"], entry["chronic_units"], [unit["name"] for unit in entry["units"]])
        for entry in response.context["entries"]
    ]


def test_staff_see_the_criteria_most_units_keep_losing_first(client, staff, chronic):
    client.force_login(staff)
    response = client.get(URL, DEPARTMENTS)
    assert response.status_code == 200
    assert entries(response) == [("2.1", 3, ["Sở A", "Sở Ba", "Sở Hai"]), ("1.2", 2, ["Sở A", "Sở Ba"])]
    html = response.content.decode()
    assert f"{reverse('unit_scorecard', kwargs={'code': 'A3'})}?index=par&amp;year=2023" in html


def test_staff_open_on_the_first_group_of_the_latest_year(client, staff, chronic):
    client.force_login(staff)
    response = client.get(URL)
    choice = response.context["choice"]
    assert (choice["index"].code, choice["year"], choice["kind"], choice["parent"].code) == (
        "par",
        2023,
        UnitKind.DEPARTMENT,
        "P",
    )


def test_the_head_of_b_sees_his_units_and_never_a_department(client, head_b, chronic):
    client.force_login(head_b)
    response = client.get(URL)
    assert (response.context["choice"]["kind"], response.context["choice"]["parent"]) == (UnitKind.DISTRICT, None)
    assert entries(response) == [("1.1", 1, ["Huyện B"]), ("1.2", 1, ["Huyện B"]), ("2.1", 1, ["Huyện B"])]
    assert "Huyện C" not in response.content.decode()
    departments = client.get(URL, {**DEPARTMENTS, "parent": ""})
    assert departments.status_code == 200 and entries(departments) == []
    for name in ("Sở A", "Sở Hai", "Sở Ba"):
        assert name not in departments.content.decode()
    assert entries(client.get(URL, {"index": "par", "year": 2023, "kind": "commune", "parent": "B"}))[0][2] == ["Xã B1"]


def test_a_link_to_a_group_the_head_of_b_may_not_see_shows_his_own_with_a_notice(client, head_b, chronic):
    client.force_login(head_b)
    response = client.get(URL, DEPARTMENTS)
    assert response.status_code == 200 and entries(response)[0][2] == ["Huyện B"]
    html = response.content.decode()
    assert "Liên kết trỏ tới nhóm bạn không được xem" in html
    assert "Sở A" not in html and "Huyện C" not in html


def test_the_head_of_a_sees_his_department_only(client, head_a, chronic):
    client.force_login(head_a)
    response = client.get(URL, {**DEPARTMENTS, "parent": ""})
    assert entries(response) == [("1.2", 1, ["Sở A"]), ("2.1", 1, ["Sở A"])]
    assert "Sở Hai" not in response.content.decode()


def test_a_user_without_a_unit_sees_nothing(client, outsider, chronic):
    client.force_login(outsider)
    response = client.get(URL, {**DEPARTMENTS, "parent": ""})
    assert response.status_code == 200 and entries(response) == []


@pytest.mark.parametrize("public", [False, True])
def test_anonymous_readers_are_sent_to_log_in_even_with_public_rankings(client, settings, chronic, public):
    settings.PUBLIC_RANKINGS = public
    response = client.get(URL, DEPARTMENTS)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_loss_shorter_than_the_threshold_is_not_chronic(client, staff, chronic, settings):
    settings.CHRONIC_LOSS_YEARS = 3
    client.force_login(staff)
    assert entries(client.get(URL, DEPARTMENTS)) == []


@pytest.mark.parametrize(
    "params, status",
    [({"year": "abc"}, 400), ({"kind": "bogus"}, 400), ({"index": "nope"}, 404), ({"parent": "NOPE"}, 404)],
)
def test_bad_parameters_are_a_clear_answer_not_an_error(client, staff, chronic, params, status):
    client.force_login(staff)
    assert client.get(URL, {**DEPARTMENTS, **params}).status_code == status


def test_the_english_page_explains_the_rule(client, staff, chronic):
    client.force_login(staff)
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(URL, DEPARTMENTS).content.decode()
    assert "lost points on the same criterion 2 years running" in html
    assert "3 of 3" in html and "2 years" in html


def test_the_number_of_queries_does_not_grow_with_the_units(client, staff, chronic, django_assert_max_num_queries):
    client.force_login(staff)
    with django_assert_max_num_queries(16) as few:
        client.get(URL, DEPARTMENTS)
    for year in (2022, 2023):
        m = chronic.par.methodologies.get(year=year, unit_kind=UnitKind.DEPARTMENT)
        for number in range(10):
            unit, _ = Unit.objects.get_or_create(
                code=f"X{number}",
                defaults={"name": f"Sở X{number}", "kind": UnitKind.DEPARTMENT, "parent": chronic.tree.province},
            )
            score(m, unit, {"1.1": "1", "1.2": "1", "2.1": "1"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, DEPARTMENTS)
    assert entries(response)[0][1] == 13
