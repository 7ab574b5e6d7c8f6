"""The project's middleware: the language switch and the refusal of NUL characters in addresses."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views import defaults

from reformdash.errors import API_PREFIX, api_error


class LanguageSwitchMiddleware:
    """Like Django's LocaleMiddleware, but without Accept-Language: a civil servant's browser set
    to English still gets the Vietnamese pages until he presses the English switch (the language
    cookie that django.views.i18n.set_language writes)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class RefuseNulMiddleware:
    """400 for a NUL character in the path or in a query-string name or value, before any view.

    PostgreSQL cannot store or compare a string holding NUL (psycopg refuses to send it), so a
    `/units/%00/` that reached a lookup was a 500; SQLite answers it, so both answer 400 here
    alike. No address of the project, and no real value, has one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or any(
            "\x00" in name or any("\x00" in value for value in values) for name, values in request.GET.lists()
        ):
            if request.path_info.startswith(API_PREFIX):
                return api_error(_("a NUL character in the address"), status=400)
            return defaults.bad_request(request, ValueError("NUL in the path or query string"))
        return self.get_response(request)
