"""The project's error handlers (reformdash/urls.py): JSON under /api/, where clients read an
`error` member (api.views), Django's own pages elsewhere."""

import sys

from django.utils.translation import gettext as _
from django.views import defaults

from api.views import error as api_error
from reformdash.lib.outage import is_outage, outage_response

API_PREFIX = "/api/"


def page_not_found(request, exception):
    """404: {"error": …} for an address under /api/ that names no endpoint — the same shape as
    every other API answer — and Django's page for any other address."""
    if request.path.startswith(API_PREFIX):
        return api_error(_api_message(404), status=404)
    return defaults.page_not_found(request, exception)


def _api_message(status):
    messages = {
        400: _("bad request"),
        403: _("you may not do this"),
        404: _("no such endpoint: see /api/schema/ for the API's addresses"),
        405: _("this method is not allowed here"),
        413: _("the request is too large"),
        500: _("an error on the server; it has been logged, try again later"),
    }
    return messages.get(status) or _("the request cannot be answered (%(status)d)") % {"status": status}


# Headers an error answer carries for the client to act on, kept when its body becomes JSON.
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


class ApiJsonErrorsMiddleware:
    """Every error answer under /api/ in the API's JSON, `{"error": …}`, whatever DEBUG says: with
    DEBUG on Django answers an unknown address or an exception with its HTML debug page before any
    handler is asked, and a client reading `error` gets HTML. The API's own answers are JSON
    already and pass untouched; the debug page's traceback stays in the log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path_info.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            json_response = api_error(_api_message(response.status_code), status=response.status_code)
            for header in _KEPT_HEADERS:
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response


def bad_request(request, exception):
    if request.path.startswith(API_PREFIX):
        return api_error(_api_message(400), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if request.path.startswith(API_PREFIX):
        return api_error(_api_message(403), status=403)
    return defaults.permission_denied(request, exception)


def server_error(request):
    # Called inside Django's `except` around the whole request: the error is still in flight.
    exception = sys.exc_info()[1]
    if is_outage(exception):
        return outage_response(request, exception)
    if request.path.startswith(API_PREFIX):
        return api_error(_api_message(500), status=500)
    return defaults.server_error(request)
