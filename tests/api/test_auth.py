"""Who may read the API: a logged-in session or a personal token (`Authorization: Token <key>`);
nothing else, and nothing but GET and HEAD."""

import datetime
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from api.models import ApiToken

ENDPOINTS = [
    "/api/indices/",
    "/api/units/",
    "/api/rankings/?index=par&year=2023&kind=district",
    "/api/units/B/scorecard/?index=par&year=2023",
    "/api/schema/",
]


def token_header(token, scheme="Token"):
    return {"Authorization": f"{scheme} {token}"}


@pytest.mark.parametrize("url", ENDPOINTS)
def test_without_credentials_every_endpoint_is_a_401_in_json(scored, client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="reformdash"'
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_session_and_a_token_read_every_endpoint(scored, client, head_b, token_of, url):
    assert client.get(url, headers=token_header(token_of(head_b))).status_code == 200
    client.force_login(head_b)
    assert client.get(url).status_code == 200


def test_a_token_sees_what_its_user_sees(scored, client, staff, head_b, outsider, token_of):
    def units(user):
        response = client.get("/api/units/", headers=token_header(token_of(user, name=user.username)))
        return [unit["code"] for unit in response.json()["results"]]

    assert units(staff) == ["A", "A2", "B", "B1", "C", "P", "VN"]
    assert units(head_b) == ["B", "B1"]
    assert units(outsider) == []
    hidden = client.get("/api/units/A/scorecard/?index=par&year=2023", headers=token_header(token_of(head_b, "x")))
    assert hidden.status_code == 404


@pytest.mark.usefixtures("english")  # the message is compared with its English original
def test_a_revoked_token_is_a_401(scored, client, head_b, token_of):
    token = token_of(head_b)
    ApiToken.objects.update(active=False)
    response = client.get("/api/units/", headers=token_header(token))
    assert response.status_code == 401 and "revoked" in response.json()["error"]


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    "header", ["Token not-a-token", "Token ", "Token", "Bearer {token}", "Basic {token}", "{token}"]
)
def test_an_unknown_token_or_another_scheme_is_a_401(scored, client, head_b, token_of, header):
    token = token_of(head_b)
    response = client.get("/api/units/", headers={"Authorization": header.format(token=token)})
    assert response.status_code == 401
    assert response.json()["error"] in (
        "the API token is unknown or revoked",
        "the Authorization header must be: Token <key>",
    )


def test_a_bad_token_is_refused_even_with_a_logged_in_session(scored, client, staff):
    client.force_login(staff)
    assert client.get("/api/units/", headers=token_header("wrong")).status_code == 401


def test_the_token_of_an_inactive_user_is_a_401(scored, client, head_b, token_of):
    token = token_of(head_b)
    head_b.is_active = False
    head_b.save()
    assert client.get("/api/units/", headers=token_header(token)).status_code == 401


def test_only_the_hash_of_a_token_is_stored(head_b, token_of):
    token = token_of(head_b)
    api_token = ApiToken.objects.get()
    assert api_token.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(ApiToken.objects.values().get())


def test_using_a_token_records_when_at_most_once_a_minute(scored, client, head_b, token_of):
    token = token_of(head_b)
    assert ApiToken.objects.get().last_used_at is None
    client.get("/api/indices/", headers=token_header(token))
    first = ApiToken.objects.get().last_used_at
    assert timezone.now() - first < datetime.timedelta(seconds=10)
    client.get("/api/indices/", headers=token_header(token))
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get("/api/indices/", headers=token_header(token))
    assert ApiToken.objects.get().last_used_at > first


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("url", ENDPOINTS)
def test_the_api_is_read_only_every_other_method_is_a_405(head_b, url, method):
    # A browser-like client that enforces CSRF: the answer is still our JSON 405, not a CSRF 403.
    client = Client(enforce_csrf_checks=True)
    client.force_login(head_b)
    response = getattr(client, method)(url, data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize("url", ENDPOINTS)
def test_head_is_answered_like_get(scored, client, head_b, url):
    client.force_login(head_b)
    assert client.head(url).status_code == 200


def test_answers_are_private_to_who_asked(scored, client, head_b):
    client.force_login(head_b)
    response = client.get("/api/units/")
    assert "private" in response["Cache-Control"]
    assert {"authorization", "cookie"} <= {part.strip().lower() for part in response["Vary"].split(",")}


def test_the_dossier_push_endpoint_keeps_its_own_tokens(scored, client, head_b, token_of):
    # /api/ is routed to this app first: the one-stop systems' endpoint must still be reached.
    response = client.post(
        "/api/dossiers/batch/", data="{}", content_type="application/json", headers=token_header(token_of(head_b))
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
