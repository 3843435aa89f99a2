"""API routes of the push domain, mounted under /api/v1/ by cms.api."""

from django.urls import URLPattern, URLResolver, path

from .api import DeliveryOpenView, PushKeyView, PushSubscriptionCreateView

urlpatterns: list[URLPattern | URLResolver] = [
    path("push/key", PushKeyView.as_view(), name="push-key"),
    path("push/subscriptions", PushSubscriptionCreateView.as_view(), name="push-subscriptions"),
    path("push/opens", DeliveryOpenView.as_view(), name="push-opens"),
]
