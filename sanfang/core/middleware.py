"""Language: Simplified Chinese unless the user switched to English.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an officer on an
English-configured machine would get English without asking. Here only the explicit choice
(the language cookie set by the switch in the header) counts.
"""

from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RefuseNulMiddleware:
    """A NUL character in a URL or a query has no meaning here, and PostgreSQL refuses it in
    text with a database error: answer 400 with a message instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            from django.http import HttpResponseBadRequest
            from django.utils.translation import gettext as _

            return HttpResponseBadRequest(_("The address contains an invalid character."))
        return self.get_response(request)
