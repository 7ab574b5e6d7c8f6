"""The cache as an optimisation only: a cache that is down costs the computation, never the page.

The cache is Redis in production and local memory in the embedded default (settings.CACHES).
"""

import logging

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.utils.safestring import mark_safe
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


# Where HTML kept for several readers has a reader's CSRF token (a form in it): rendered with this
# in its place (the context's csrf_token), put back for each reader by with_csrf_token.
CSRF_SLOT = "\x00csrf-token\x00"


def with_csrf_token(request, html):
    """Shared HTML (rendered with CSRF_SLOT as its csrf_token) with the request's own token, safe
    to put in a template. Asks for a token only when the HTML has a form that needs one."""
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, get_token(request))
    return mark_safe(html)
