"""API routes of the groups domain, mounted under /api/v1/ by cms.api."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
