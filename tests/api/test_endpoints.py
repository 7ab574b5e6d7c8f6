"""GET /api/: every endpoint of the API, one line each, from its OpenAPI document — JSON for a
program, a page for a browser — under the API's rules (a session or a token)."""

import pytest
from django.urls import reverse

from api import openapi

URL = "/api/"
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_the_url_is_named():
    assert reverse("api:endpoints") == URL


def test_a_program_gets_every_path_of_the_document_one_line_each(client, head_b):
    client.force_login(head_b)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "Accept" in response["Vary"]
    body = response.json()
    assert body["schema"] == "/api/schema/" and body["docs"] == "/api/docs/"
    lines = {(line["method"], line["path"]): line["summary"] for line in body["endpoints"]}
    assert set(lines) == {
        (method.upper(), path) for path, operations in openapi.document()["paths"].items() for method in operations
    }
    assert lines[("GET", "/api/rankings/")] == "A ranking"
    assert lines[("POST", "/api/dossiers/batch/")].startswith("Push a batch of dossiers")


def test_a_token_is_enough_and_no_credentials_are_refused(client, head_b, token_of):
    assert client.get(URL, HTTP_AUTHORIZATION=f"Token {token_of(head_b)}").status_code == 200
    refused = client.get(URL)
    assert refused.status_code == 401 and "error" in refused.json()
    assert client.get(URL, HTTP_AUTHORIZATION="Token nonsense").status_code == 401


def test_it_is_read_only_and_takes_no_parameters(client, head_b):
    client.force_login(head_b)
    assert client.post(URL).status_code == 405
    assert client.get(URL, {"bogus": "1"}).json()["errors"] == {"bogus": "tham số không xác định"}


def test_a_browser_gets_a_page_linking_the_endpoints_and_the_docs(client, head_b):
    client.force_login(head_b)
    response = client.get(URL, **HTML)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert '<a href="/api/indices/">/api/indices/</a>' in page
    assert '<a href="/api/docs/">' in page and '<a href="/api/schema/">' in page
    # One line per operation; a path with a parameter, or the push endpoint, is no link to follow.
    assert page.count("<li><code>") == len(openapi.endpoints())
    assert "GET /api/units/{code}/scorecard/</code>" in page
    assert "POST /api/dossiers/batch/</code>" in page


@pytest.mark.django_db
def test_a_browser_without_a_session_is_sent_to_log_in(client):
    response = client.get(URL, **HTML)
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/api/"
