"""API routes of the analytics domain, mounted under /api/v1/ by cms.api."""

from django.urls import URLPattern, URLResolver, path

from cms.analytics import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("signals", api.SignalsCreateView.as_view(), name="analytics-signals"),
    path("me/consents", api.ConsentsView.as_view(), name="analytics-me-consents"),
    path("me/data", api.MyDataView.as_view(), name="analytics-me-data"),
]
