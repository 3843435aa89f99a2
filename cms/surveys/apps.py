"""Surveys on alumni's priorities for coming back; HR edits the questions."""

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "cms.surveys"
    label = "surveys"
    verbose_name = "アンケート"

    def ready(self) -> None:
        from . import my_data, signals  # noqa: F401
