"""The chat benchmark's URLconf: the production URLs, and a bare Django JSON view (the
baseline the chat's unchanged poll is compared with), routed only here; and the same view
asking who is signed in (Django's session and user lookup, nothing else): the floor of any
signed-in request, printed beside the poll so the profile shows where its cost lies."""

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path


def bare_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def signed_in_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": request.user.is_authenticated})


urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/bench/bare", bare_json),
    path("api/v1/bench/signed-in", signed_in_json),
    path("", include("cms.urls")),
]
