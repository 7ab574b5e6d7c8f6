"""Failed logins lock out a (user name, client address) pair for a while, the same way whether the
user exists or not, and the client address cannot be forged through X-Forwarded-For."""

import logging
import re
import time

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

PASSWORD = "correct horse battery staple"
HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.9"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW = 900
    settings.TRUSTED_PROXIES = 0


def _login(client, username, password, address=HOME, **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def _fail(client, username, times, address=HOME, **headers):
    for _ in range(times):
        response = _login(client, username, "wrong password", address, **headers)
        assert response.status_code == 200


def _logged_in(response):
    return response.status_code == 302 and response["Location"] == reverse("home")


def _page(response, username):
    """The page with what legitimately differs between two answers blanked: the CSRF token, and
    the user name echoed back into the form."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", text)
    return text.replace(f'value="{username}"', 'value="USERNAME"')


def test_the_limit_of_failures_locks_out_even_the_right_password(client, staff, english):
    _fail(client, "staff", 3)
    response = _login(client, "staff", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "Too many failed logins" in response.content.decode()


def test_fewer_failures_than_the_limit_still_let_the_right_password_in(client, staff):
    _fail(client, "staff", 2)
    assert _logged_in(_login(client, "staff", PASSWORD))


def test_a_successful_login_starts_the_count_again(client, staff):
    _fail(client, "staff", 2)
    assert _logged_in(_login(client, "staff", PASSWORD))
    client.logout()
    _fail(client, "staff", 2)
    assert _logged_in(_login(client, "staff", PASSWORD))


def test_while_locked_out_the_right_and_a_wrong_password_get_the_same_answer(client, staff, english):
    _fail(client, "staff", 3)
    right, wrong = _login(client, "staff", PASSWORD), _login(client, "staff", "another guess")
    assert right.status_code == wrong.status_code == 429
    assert _page(right, "staff") == _page(wrong, "staff")
    assert "Too many failed logins" in right.content.decode()


def test_an_unknown_user_name_gets_the_same_answer_as_a_wrong_password(client, staff, english):
    known = _login(client, "staff", "wrong password")
    unknown = _login(client, "nobody", "wrong password")
    assert known.status_code == unknown.status_code == 200
    assert _page(known, "staff") == _page(unknown, "nobody")


def test_an_unknown_user_name_is_locked_out_exactly_like_a_known_one(client, staff, english):
    _fail(client, "staff", 3)
    _fail(client, "nobody", 3)
    known, unknown = _login(client, "staff", "x"), _login(client, "nobody", "x")
    assert known.status_code == unknown.status_code == 429
    assert _page(known, "staff") == _page(unknown, "nobody")


def test_the_lockout_is_per_address_and_per_user_name(client, staff, outsider):
    _fail(client, "staff", 3)
    assert _login(client, "staff", PASSWORD).status_code == 429
    assert _logged_in(_login(client, "staff", PASSWORD, address=ELSEWHERE))
    client.logout()
    assert _logged_in(_login(client, "outsider", PASSWORD))


def test_the_lockout_ends_with_its_window(client, staff, settings):
    # The tests' fast hasher (tests/conftest.py): the attempts take far less than the two-second window.
    settings.LOGIN_FAILURE_WINDOW = 2
    started = time.monotonic()
    _fail(client, "staff", 3)
    assert _login(client, "staff", PASSWORD).status_code == 429
    assert time.monotonic() - started < 2
    time.sleep(2.5)
    assert _logged_in(_login(client, "staff", PASSWORD))


def test_a_lockout_is_logged_with_the_user_name_and_address(client, staff, caplog):
    with caplog.at_level(logging.WARNING, logger="reformdash.security"):
        _fail(client, "staff", 3)
    assert any(
        "login locked" in r.getMessage() and "'staff'" in r.getMessage() and HOME in r.getMessage()
        for r in caplog.records
    )


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_dodge_the_lockout(client, staff):
    for n in range(3):
        _login(client, "staff", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert _login(client, "staff", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429


def test_without_trusted_proxies_a_forged_forwarded_for_cannot_lock_out_someone_else(client, staff):
    _fail(client, "staff", 3, address=ELSEWHERE, HTTP_X_FORWARDED_FOR=HOME)
    assert _logged_in(_login(client, "staff", PASSWORD, address=HOME))


def test_behind_a_trusted_proxy_the_address_it_appended_is_the_one_counted(client, staff, settings):
    settings.TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"
    # The attacker varies the part of X-Forwarded-For he controls; the proxy appends his real address.
    for n in range(3):
        _login(client, "staff", "wrong", proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ELSEWHERE}")
    assert _login(client, "staff", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.50, {ELSEWHERE}").status_code == 429
    # Someone else behind the same proxy is not locked out, and neither is the address he named.
    assert _logged_in(_login(client, "staff", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=HOME))
    client.logout()
    assert _logged_in(_login(client, "staff", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=f"{ELSEWHERE}, {HOME}"))


def test_behind_two_trusted_proxies_the_address_is_counted_from_the_right(client, staff, settings):
    settings.TRUSTED_PROXIES = 2
    for n in range(3):
        _login(client, "staff", "wrong", "10.0.0.3", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ELSEWHERE}, 10.0.0.1")
    assert (
        _login(client, "staff", PASSWORD, "10.0.0.3", HTTP_X_FORWARDED_FOR=f"{ELSEWHERE}, 10.0.0.1").status_code == 429
    )
    assert _logged_in(_login(client, "staff", PASSWORD, "10.0.0.3", HTTP_X_FORWARDED_FOR=f"{HOME}, 10.0.0.1"))


def test_the_admin_login_is_locked_out_too(client, admin_user):
    url = reverse("admin:login")
    for _ in range(3):
        client.post(url, {"username": "admin", "password": "wrong"}, REMOTE_ADDR=HOME)
    response = client.post(url, {"username": "admin", "password": PASSWORD, "next": "/admin/"}, REMOTE_ADDR=HOME)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_inactive_user_with_the_right_password_gets_the_wrong_password_answer(client, staff, english):
    User.objects.filter(pk=staff.pk).update(is_active=False)
    inactive = _login(client, "staff", PASSWORD)
    unknown = _login(client, "nobody", PASSWORD)
    assert _page(inactive, "staff") == _page(unknown, "nobody")


def test_with_the_cache_down_logins_still_work_unprotected_and_it_is_logged(client, staff, settings, caplog):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    settings.CACHES = {
        **settings.CACHES,
        settings.LOGIN_CACHE: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed}/0",
        },
    }
    with caplog.at_level(logging.ERROR, logger="reformdash.security"):
        for _ in range(4):
            assert _login(client, "staff", "wrong").status_code == 200
        assert _logged_in(_login(client, "staff", PASSWORD))
    assert any("cache cannot be" in record.getMessage() for record in caplog.records)
