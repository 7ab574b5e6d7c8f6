"""The project's middleware: the language switch, the refusal of NUL characters in addresses, and
no caching of what a logged-in user sees."""

from django.conf import settings
from django.db import DatabaseError
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
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
                message = _("a NUL character in the address")
                return api_error(message, status=400, errors={"address": message})
            return defaults.bad_request(request, ValueError("NUL in the path or query string"))
        return self.get_response(request)


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on every answer to a logged-in user, pages and exports
    alike: on a shared office computer neither the browser's cache nor a proxy may keep a unit's
    scores or dossiers for the next person. Static files are the same for everyone and stay
    cacheable; anonymous answers (the public rankings, the login page) keep their own headers."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.public_prefixes = tuple(
            "/" + prefix.lstrip("/") for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix and prefix != "/"
        )

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith(self.public_prefixes) and self._logged_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def _logged_in(request):
        user = getattr(request, "user", None)
        try:
            return user is not None and user.is_authenticated
        except DatabaseError:
            # The database went away (the outage middleware's 503): the session cannot be read, so
            # the answer is kept by no one rather than risked.
            return True
