"""Issue 21: failed logins are also limited per address across user names and per user name across
addresses, with a message saying which, and the counts are shared by every process — in the
database when there is no Redis."""

import threading

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from reformdash.lib.lockout import Lock, login_failure_record, login_lock

PASSWORD = "correct horse battery staple"
HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.9"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 4
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW = 900
    settings.TRUSTED_PROXIES = 0


def _login(client, username, password, address=HOME):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client, username, address=HOME):
    assert _login(client, username, "wrong password", address).status_code == 200


def _logged_in(response):
    return response.status_code == 302 and response["Location"] == reverse("home")


def test_many_user_names_from_one_address_lock_that_address(client, staff, outsider, english):
    for username in ("alice", "bob", "carol", "dave"):  # one failure each: no pair is near its limit
        _fail(client, username)
    refused = _login(client, "staff", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "from your address, whatever the user name" in refused.content.decode()
    # The same accounts from another address are not touched.
    assert _logged_in(_login(client, "staff", PASSWORD, ELSEWHERE))


def test_one_user_name_from_many_addresses_locks_that_account(client, staff, outsider, english):
    for n in range(3):
        _fail(client, "staff", f"192.0.2.{n}")
    refused = _login(client, "staff", PASSWORD, "192.0.2.200")
    assert refused.status_code == 429
    assert "from several addresses" in refused.content.decode()
    # Another account from any of those addresses still logs in.
    assert _logged_in(_login(client, "outsider", PASSWORD, "192.0.2.0"))


def test_an_unknown_user_name_is_locked_across_addresses_like_a_known_one(client, staff, english):
    for n in range(3):
        _fail(client, "staff", f"192.0.2.{n}")
        _fail(client, "nobody", f"192.0.2.{n}")
    known, unknown = _login(client, "staff", "x", ELSEWHERE), _login(client, "nobody", "x", ELSEWHERE)
    assert known.status_code == unknown.status_code == 429


def test_a_success_clears_its_account_and_pair_but_not_its_address(client, staff):
    _fail(client, "staff")
    _fail(client, "staff")
    assert _logged_in(_login(client, "staff", PASSWORD))
    client.logout()
    # Two more from elsewhere: four for the account in all, but the success started it again.
    _fail(client, "staff", ELSEWHERE)
    _fail(client, "staff", ELSEWHERE)
    assert _logged_in(_login(client, "staff", PASSWORD, ELSEWHERE))
    client.logout()
    # HOME's two failures still count for HOME: two more user names use up its four.
    _fail(client, "alice")
    _fail(client, "bob")
    assert login_lock(username="staff", address=HOME) == Lock.ADDRESS
    assert _login(client, "staff", PASSWORD).status_code == 429


def test_the_messages_are_in_vietnamese(client, staff):
    for username in ("alice", "bob", "carol", "dave"):
        _fail(client, username)
    text = _login(client, "staff", PASSWORD).content.decode()
    assert "Đăng nhập sai quá nhiều lần từ địa chỉ của bạn" in text
    for n in range(3):
        _fail(client, "outsider", f"192.0.2.{n}")
    text = _login(client, "outsider", PASSWORD, ELSEWHERE).content.decode()
    assert "từ nhiều địa chỉ" in text


def test_without_redis_the_counts_are_kept_in_the_database():
    if django_settings.REDIS_URL:
        pytest.skip("REDIS_URL is set: the counts are in Redis, shared by every process already")
    assert django_settings.CACHES[django_settings.LOGIN_CACHE]["BACKEND"].endswith("DatabaseCache")


@pytest.mark.django_db(transaction=True)
def test_two_connections_share_the_counts_in_the_database_cache(settings):
    """What one web process counts, another sees: the failures are recorded through a second
    database connection (another thread, as another process would have), read through this one."""
    settings.CACHES = {
        **settings.CACHES,
        settings.LOGIN_CACHE: {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "reformdash_login_cache",
        },
    }
    call_command("createcachetable", database="default")
    caches[settings.LOGIN_CACHE].clear()
    seen = {}

    def other_process():
        try:
            seen["connection"] = id(connection.connection)
            for _ in range(3):
                login_failure_record(username="staff", address=HOME)
        finally:
            connection.close()

    thread = threading.Thread(target=other_process)
    thread.start()
    thread.join()
    connection.ensure_connection()
    assert seen["connection"] != id(connection.connection)
    assert login_lock(username="staff", address=HOME) == Lock.PAIR
    assert login_lock(username="staff", address=ELSEWHERE) == Lock.ACCOUNT
    assert login_lock(username="outsider", address=ELSEWHERE) is None
    caches[settings.LOGIN_CACHE].clear()


@pytest.mark.django_db(transaction=True)
def test_migrate_creates_the_database_cache_table(settings):
    """`migrate` alone is enough: the post-migrate step creates the counts' table when it is missing."""
    settings.CACHES = {
        **settings.CACHES,
        settings.LOGIN_CACHE: {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "test_login_cache_made_by_migrate",
        },
    }
    assert "test_login_cache_made_by_migrate" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    try:
        assert "test_login_cache_made_by_migrate" in connection.introspection.table_names()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE test_login_cache_made_by_migrate")
