"""The chat benchmark's URLconf: the production URLs, and a bare Django JSON view (the
baseline the chat's unchanged poll is compared with), routed only here."""

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path


def bare_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/bench/bare", bare_json),
    path("", include("cms.urls")),
]
