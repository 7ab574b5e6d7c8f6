"""The project's error handlers (reformdash/urls.py): JSON under /api/, where clients read an
`error` member (api.views), Django's own pages elsewhere."""

from django.utils.translation import gettext as _
from django.views import defaults

from api.views import error as api_error

API_PREFIX = "/api/"


def page_not_found(request, exception):
    """404: {"error": …} for an address under /api/ that names no endpoint — the same shape as
    every other API answer — and Django's page for any other address."""
    if request.path.startswith(API_PREFIX):
        return api_error(_("no such endpoint: see /api/schema/ for the API's addresses"), status=404)
    return defaults.page_not_found(request, exception)
