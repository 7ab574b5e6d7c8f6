"""The cache as an optimisation only: a cache that is down costs the computation, never the page.

The cache is Redis in production and local memory in the embedded default (settings.CACHES).
"""

import logging

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

TIMEOUT = 24 * 60 * 60  # keys nobody asks for again (an older recompute's, a chart's old data) go
_MISSING = object()


def cached(key, compute, *, timeout=TIMEOUT):
    """compute()'s value, kept under `key`; computed, and logged, when the cache cannot be reached."""
    try:
        value = cache.get(key, _MISSING)
    except (RedisError, OSError) as error:
        logger.warning("cache unavailable, computing %s: %s", key, error)
        return compute()
    if value is _MISSING:
        value = compute()
        try:
            cache.set(key, value, timeout)
        except (RedisError, OSError) as error:
            logger.warning("cache unavailable, %s not kept: %s", key, error)
    return value
