"""The reports domain: one source of figures read by the dashboard, the XLSX, CSV and PDF."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cms.reports"
    label = "reports"
    verbose_name = "報告"
