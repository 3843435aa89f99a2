"""The demo of the comeback estimate: the coming season (Miyagi's calendar), a past season with
simulated outcomes for a demo cohort, a fitted model made active, and today's estimates.
Running it again adds nothing and changes no model; it recomputes today's estimates."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cms.alumni.models import Alumnus

from .eligibility import add_years
from .fitting import FitError
from .models import ModelKind, ModelVersion, Season
from .services import comeback_fit, comeback_scores_recompute, model_version_activate
from .simulation import behaviour_simulate, cohort_simulate, season_of_year

COHORT = 600
SEED = 15
BASE_RATE = 0.08
PREFIX = "demo-comeback"


@dataclass
class DemoComebackReport:
    coming: Season | None = None
    past: Season | None = None
    simulated: int = 0
    fitted: ModelVersion | None = None
    activated: bool = False
    estimates: int = 0
    hire_dates_filled: int = 0
    problems: list[str] = field(default_factory=list)


def coming_year(today: dt.date) -> int:
    """The 年度 whose applications (late October of the year before) are still ahead."""
    return today.year + 1 if today <= dt.date(today.year, 10, 31) else today.year + 2


def _fill_hire_dates() -> int:
    """The other demo loaders register people without a hire date (the roster's 採用日); the
    demo gives them one so that their eligibility can be judged (12 years before leaving)."""
    filled = 0
    for alumnus in Alumnus.objects.filter(hired_on__isnull=True, retired_on__isnull=False):
        if alumnus.retired_on is None:
            continue
        alumnus.hired_on = add_years(alumnus.retired_on, -12)
        alumnus.save(update_fields=["hired_on"])
        filled += 1
    return filled


def demo_comeback_load(*, today: dt.date | None = None) -> DemoComebackReport:
    today = today or timezone.localdate()
    report = DemoComebackReport()
    year = coming_year(today)
    report.coming = season_of_year(year)
    report.past = season_of_year(year - 1)
    report.hire_dates_filled = _fill_hire_dates()
    if not report.past.outcomes.exists():
        with transaction.atomic():
            cohort = cohort_simulate(
                season=report.past, n=COHORT, seed=SEED, base_rate=BASE_RATE, prefix=PREFIX
            )
        behaviour_simulate(cohort=cohort, on=today, seed=SEED + 1)
        report.simulated = len(cohort.people)
    fitted = ModelVersion.objects.filter(kind=ModelKind.FITTED, season=report.past).first()
    if fitted is None:
        try:
            fitted = comeback_fit(season_year=report.past.year)
        except FitError as refused:
            report.problems.append(refused.message)
        else:
            model_version_activate(version=fitted, actor=None)
            report.activated = True
    report.fitted = fitted
    report.estimates = comeback_scores_recompute(today=today)
    return report
