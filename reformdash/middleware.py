"""Vietnamese first: the page language comes from the user's own switch, never from the browser."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


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
