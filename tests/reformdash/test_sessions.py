"""Sessions read from the cache before the database (settings.SESSION_ENGINE when REDIS_URL is set:
reformdash.lib.sessions, Django's cached_db): a logged-in request asks the database for no session, a logout ends the session
in the cache as in the database, a session the cache lost is read from the database, and with
Redis down readers still log in, read and log out."""

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


@pytest.fixture
def cached_sessions(settings):
    # The tests' cache is local memory in one process, which is all these need.
    settings.SESSION_ENGINE = "reformdash.lib.sessions"


def _session_queries(queries):
    return [query["sql"] for query in queries if "django_session" in query["sql"]]


@pytest.mark.django_db
def test_a_logged_in_page_reads_its_session_from_the_cache(client, staff, cached_sessions):
    client.force_login(staff)
    assert client.get(reverse("home")).status_code == 200  # the header's flags are remembered in it first
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert _session_queries(queries) == []


@pytest.mark.django_db
def test_a_logout_ends_the_session_in_the_cache_too(client, staff, cached_sessions):
    client.force_login(staff)
    assert client.get(reverse("home")).status_code == 200
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    # The old cookie again, as someone who kept it would send it: no longer logged in.
    client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_a_session_lost_from_the_cache_is_read_from_the_database(client, staff, cached_sessions):
    from django.core.cache import cache

    client.force_login(staff)
    cache.clear()  # Redis restarted empty: the reader stays logged in
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_with_redis_down_a_reader_logs_in_reads_and_logs_out(client, staff, cached_sessions, settings, caplog):
    # Django's cached_db alone asks Redis unguarded whether a new session key is taken (every
    # login) and deletes the old session from it: no one could log in while Redis is down.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        },
    }
    response = client.post(reverse("login"), {"username": "staff", "password": "correct horse battery staple"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
    assert client.get(reverse("home")).status_code == 302
    assert "session cache unavailable" in caplog.text
