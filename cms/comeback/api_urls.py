"""API routes of the comeback domain, mounted under /api/v1/ by cms.api."""

from django.urls import URLPattern, URLResolver, path

from cms.comeback import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/comeback", api.MyComebackView.as_view(), name="comeback-me"),
]
