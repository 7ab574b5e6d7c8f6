"""`manage.py check --deploy` passes with nothing but the three production variables set, and the
security settings that depend on the environment follow it: HSTS, the HTTPS redirect, cookies,
and proxy headers believed only when TRUSTED_PROXIES says there is a proxy of ours."""

import secrets

import pytest
from django.conf import settings

from tests.reformdash.fresh_process import printed, python

PRODUCTION = {"DEBUG": "off", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "cchc.example.gov.vn"}


def _deploy_check(**env):
    return python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)


_PRINT = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in [
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE", "SECURE_PROXY_SSL_HEADER", "TRUSTED_PROXIES", "X_FRAME_OPTIONS",
    "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF"]}))
"""


def _settings(**env):
    return printed(_PRINT, **env)


def test_production_settings_pass_the_deployment_check():
    result = _deploy_check(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "change, warning",
    [
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_SSL_REDIRECT": "off"}, "security.W008"),
        ({"SECURE_COOKIES": "off"}, "security.W012"),
        ({"SECURE_HSTS_INCLUDE_SUBDOMAINS": "off"}, "security.W005"),
        ({"SECRET_KEY": "short"}, "security.W009"),
    ],
    ids=["no-hsts", "no-https-redirect", "insecure-cookies", "hsts-without-subdomains", "weak-secret-key"],
)
def test_turning_off_a_protection_fails_the_deployment_check(change, warning):
    result = _deploy_check(**{**PRODUCTION, **change})
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_production_defaults_are_the_safe_ones():
    values = _settings(**PRODUCTION)
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 60 * 60
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True


def test_the_embedded_default_neither_redirects_to_https_nor_sends_hsts():
    values = _settings()
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False


def test_hsts_and_preload_follow_the_environment():
    values = _settings(**PRODUCTION, SECURE_HSTS_SECONDS="600", SECURE_HSTS_PRELOAD="on")
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert _deploy_check(**PRODUCTION, SECURE_HSTS_PRELOAD="on").returncode == 0


def test_proxy_headers_are_believed_only_when_trusted_proxies_are_configured():
    assert _settings(**PRODUCTION)["SECURE_PROXY_SSL_HEADER"] is None
    values = _settings(**PRODUCTION, TRUSTED_PROXIES="1")
    assert values["TRUSTED_PROXIES"] == 1
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_negative_proxy_count_stops_start_up_naming_the_variable():
    result = python(["-c", _PRINT], **PRODUCTION, TRUSTED_PROXIES="-1")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES=-1" in result.stderr


def test_the_example_production_environment_passes_the_deployment_check():
    example = settings.BASE_DIR / "deploy" / "reformdash.env"
    env = dict(
        line.split("=", 1)
        for line in example.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert env["SECRET_KEY"] == "change-me"
    assert _deploy_check(**env).returncode != 0  # the placeholder key is refused
    result = _deploy_check(**{**env, "SECRET_KEY": PRODUCTION["SECRET_KEY"]})
    assert result.returncode == 0, result.stdout + result.stderr
    assert _settings(**env)["TRUSTED_PROXIES"] == 1
