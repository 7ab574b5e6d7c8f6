"""Failed logins counted per (user name, client address), refused for a while past a limit.

The counters live in the Django cache — Redis in production, so every web machine sees the same
count; local memory in the embedded default. They are short-lived numbers written on every failed
attempt and forgotten after LOGIN_FAILURE_WINDOW: the cache expires them by itself, where a table
would need a cleaning job and a write transaction per wrong password. If the cache is down,
logins go on unprotected (and it is logged) rather than nobody being able to log in.

A user name that does not exist is counted and locked exactly like one that does, so neither the
answer nor the lockout tells whether an account exists. The address is the client's, as
reformdash.lib.client.client_address reads it: a forged X-Forwarded-For cannot dodge the count
or lock someone else out.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from reformdash.lib.client import client_address

logger = logging.getLogger("reformdash.security")


def _key(*, username, address):
    who = f"{(username or '').casefold()}\n{address}".encode()
    return "login-failures:" + hashlib.sha256(who).hexdigest()


def login_locked(*, username, address):
    """True while this user name from this address has used up its failed attempts."""
    try:
        failures = cache.get(_key(username=username, address=address), 0)
    except Exception:
        logger.exception("login lockout: the cache cannot be read; logins are not rate limited")
        return False
    return failures >= settings.LOGIN_FAILURE_LIMIT


def login_failure_record(*, username, address):
    """Count one failed login; returns the count within the current window (0 if the cache is down)."""
    key = _key(username=username, address=address)
    try:
        # The window starts at the first failure and is not extended by later ones: after it the
        # pair starts again from nothing.
        if cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW):
            failures = 1
        else:
            try:
                failures = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)
                failures = 1
    except Exception:
        logger.exception("login lockout: the cache cannot be written; logins are not rate limited")
        return 0
    if failures == settings.LOGIN_FAILURE_LIMIT:
        logger.warning(
            "login locked: %d failed logins for user name %r from %s; refused for up to %d s",
            failures,
            username,
            address,
            settings.LOGIN_FAILURE_WINDOW,
        )
    return failures


def login_failures_clear(*, username, address):
    try:
        cache.delete(_key(username=username, address=address))
    except Exception:
        logger.exception("login lockout: the cache cannot be written")


class LockoutBackend(ModelBackend):
    """Django's user-and-password backend, counting failures and refusing locked pairs, so every
    login form — ours and the admin's — is protected alike. Without a request (a management
    command, a test's client.login) there is no address to count and nothing is counted."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        address = client_address(request)
        if login_locked(username=username, address=address):
            logger.warning("login refused: user name %r from %s is locked", username, address)
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, address=address)
        else:
            login_failures_clear(username=username, address=address)
        return user
