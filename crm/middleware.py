"""Requests no page can answer are refused before they reach one; what a
signed-in user is shown is kept by no cache."""

from django.http import HttpResponseBadRequest
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


class RefuseNulMiddleware:
    """A NUL character in the path or any parameter is a 400.

    No text the app stores or searches may hold one (PostgreSQL refuses it in
    a string), and no person types one: it is a probe, answered plainly
    rather than with a server error wherever the value would reach a query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value
            for params in (request.GET, request.POST)
            for key, values in params.lists()
            for value in values
        ):
            return HttpResponseBadRequest(_("The request holds a NUL character."))
        return self.get_response(request)


class PrivateCacheMiddleware:
    """Whatever a signed-in user is shown is ``Cache-Control: private, no-store``.

    Pages and downloads hold pipeline figures and contacts: a shared browser
    must not keep them after sign-out (its back button, its disk cache), nor
    may a proxy keep them at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
