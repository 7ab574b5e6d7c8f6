"""Every error under /api/ is the API's JSON `{"error": …}`, whatever DEBUG says (issue 21): with
DEBUG on, Django answers an unknown address or an exception with its HTML debug page before any
handler is asked; reformdash.errors' middleware turns it into JSON. Other addresses keep Django's pages."""

import pytest
from django.test import Client

from api import views

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_an_unknown_api_address_is_json(client, head_b, debug):
    client.force_login(head_b)
    response = client.get("/api/nothing/")
    assert response.status_code == 404
    assert response.json() == {"error": "no such endpoint: see /api/schema/ for the API's addresses"}


def test_a_server_error_under_the_api_is_json(head_b, debug, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.selectors, "indices_with_years", broken)
    client = Client(raise_request_exception=False)
    client.force_login(head_b)
    response = client.get("/api/indices/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "an error on the server; it has been logged, try again later"}


def test_a_405_keeps_its_allow_header(client, head_b, debug):
    client.force_login(head_b)
    response = client.post("/api/indices/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "error" in response.json()


def test_other_addresses_keep_djangos_pages(client, head_b, debug):
    client.force_login(head_b)
    response = client.get("/nothing/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
