"""API routes of the content domain, mounted under /api/v1/ by cms.api."""

from django.urls import URLPattern, URLResolver, path

from .api import NoticeDetailView, NoticeFeedView

urlpatterns: list[URLPattern | URLResolver] = [
    path("notices", NoticeFeedView.as_view(), name="notice-feed"),
    path("notices/<id:notice_id>", NoticeDetailView.as_view(), name="notice-detail"),
]
