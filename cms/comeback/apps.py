"""The comeback estimate: eligibility per season, outcomes, the estimate and its model versions."""

from django.apps import AppConfig


class ComebackConfig(AppConfig):
    name = "cms.comeback"
    label = "comeback"
    verbose_name = "カムバック推計"
