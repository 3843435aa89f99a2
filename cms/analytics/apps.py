"""Activity of alumni combined into each one's likelihood of taking the comeback-hiring exam."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "cms.analytics"
    label = "analytics"
    verbose_name = "分析"
