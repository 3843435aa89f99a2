"""The comeback estimate: eligibility per season, outcomes, the estimate and its model versions."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig


class ComebackConfig(AppConfig):
    name = "cms.comeback"
    label = "comeback"
    verbose_name = "カムバック推計"

    def analysis_stopped(self, *, alumnus: object) -> None:
        """The person stopped analysis (cms.analytics, in its transaction): their scores go at
        once; the next recompute records only the reason."""
        from cms.alumni.models import Alumnus

        from .models import Estimate

        assert isinstance(alumnus, Alumnus)
        Estimate.objects.filter(alumnus=alumnus).delete()

    def ready(self) -> None:
        # The 自分のデータ provider of comeback-ui registers itself on import (as surveys' does);
        # the module comes with that branch, so it is imported when present.
        if find_spec(f"{self.name}.my_data") is not None:
            import_module(f"{self.name}.my_data")
