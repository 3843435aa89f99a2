"""What an alumnus sees of their own comeback estimate: how long they remain eligible (the
clock on the home), and the band and reasons HR sees — or why there is none."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.alumni.normalise import wareki

from .eligibility import add_years
from .selectors import comeback_estimate, current_season

POLICY = "推計は情報提供の優先付けのためのもので、選考には用いません"


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months (to the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, last)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def remaining_text(*, today: dt.date, until: dt.date) -> str:
    """「3年2か月」, 「5か月」, 「20日」: whole years and months from today to `until`
    (days when less than a month remains); "" when `until` has passed."""
    if until < today:
        return ""
    years = 0
    while add_years(today, years + 1) <= until:
        years += 1
    start = add_years(today, years)
    months = 0
    while add_months(start, months + 1) <= until:
        months += 1
    if years == 0 and months == 0:
        return f"{(until - today).days + 1}日"
    return (f"{years}年" if years else "") + (f"{months}か月" if months else "")


def eligibility_clock(*, today: dt.date, until: dt.date | None) -> str:
    """「応募資格はあと3年2か月（令和11年3月31日まで）」; "" without a closing date."""
    if until is None or until < today:
        return ""
    return f"応募資格はあと{remaining_text(today=today, until=until)}（{wareki(until)}まで）"


@dataclass(frozen=True)
class PersonComeback:
    """The person's own view: the same band, reasons and model label as HR's list."""

    eligible: bool
    reason: str
    window_closes_on: dt.date | None
    window_closes_on_wareki: str
    clock: str
    band: str
    band_label: str
    probability: float | None
    reasons: list[str]
    model_label: str
    is_prior: bool
    computed_on: dt.date | None
    season_year: int | None
    applications_open: dt.date | None
    applications_close: dt.date | None
    policy: str = POLICY


def person_comeback(*, alumnus: Alumnus, today: dt.date | None = None) -> PersonComeback:
    today = today or timezone.localdate()
    result = comeback_estimate(alumnus=alumnus)
    eligibility = result.eligibility
    closes = eligibility.window_closes_on if eligibility.eligible else None
    season = current_season(today=today)
    has_estimate = result.probability is not None
    return PersonComeback(
        eligible=eligibility.eligible,
        reason="" if has_estimate else (result.reason or eligibility.reason),
        window_closes_on=closes,
        window_closes_on_wareki=wareki(closes) if closes else "",
        clock=eligibility_clock(today=today, until=closes),
        band=result.band if has_estimate else "",
        band_label=result.band_label if has_estimate else "",
        probability=result.probability,
        reasons=list(result.top_reasons) if has_estimate else [],
        model_label=result.model_label,
        is_prior=result.is_prior,
        computed_on=result.computed_on,
        season_year=season.year if season else None,
        applications_open=season.applications_open if season else None,
        applications_close=season.applications_close if season else None,
    )
