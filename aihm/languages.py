"""The language a request is answered in: the dashboard's rules for pages, English for the API
unless the request's Accept-Language asks for a language the product speaks."""

from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

API_DEFAULT_LANGUAGE = "en"


def api_language(request):
    """The dashboard's language cookie and its French default do not reach API clients."""
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return API_DEFAULT_LANGUAGE


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware (cookie, Accept-Language, LANGUAGE_CODE) for pages; `api_language`
    under /api/. The response still says its language (Content-Language, Vary)."""

    def process_request(self, request):
        if request.path_info.startswith("/api/"):
            translation.activate(api_language(request))
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)
