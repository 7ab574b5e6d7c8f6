"""An address under /api/ that names no endpoint answers 404 in the API's JSON, like every other
API error; other addresses keep Django's page; the real endpoints are untouched."""

import pytest


@pytest.mark.parametrize("path", ["/api/nothing/", "/api/units/B/", "/api/units/B/scorecard/x/"])
def test_an_unknown_api_address_is_a_json_404(client, head_b, path):
    client.force_login(head_b)
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "không có địa chỉ này: xem /api/schema/ để biết các địa chỉ của API"}


def test_anonymous_callers_get_the_same_answer(client, english):
    response = client.get("/api/nothing/")
    assert (response.status_code, response.json()) == (
        404,
        {"error": "no such endpoint: see /api/schema/ for the API's addresses"},
    )


def test_other_addresses_keep_djangos_page(client, head_b):
    client.force_login(head_b)
    response = client.get("/nothing/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_real_endpoint_still_answers(client, head_b, scored):
    client.force_login(head_b)
    assert client.get("/api/indices/").status_code == 200
    response = client.get("/api/units/NOSUCH/scorecard/", {"index": "par", "year": 2023})
    assert response.status_code == 404 and "error" in response.json()
