"""API routes of the alumni domain, mounted under /api/v1/ by cms.api."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
