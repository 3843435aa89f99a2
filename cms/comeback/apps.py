"""The comeback estimate: eligibility per season, outcomes, the estimate and its model versions."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig


class ComebackConfig(AppConfig):
    name = "cms.comeback"
    label = "comeback"
    verbose_name = "カムバック推計"

    def ready(self) -> None:
        # The 自分のデータ provider of comeback-ui registers itself on import (as surveys' does);
        # the module comes with that branch, so it is imported when present.
        if find_spec(f"{self.name}.my_data") is not None:
            import_module(f"{self.name}.my_data")
