"""GET /health/ for a load balancer or a monitor: is the database up, is the broker up, and when
were the results last recomputed. No login, and nothing in it an outsider could use: no host
names, no versions, no error texts (those go to the log)."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("reformdash.health")

# A monitor polls every few seconds; a broker that does not answer within this is down.
BROKER_TIMEOUT = 2


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health: the database does not answer")
        return "down"
    return "ok"


def _broker():
    if not settings.REDIS_URL:
        return "in-process"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=BROKER_TIMEOUT, socket_timeout=BROKER_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception:
        logger.exception("health: the broker (Redis) does not answer")
        return "down"
    return "ok"


def _last_recompute():
    from indicators.selectors import results_as_of

    as_of = results_as_of()
    return as_of.isoformat() if as_of else None


@never_cache
@require_GET
def health(request):
    checks = {"database": _database(), "broker": _broker()}
    healthy = checks["database"] == "ok" and checks["broker"] != "down"
    body = {"status": "ok" if healthy else "down", **checks, "last_recompute": None}
    if checks["database"] == "ok":
        try:
            body["last_recompute"] = _last_recompute()
        except Exception:
            logger.exception("health: the last recompute cannot be read")
    return JsonResponse(body, status=200 if healthy else 503)
