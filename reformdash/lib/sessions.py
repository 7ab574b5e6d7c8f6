"""Sessions read from Redis before the database (settings.SESSION_ENGINE when REDIS_URL is set).

Django's cached_db spares every logged-in request its session query. It already reads the database
when the cache fails to answer a read, and logs a failed write; but keeping what it then read from
the database, asking whether a new session key is taken and deleting a session (every login cycles
the key, every logout deletes) reach the cache unguarded, so with Redis down no one could log in or
read a page. Here the cache is an optimisation only, as
everywhere else (reformdash.lib.cache): with Redis down those go to the database alone, and a
failed delete of the cached copy is logged — the database's copy is gone; a Redis that comes back
with its data keeps that copy until it expires (SESSION_COOKIE_AGE).
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            return super().load()
        except (RedisError, OSError) as error:  # the read is guarded, not the copy it then keeps
            logger.warning("session cache unavailable, reading the database: %s", error)
            return DatabaseStore.load(self)

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except (RedisError, OSError) as error:
            logger.warning("session cache unavailable, asking the database: %s", error)
            return DatabaseStore.exists(self, session_key)

    def delete(self, session_key=None):
        try:
            super().delete(session_key)  # the database's copy first, then the cache's
        except (RedisError, OSError) as error:
            logger.error("session cache unavailable: a session ended in the database only: %s", error)
