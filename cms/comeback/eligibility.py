"""Who may take the comeback exam of a season, from the facts HR holds (採用日・退職日・生年月日).

Every rule is measured on the season's appointment date (採用日), as the age limit is:
- service (hired_on → retired_on) of at least `min_service_years` full years;
- at most `max_years_since_leaving` full years from retired_on to the appointment date;
- age on the appointment date within [min_age, max_age] when set.
The window closes on the earliest date from which a limit can no longer be met: the day
`max_years_since_leaving` years after leaving, or the day before the birthday at which the person
turns max_age + 1 (whichever comes first)."""

import datetime as dt
from dataclasses import dataclass

from cms.alumni.models import Alumnus

from .models import Season


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str
    window_closes_on: dt.date | None


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` moved by whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def full_years(start: dt.date, end: dt.date) -> int:
    """Whole years from `start` to `end` (an age on `end` when `start` is the birth date)."""
    years = end.year - start.year
    return years - 1 if (end.month, end.day) < (start.month, start.day) else years


def window_closes_on(*, alumnus: Alumnus, season: Season) -> dt.date | None:
    """The last day on which the person still meets the limits that run out with time."""
    limits: list[dt.date] = []
    if alumnus.retired_on:
        limits.append(add_years(alumnus.retired_on, season.max_years_since_leaving))
    if season.max_age is not None and alumnus.birth_date:
        limits.append(add_years(alumnus.birth_date, season.max_age + 1) - dt.timedelta(days=1))
    return min(limits) if limits else None


def _refusal(alumnus: Alumnus, season: Season) -> str:
    """Why the person is not eligible for `season` ("" when they are): the first rule unmet."""
    on = season.appointment_on
    if alumnus.hired_on is None or alumnus.retired_on is None:
        return "採用日または退職日が人事課の記録にないため、受験資格を判定できません"
    service = full_years(alumnus.hired_on, alumnus.retired_on)
    since = full_years(alumnus.retired_on, on)
    age = full_years(alumnus.birth_date, on)
    rules = (
        (alumnus.retired_on > on, "採用日の時点で退職していないため、対象外です"),
        (
            service < season.min_service_years,
            f"在職期間が{season.min_service_years}年未満（{service}年）のため、対象外です",
        ),
        (
            since > season.max_years_since_leaving,
            f"退職から{season.max_years_since_leaving}年を超えている（{since}年）ため、対象外です",
        ),
        (
            season.min_age is not None and age < season.min_age,
            f"採用日の時点で{season.min_age}歳未満のため、対象外です",
        ),
        (
            season.max_age is not None and age > season.max_age,
            f"採用日の時点で{season.max_age}歳を超えるため、対象外です",
        ),
    )
    return next((message for unmet, message in rules if unmet), "")


def eligibility_for(*, alumnus: Alumnus, season: Season) -> Eligibility:
    """Eligible or not for `season`, with the reason and the date the window closes."""
    refusal = _refusal(alumnus, season)
    closes = window_closes_on(alumnus=alumnus, season=season)
    if refusal:
        return Eligibility(eligible=False, reason=refusal, window_closes_on=None)
    return Eligibility(eligible=True, reason="", window_closes_on=closes)
