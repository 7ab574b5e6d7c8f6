"""reformdash.lib.outage: a view that meets a database that is down answers 503 "try again";
tests/faults/test_postgres_restarted.py stops a real PostgreSQL under a running server."""

import json

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import RequestFactory

from reformdash.lib.outage import DatabaseOutageMiddleware


def _middleware():
    return DatabaseOutageMiddleware(lambda request: None)


@pytest.mark.parametrize("error", [OperationalError("connection refused"), InterfaceError("connection already closed")])
def test_a_page_meeting_a_database_that_is_down_answers_503_try_again(error, english):
    response = _middleware().process_exception(RequestFactory().get("/rankings/"), error)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    body = response.content.decode()
    assert "<h1>Service unavailable</h1>" in body and "Try again in a minute." in body
    assert "connection refused" not in body


def test_the_api_answers_503_in_json(english):
    response = _middleware().process_exception(RequestFactory().get("/api/indices/"), OperationalError("x"))
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"error": "The service is unavailable for a moment. Try again in a minute."}


def test_other_errors_are_left_to_django(english):
    assert _middleware().process_exception(RequestFactory().get("/"), IntegrityError("duplicate")) is None
    assert _middleware().process_exception(RequestFactory().get("/"), ValueError("bug")) is None


class _DatabaseGoneAfterTheView:
    """A middleware meeting the database down once the view has answered — as the session's save
    does — where no process_exception can see the error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.get_response(request)
        raise OperationalError("the database system is shutting down")


@pytest.mark.parametrize(("path", "json_body"), [("/login/", False), ("/api/indices/", True)])
def test_the_database_gone_outside_any_view_answers_503_not_500(settings, client, english, path, json_body):
    settings.DEBUG = False
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}._DatabaseGoneAfterTheView"]
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    if json_body:
        assert json.loads(response.content)["error"].startswith("The service is unavailable for a moment.")
    else:
        assert "<h1>Service unavailable</h1>" in response.content.decode()


def test_a_bug_outside_any_view_is_still_a_500(settings, client, english):
    settings.DEBUG = False
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}._BugAfterTheView"]
    client.raise_request_exception = False
    assert client.get("/login/").status_code == 500


class _BugAfterTheView(_DatabaseGoneAfterTheView):
    def __call__(self, request):
        self.get_response(request)
        raise IntegrityError("duplicate key")
