"""Settings come from the environment: the helpers parse each variable or name it in the error,
the real settings module picks SQLite/locmem/eager with nothing set and PostgreSQL/Redis when
told, and Vietnamese pages write numbers and dates the Vietnamese way."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.formats import date_format, number_format

from reformdash.lib.env import database_from_url, env_bool, env_int, env_list, redis_url
from tests.reformdash.fresh_process import printed, python

VAR = "REFORMDASH_TEST_VARIABLE"

# --- env_bool ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["on", "true", "1", "yes", "ON", "True", " yes "])
def test_env_bool_reads_the_usual_words_for_true(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    assert env_bool(VAR, default=False) is True


@pytest.mark.parametrize("raw", ["off", "false", "0", "no", "OFF", "False", " no "])
def test_env_bool_reads_the_usual_words_for_false(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    assert env_bool(VAR, default=True) is False


@pytest.mark.parametrize("default", [True, False])
@pytest.mark.parametrize("raw", [None, "", "  "], ids=["unset", "empty", "blank"])
def test_env_bool_returns_the_default_when_the_variable_is_unset_or_empty(monkeypatch, default, raw):
    # `SECURE_COOKIES=` as .env.example writes it means "use the default", not "off".
    if raw is None:
        monkeypatch.delenv(VAR, raising=False)
    else:
        monkeypatch.setenv(VAR, raw)
    assert env_bool(VAR, default=default) is default


def test_env_bool_refuses_maybe_and_names_the_variable(monkeypatch):
    monkeypatch.setenv(VAR, "maybe")
    with pytest.raises(ImproperlyConfigured, match=f"^{VAR}='maybe' is not a boolean"):
        env_bool(VAR)


# --- env_int and env_list ---------------------------------------------------------------------


def test_env_int_reads_a_whole_number(monkeypatch):
    monkeypatch.setenv(VAR, "1800")
    assert env_int(VAR, 5) == 1800


@pytest.mark.parametrize("raw", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_env_int_returns_the_default_when_unset_or_blank(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv(VAR, raising=False)
    else:
        monkeypatch.setenv(VAR, raw)
    assert env_int(VAR, 28800) == 28800


@pytest.mark.parametrize("raw", ["eight hours", "3.5", "0x10"])
def test_env_int_refuses_what_is_not_a_whole_number_and_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured, match=f"^{VAR}=.* is not a whole number"):
        env_int(VAR, 5)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv(VAR, " reform.example.vn, ,localhost,, 10.0.0.1 ")
    assert env_list(VAR) == ["reform.example.vn", "localhost", "10.0.0.1"]


def test_env_list_returns_a_copy_of_the_default_when_unset(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    default = ("127.0.0.1", "localhost")
    assert env_list(VAR, default=default) == ["127.0.0.1", "localhost"]
    assert env_list(VAR) == []


def test_env_list_of_an_empty_variable_is_the_default(monkeypatch):
    monkeypatch.setenv(VAR, " ")
    assert env_list(VAR, default=["localhost"]) == ["localhost"]


# --- database_from_url ------------------------------------------------------------------------


def test_a_full_postgres_url_gives_every_connection_setting():
    db = database_from_url(
        "postgres://reform:s%40cr%3At%2F1@db.example.vn:6543/reform%20dash?sslmode=require&connect_timeout=5"
    )
    assert db == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "reform dash",
        "USER": "reform",
        "PASSWORD": "s@cr:t/1",
        "HOST": "db.example.vn",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require", "connect_timeout": "5"},
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_a_postgres_url_without_password_or_port_leaves_them_empty(scheme):
    db = database_from_url(f"{scheme}://postgres@127.0.0.1/reformdash")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["OPTIONS"]) == (
        "reformdash",
        "postgres",
        "",
        "127.0.0.1",
        "",
        {},
    )


def test_a_sqlite_url_with_three_slashes_is_a_relative_path():
    assert database_from_url("sqlite:///var/reformdash.sqlite3") == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "var/reformdash.sqlite3",
    }


def test_a_sqlite_url_with_four_slashes_is_an_absolute_path():
    assert database_from_url("sqlite:////srv/reformdash/db.sqlite3") == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/srv/reformdash/db.sqlite3",
    }


@pytest.mark.parametrize(
    "url, says",
    [
        ("mysql://x", "is not a database URL reformdash understands"),
        ("postgres://host", "names no database"),
        ("postgres://host/", "names no database"),
        ("postgres://u@host:abc/reformdash", "has a port that is not a number"),
        ("sqlite://", "names no database file"),
        ("not a url", "is not a database URL reformdash understands"),
    ],
)
def test_a_bad_database_url_is_refused_with_a_message_naming_the_variable(url, says):
    with pytest.raises(ImproperlyConfigured) as caught:
        database_from_url(url)
    message = str(caught.value)
    assert message.startswith(f"DATABASE_URL={url!r}")
    assert says in message


def test_a_bad_database_url_names_the_variable_it_came_from():
    with pytest.raises(ImproperlyConfigured, match="^REPORTING_DATABASE_URL='mysql://x'"):
        database_from_url("mysql://x", name="REPORTING_DATABASE_URL")


# --- redis_url --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://:secret@cache.example.vn:6380/1"])
def test_redis_url_accepts_redis_urls(monkeypatch, url):
    monkeypatch.setenv("REDIS_URL", url)
    assert redis_url() == url


def test_redis_url_is_empty_when_unset(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert redis_url() == ""


def test_redis_url_refuses_an_http_url_and_names_the_variable(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://cache:6379")
    with pytest.raises(ImproperlyConfigured, match="^REDIS_URL='http://cache:6379' is not a Redis URL"):
        redis_url()


# --- the real settings module, in a fresh process ---------------------------------------------

_PRINT_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "CONN_HEALTH_CHECKS": db.get("CONN_HEALTH_CHECKS"),
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": settings.CACHES["default"].get("LOCATION"),
    "SESSION_ENGINE": settings.SESSION_ENGINE,
    "TIME_ZONE": settings.TIME_ZONE,
    "LANGUAGE_CODE": settings.LANGUAGE_CODE,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
}))
"""


def _settings_with(**env):
    return printed(_PRINT_SETTINGS, **env)


def test_with_nothing_set_the_app_runs_embedded_on_sqlite_with_eager_tasks():
    values = _settings_with()
    assert values["DEBUG"] is True
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(settings.BASE_DIR / "var" / "reformdash.sqlite3")
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["CELERY_BROKER_URL"] == "memory://localhost/"
    assert values["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    # One process's memory would keep a session another process logged out: the database alone.
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert values["TIME_ZONE"] == "Asia/Ho_Chi_Minh"
    assert values["LANGUAGE_CODE"] == "vi"
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_database_url_and_redis_url_switch_to_postgresql_redis_and_workers():
    values = _settings_with(
        DATABASE_URL="postgres://reform:secret@db.internal:5432/reformdash",
        REDIS_URL="redis://cache.internal:6379/0",
    )
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["NAME"] == "reformdash"
    assert values["CONN_HEALTH_CHECKS"] is True
    assert values["CACHE"] == "django.core.cache.backends.redis.RedisCache"
    assert values["CACHE_LOCATION"] == "redis://cache.internal:6379/0"
    assert values["SESSION_ENGINE"] == "reformdash.lib.sessions"
    assert values["CELERY_BROKER_URL"] == "redis://cache.internal:6379/0"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False


def test_production_settings_load_with_a_secret_key_and_hosts():
    values = _settings_with(DEBUG="off", SECRET_KEY="x" * 50, ALLOWED_HOSTS="reform.example.vn")
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["reform.example.vn"]


@pytest.mark.parametrize(
    "env, says",
    [
        ({"DEBUG": "off"}, "SECRET_KEY must be set"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL='mysql://x' is not a database URL"),
        ({"REDIS_URL": "http://cache"}, "REDIS_URL='http://cache' is not a Redis URL"),
        ({"DEBUG": "off", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS must list"),
    ],
    ids=["no-secret-key", "debug-maybe", "mysql", "redis-http", "no-allowed-hosts"],
)
def test_a_bad_environment_stops_the_settings_with_a_message_naming_the_variable(env, says):
    result = python(["-c", _PRINT_SETTINGS], timeout=60, **env)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert says in result.stderr, result.stderr
    assert result.stdout == ""


# --- Vietnamese numbers and dates -------------------------------------------------------------


def test_a_vietnamese_page_writes_a_decimal_comma():
    with translation.override("vi"):
        assert number_format(Decimal("78.44"), 2) == "78,44"


def test_a_vietnamese_page_groups_thousands_with_dots_where_asked_and_never_in_years():
    # Grouping is asked for per number (intcomma, force_grouping): everywhere it would turn the
    # year 2023 into "2.023".
    assert settings.USE_THOUSAND_SEPARATOR is False
    with translation.override("vi"):
        assert number_format(2023) == "2023"
        assert number_format(1234567, force_grouping=True) == "1.234.567"
        assert number_format(Decimal("1234.5"), 2, force_grouping=True) == "1.234,50"
        assert intcomma(1234567) == "1.234.567"


def test_a_vietnamese_page_writes_dates_day_first():
    with translation.override("vi"):
        assert date_format(datetime.date(2024, 7, 2), "SHORT_DATE_FORMAT") == "02/07/2024"
        assert date_format(datetime.date(2024, 7, 2)) == "02/07/2024"


def test_an_english_page_keeps_english_numbers_but_day_first_dates():
    with translation.override("en"):
        assert number_format(Decimal("78.44"), 2) == "78.44"
        assert number_format(1234567, force_grouping=True) == "1,234,567"
        assert date_format(datetime.date(2024, 7, 2), "SHORT_DATE_FORMAT") == "02/07/2024"


@pytest.mark.needs_postgres
@pytest.mark.django_db
def test_postgresql_connections_run_without_jit():
    """settings.py turns JIT off: recursive CTEs' guessed sizes bought 300 ms compilations."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
