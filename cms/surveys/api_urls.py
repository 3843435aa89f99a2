"""API routes of the surveys domain, mounted under /api/v1/ by cms.api."""

from django.urls import URLPattern, URLResolver, path

from .api import SurveyDetailView, SurveyListView, SurveyResponseView

urlpatterns: list[URLPattern | URLResolver] = [
    path("surveys", SurveyListView.as_view(), name="survey-list"),
    path("surveys/<id:survey_id>", SurveyDetailView.as_view(), name="survey-detail"),
    path("surveys/<id:survey_id>/response", SurveyResponseView.as_view(), name="survey-response"),
]
