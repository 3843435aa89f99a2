"""The JSON API under /api/v1/: each domain brings its own routes in `cms/<domain>/api_urls.py`."""

from typing import Any

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from cms import converters  # noqa: F401  (registers <id:…> for the domains' routes)
from cms.api_errors import api_not_found

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Chat first: every member with a chat open polls it, and Django tries routes in order.
    path("", include("cms.groups.chat.api_urls")),
    path("", include("cms.alumni.api_urls")),
    path("", include("cms.content.api_urls")),
    path("", include("cms.surveys.api_urls")),
    path("", include("cms.groups.api_urls")),
    path("", include("cms.push.api_urls")),
    path("", include("cms.analytics.api_urls")),
    path("", include("cms.comeback.api_urls")),
    # Last: any other path under /api/ is the API's JSON 404 (not HTML, not the debug page).
    re_path(r"^(?P<path>.*)$", api_not_found),
]


def only_public_api(endpoints: list[tuple[str, Any, str, Any]]) -> list[tuple[str, Any, str, Any]]:
    """drf-spectacular hook: document our API, not the Wagtail admin's internal one."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
