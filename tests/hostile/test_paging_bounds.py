"""A page number or an offset past what the database's integers hold is a 404 or a 400, never a
500 (issue 21): the bound is reformdash.lib.paging's, the same for every paginated page and the API."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger

from reformdash.lib.paging import MAX_OFFSET, page_number
from tests.api.conftest import scored  # noqa: F401 (a fixture)

HUGE = ["9223372036854775807", "99999999999999999999", "-1", "0", "-99999999999999999999"]
PAGES = ["/rankings/", "/audit/", "/dossiers/units/A/overdue/", "/dossiers/"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("page", HUGE)
def test_a_page_past_the_integers_is_a_404(client, staff, scored, path, page):
    client.force_login(staff)
    response = client.get(path, {"page": page})
    assert response.status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_the_first_page_still_answers(client, staff, scored, path):
    client.force_login(staff)
    assert client.get(path, {"page": "1"}).status_code == 200


@pytest.mark.parametrize("offset", ["99999999999999999999", "9223372036854775807", str(MAX_OFFSET + 1), "-1"])
def test_an_api_offset_past_the_bound_is_a_json_400(client, staff, scored, offset):
    client.force_login(staff)
    response = client.get("/api/units/", {"offset": offset})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()["errors"]) == {"offset"}


def test_an_api_offset_at_the_bound_is_an_empty_page(client, staff, scored):
    client.force_login(staff)
    response = client.get("/api/units/", {"offset": MAX_OFFSET})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_page_number_takes_whole_numbers_in_range():
    assert page_number(None, per_page=50) == 1
    assert page_number("", per_page=50) == 1
    assert page_number(" 3 ", per_page=50) == 3
    assert page_number(str(MAX_OFFSET // 50 + 1), per_page=50) == MAX_OFFSET // 50 + 1
    with pytest.raises(EmptyPage):
        page_number(str(MAX_OFFSET // 50 + 2), per_page=50)
    with pytest.raises(EmptyPage):
        page_number("0", per_page=50)
    with pytest.raises(PageNotAnInteger):
        page_number("1.5", per_page=50)
    with pytest.raises(PageNotAnInteger):
        page_number("\x00", per_page=50)
