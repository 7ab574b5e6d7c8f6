"""Read settings from the environment, failing with a message that names the variable.

Django's own errors for a bad setting surface far from their cause (a KeyError in the
database backend, a ValueError inside the cache). Every value the project reads from the
environment goes through these helpers instead, so a typo in `.env` gives one line that says
which variable is wrong and what it should look like.
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name, default=""):
    return os.environ.get(name, default).strip()


def env_bool(name, default=False):
    raw = os.environ.get(name)
    # An empty value (`SECURE_COOKIES=` in a .env file) means "not set", as .env.example shows.
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of on/off, true/false, 1/0, yes/no.")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name, default=()):
    """A comma-separated list; blanks are dropped, and an empty value means the default."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url, *, name="DATABASE_URL"):
    """Translate `postgres://user:pass@host:port/db?opt=v` or `sqlite:///path` into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path, as dj-database-url reads them.
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise ImproperlyConfigured(f"{name}={url!r} names no database file: use sqlite:///path/to/file.sqlite3.")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise ImproperlyConfigured(
                f"{name}={url!r} names no database: use postgres://user:password@host:5432/database."
            )
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name}={url!r} has a port that is not a number from 1 to 65535.") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": dict(parse_qsl(parts.query)),
            # Keep connections for a minute, and test them before use so a restarted
            # PostgreSQL does not hand the first request after it a dead connection.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(
        f"{name}={url!r} is not a database URL reformdash understands: "
        "use postgres://user:password@host:5432/database or sqlite:///path/to/file.sqlite3."
    )


def redis_url(name="REDIS_URL"):
    """The Redis URL, or "" when unset; anything but redis:// or rediss:// is refused."""
    url = env_str(name)
    if url and urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(f"{name}={url!r} is not a Redis URL: use redis://host:6379/0.")
    return url


def sqlite_default(base_dir: Path):
    path = base_dir / "var" / "reformdash.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
