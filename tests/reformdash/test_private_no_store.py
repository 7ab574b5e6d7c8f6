"""Pages and exports for a logged-in user carry `Cache-Control: private, no-store`: on a shared
office computer neither the browser nor a proxy keeps a unit's figures for the next person (issue
21). Anonymous answers and static files keep their own headers."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from reformdash.middleware import PrivateNoStoreMiddleware
from tests.api.conftest import scored, token_of  # noqa: F401 (fixtures)


def _no_store(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/rankings/?index=par&year=2023&kind=department",
        "/rankings/?index=par&year=2023&kind=department&export=csv",
        "/rankings/?index=par&year=2023&kind=department&export=xlsx",
        "/units/A/",
        "/audit/",
        "/audit/?export=csv",
        "/dossiers/",
        "/dossiers/units/A/overdue/",
        "/assessments/",
        "/imports/",
        "/api/units/",
        "/nothing/",  # a 404 tells what the user could see, too
    ],
)
def test_a_logged_in_users_answers_are_kept_by_no_cache(client, admin_user, scored, path):
    client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert _no_store(response), response.get("Cache-Control")


def test_an_export_is_kept_by_no_cache(client, staff, scored):
    client.force_login(staff)
    response = client.get("/rankings/", {"index": "par", "year": "2023", "kind": "department", "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert _no_store(response)


def test_an_api_token_answer_is_kept_by_no_cache(client, staff, scored, token_of):
    response = client.get("/api/units/", headers={"Authorization": f"Token {token_of(staff)}"})
    assert response.status_code == 200
    assert _no_store(response)


def test_anonymous_answers_are_left_alone():
    """The public rankings, when the province opens them, may be cached like any public page."""
    request = RequestFactory().get("/rankings/")
    request.user = AnonymousUser()
    response = PrivateNoStoreMiddleware(lambda request: HttpResponse("<html>"))(request)
    assert "Cache-Control" not in response


def test_static_files_stay_cacheable(staff, settings):
    """The middleware leaves static addresses to whatever serves them, for a logged-in user too."""
    request = RequestFactory().get(f"/{settings.STATIC_URL.strip('/')}/css/site.css")
    request.user = staff
    response = PrivateNoStoreMiddleware(lambda request: HttpResponse("body {}"))(request)
    assert "no-store" not in response.get("Cache-Control", "")
