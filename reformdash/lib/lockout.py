"""Failed logins counted three ways, each refused for a while past its limit (issue 21):

- per (user name, client address): LOGIN_FAILURE_LIMIT — one person mistyping, or guessing one account;
- per client address, whatever the user names: LOGIN_ADDRESS_FAILURE_LIMIT — one machine trying
  many accounts (password spraying);
- per user name, whatever the addresses: LOGIN_ACCOUNT_FAILURE_LIMIT — many machines guessing one
  account.

All three are counted over LOGIN_FAILURE_WINDOW seconds from their first failure. A successful
login clears its pair and its account, not its address: one good password known to an attacker
must not buy him a fresh count for spraying the others from the same machine.

The counters live in the cache named by LOGIN_CACHE (settings.CACHES): Redis when REDIS_URL is
set, else a table in the database (Django's database cache, created by `migrate`), so
that every web process and machine sees the same counts in both set-ups; never a process's own
memory. They are short-lived numbers the cache expires by itself. If the cache cannot be reached,
logins go on unprotected (and it is logged) rather than nobody being able to log in. The database
cache's increment is a read and a write, not atomic: two failures at the same instant may count as
one, which only delays a lockout by an attempt.

A user name that does not exist is counted and locked exactly like one that does, so neither the
answer nor the lockout tells whether an account exists. The address is the client's, as
reformdash.lib.client.client_address reads it: a forged X-Forwarded-For cannot dodge the count
or lock someone else out.
"""

import enum
import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches

from reformdash.lib.client import client_address

logger = logging.getLogger("reformdash.security")


class Lock(enum.StrEnum):
    """What a refused login was counted under."""

    PAIR = "pair"  # this user name from this address
    ADDRESS = "address"  # this address, every user name
    ACCOUNT = "account"  # this user name, every address


def _limits():
    return {
        Lock.PAIR: settings.LOGIN_FAILURE_LIMIT,
        Lock.ACCOUNT: settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
        Lock.ADDRESS: settings.LOGIN_ADDRESS_FAILURE_LIMIT,
    }


def _cache():
    return caches[settings.LOGIN_CACHE]


def _keys(*, username, address):
    name = (username or "").casefold()
    values = {Lock.PAIR: f"{name}\n{address}", Lock.ADDRESS: f"\n{address}", Lock.ACCOUNT: f"{name}\n"}
    # Hashed: a cache key has a length limit and a character set, a user name has neither.
    return {
        lock: f"login-failures:{lock}:" + hashlib.sha256(value.encode()).hexdigest() for lock, value in values.items()
    }


def login_lock(*, username, address):
    """Which count this user name from this address has used up (a Lock), or None; the pair first."""
    keys = _keys(username=username, address=address)
    try:
        failures = _cache().get_many(list(keys.values()))
    except Exception:
        logger.exception("login lockout: the cache cannot be read; logins are not rate limited")
        return None
    for lock, limit in _limits().items():
        if failures.get(keys[lock], 0) >= limit:
            return lock
    return None


def login_locked(*, username, address):
    """True while any of the three counts of this user name and address is used up."""
    return login_lock(username=username, address=address) is not None


def _count(cache, key):
    # The window starts at the first failure and is not extended by later ones: after it the
    # count starts again from nothing. Redis's INCR keeps a key's expiry, the database cache's
    # incr (a get and a set) gives it the default timeout instead: the window's end is kept beside
    # the count and put back on it after each increment.
    window, now = settings.LOGIN_FAILURE_WINDOW, time.time()
    if cache.add(key, 1, timeout=window):
        cache.set(f"{key}:until", now + window, timeout=window)
        return 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        cache.set(f"{key}:until", now + window, timeout=window)
        return 1
    until = cache.get(f"{key}:until")
    if until is None:  # the count outlived its window's end (written by an older release)
        until = now + window
        cache.set(f"{key}:until", until, timeout=window)
    cache.touch(key, timeout=max(1, math.ceil(until - now)))
    return count


def login_failure_record(*, username, address):
    """Count one failed login under all three; returns {Lock: count} (empty if the cache is down)."""
    keys, cache = _keys(username=username, address=address), _cache()
    try:
        counts = {lock: _count(cache, key) for lock, key in keys.items()}
    except Exception:
        logger.exception("login lockout: the cache cannot be written; logins are not rate limited")
        return {}
    for lock, limit in _limits().items():
        if counts[lock] == limit:
            logger.warning(
                "login locked (%s): %d failed logins for user name %r from %s; refused for up to %d s",
                lock,
                counts[lock],
                username,
                address,
                settings.LOGIN_FAILURE_WINDOW,
            )
    return counts


def login_failures_clear(*, username, address):
    """After a successful login: its pair and its account start again, its address does not."""
    keys = _keys(username=username, address=address)
    try:
        _cache().delete_many([keys[Lock.PAIR], keys[Lock.ACCOUNT]])
    except Exception:
        logger.exception("login lockout: the cache cannot be written")


class LockoutBackend(ModelBackend):
    """Django's user-and-password backend, counting failures and refusing locked logins, so every
    login form — ours and the admin's — is protected alike. Without a request (a management
    command, a test's client.login) there is no address to count and nothing is counted."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        address = client_address(request)
        lock = login_lock(username=username, address=address)
        if lock is not None:
            logger.warning("login refused (%s): user name %r from %s is locked", lock, username, address)
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, address=address)
        else:
            login_failures_clear(username=username, address=address)
        return user
