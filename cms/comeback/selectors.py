"""Reads of the comeback domain: the coming season, eligibility, a person's estimate, counts."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from cms.alumni.models import Alumnus, AlumnusStatus

from .eligibility import Eligibility, eligibility_for
from .models import Estimate, ModelKind, ModelVersion, Season
from .scoring import BAND_LABELS, PRIOR_LABEL, Contribution, top_reasons

__all__ = [
    "ComebackEstimate",
    "Contribution",
    "Eligibility",
    "comeback_band_counts",
    "comeback_estimate",
    "current_season",
    "eligibility_of",
    "estimates_latest",
    "estimates_listed",
    "estimates_not_listed_count",
    "model_version_active",
    "window_closing_within",
]

NO_CONSENT = "利用状況の分析に同意されていないため、推計していません"
NO_SEASON_RULES = Season(min_service_years=2, max_years_since_leaving=10)


@dataclass(frozen=True)
class ComebackEstimate:
    eligibility: Eligibility
    probability: float | None
    band: str
    band_label: str
    reason: str
    contributions: list[Contribution]
    top_reasons: list[str]
    model_label: str
    is_prior: bool
    computed_on: dt.date | None


def current_season(*, today: dt.date | None = None) -> Season | None:
    """The coming season: the first one can still apply to (its applications close today or
    later). Between a season's close and its appointment the next season is the coming one."""
    today = today or timezone.localdate()
    return (
        Season.objects.filter(applications_close__gte=today).order_by("applications_close").first()
    )


def season_rules(season: Season | None, today: dt.date) -> Season:
    """Without a season the default rules apply, measured on the next 1 April."""
    if season is not None:
        return season
    year = today.year + (1 if (today.month, today.day) > (4, 1) else 0)
    april = dt.date(year, 4, 1)
    return Season(
        year=year,
        min_service_years=NO_SEASON_RULES.min_service_years,
        max_years_since_leaving=NO_SEASON_RULES.max_years_since_leaving,
        applications_open=april,
        applications_close=april,
        selection_on=april,
        appointment_on=april,
    )


def eligibility_of(
    *, alumnus: Alumnus, season: Season | None = None, today: dt.date | None = None
) -> Eligibility:
    """Eligible or not for `season` (default: the coming one), with the reason and the date the
    window closes."""
    today = today or timezone.localdate()
    season = season or current_season(today=today)
    return eligibility_for(alumnus=alumnus, season=season_rules(season, today))


def model_version_active() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_active=True).select_related("season").first()


def _model_label(version: ModelVersion | None) -> tuple[str, bool]:
    if version is None or version.kind == ModelKind.PRIOR:
        return PRIOR_LABEL, True
    return version.label, False


def estimate_as_result(estimate: Estimate) -> ComebackEstimate:
    """A stored estimate as the contract's dataclass."""
    contributions = [
        Contribution(code=item["code"], label=item["label"], log_odds=float(item["log_odds"]))
        for item in estimate.contributions
    ]
    label, is_prior = _model_label(estimate.model_version)
    has_estimate = estimate.probability is not None
    return ComebackEstimate(
        eligibility=Eligibility(
            eligible=estimate.eligible,
            reason="" if estimate.eligible else estimate.reason,
            window_closes_on=estimate.window_closes_on,
        ),
        probability=estimate.probability,
        band=estimate.band,
        band_label=BAND_LABELS.get(estimate.band, ""),
        reason="" if has_estimate else estimate.reason,
        contributions=contributions if has_estimate else [],
        top_reasons=top_reasons(contributions) if has_estimate else [],
        model_label=label,
        is_prior=is_prior,
        computed_on=estimate.computed_on,
    )


def comeback_estimate(*, alumnus: Alumnus) -> ComebackEstimate:
    """The person's latest stored estimate (computed now and stored when there is none)."""
    latest = (
        Estimate.objects.filter(alumnus=alumnus)
        .select_related("model_version__season")
        .order_by("-computed_on")
        .first()
    )
    if latest is None:
        from .services import comeback_scores_recompute

        comeback_scores_recompute(alumni_ids=[alumnus.pk])
        latest = (
            Estimate.objects.filter(alumnus=alumnus)
            .select_related("model_version__season")
            .order_by("-computed_on")
            .first()
        )
    assert latest is not None
    return estimate_as_result(latest)


def estimates_latest() -> QuerySet[Estimate]:
    """The latest estimate of each alumnus (registered, not suspended), for HR's lists."""
    newest = (
        Estimate.objects.filter(alumnus=OuterRef("alumnus"))
        .order_by("-computed_on")
        .values("computed_on")[:1]
    )
    return (
        Estimate.objects.filter(computed_on=Subquery(newest))
        .exclude(alumnus__status=AlumnusStatus.SUSPENDED)
        .select_related("alumnus", "model_version__season")
        .order_by("-probability", "alumnus__family_name_kana", "alumnus__given_name_kana")
    )


def estimates_listed() -> QuerySet[Estimate]:
    """HR's per-person list and its exports: the latest estimates of those who allow analysis.
    A person who stopped it (or never agreed) is not listed by name, not even as 「推計しない」:
    a list of who refused would itself be a profile of them; they are only counted."""
    return estimates_latest().filter(alumnus__consent_analytics=True)


def estimates_not_listed_count() -> int:
    """How many latest estimates `estimates_listed` leaves out: the list says so, with no names."""
    return estimates_latest().filter(alumnus__consent_analytics=False).count()


def comeback_band_counts() -> dict[str, int]:
    """{"high", "medium", "low", "ineligible", "no_consent"}: how many latest estimates each."""
    counts = {"high": 0, "medium": 0, "low": 0, "ineligible": 0, "no_consent": 0}
    for band, eligible, reason in estimates_latest().values_list("band", "eligible", "reason"):
        if band:
            counts[band] += 1
        elif not eligible:
            counts["ineligible"] += 1
        elif reason == NO_CONSENT:
            counts["no_consent"] += 1
    return counts


def window_closing_within(*, days: int = 365, today: dt.date | None = None) -> int:
    """How many eligible alumni (latest estimate) see their window close within `days`."""
    today = today or timezone.localdate()
    return (
        estimates_latest()
        .filter(
            eligible=True,
            window_closes_on__gte=today,
            window_closes_on__lte=today + dt.timedelta(days=days),
        )
        .count()
    )
