"""While the database is down (restarting, failing over, out of connections) a request answers
503 "service unavailable, try again" instead of a 500 traceback, and the next request after the
database returns succeeds: connections are tested before use (CONN_HEALTH_CHECKS), so the app
needs no restart.

The page is rendered without the request: its context processors would query the database again.

Two ways in: the middleware for an error raised by a view (most of them), and the 500 handler
(reformdash.errors.server_error) for one raised outside any view — a session saved after the
view answered, a middleware's own query — which reaches Django's handler before any middleware's
process_exception can see it. CI once saw a page read at the moment PostgreSQL stopped answer 500,
the view's errors all being 503s.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

# Long enough for a PostgreSQL restart, short enough that a reader retrying by hand is not sent away.
RETRY_AFTER_SECONDS = 30


class DatabaseOutageMiddleware:
    """Turns the database's connection errors raised by a view into a 503 page (JSON under /api/)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        return outage_response(request, exception)


def is_outage(exception):
    """True for the errors of a database that cannot be reached, not for a query's own error."""
    return isinstance(exception, (OperationalError, InterfaceError))


def outage_response(request, exception):
    """The 503 "try again" answer to a request that met the database down."""
    logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": gettext("The service is unavailable for a moment. Try again in a minute.")},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
