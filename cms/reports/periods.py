"""The periods HR reports on: a calendar month and a fiscal year (4月〜翌3月), in 和暦 and Western."""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

from cms.alumni.normalise import wareki_fiscal_year, wareki_year

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
FISCAL_YEAR_PATTERN = re.compile(r"^\d{4}$")


class PeriodError(ValueError):
    """A month or fiscal year given in a form the reports cannot read (message in Japanese)."""


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after `day`'s."""
    year, month = divmod(day.year * 12 + day.month, 12)
    return dt.date(year, month + 1, 1)


def wareki_month(day: dt.date) -> str:
    """2026-11-01 -> 令和8年11月."""
    return f"{wareki_year(day)}{day.month}月"


def fiscal_year_of(day: dt.date) -> int:
    """The 年度 a day falls in: April to March, named by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


@dataclass(frozen=True)
class Period:
    """[start, end) in local dates; `label` in 和暦, `western` in the Western calendar."""

    start: dt.date
    end: dt.date
    label: str
    western: str
    kind: str  # "month" | "fiscal_year"

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.end, dt.time.min))

    @property
    def slug(self) -> str:
        return f"{self.start:%Y-%m}" if self.kind == "month" else f"FY{self.start.year}"

    def months(self) -> list[dt.date]:
        """The first day of each month in the period."""
        found, cursor = [], self.start
        while cursor < self.end:
            found.append(cursor)
            cursor = next_month(cursor)
        return found


def month_period(day: dt.date) -> Period:
    first = day.replace(day=1)
    return Period(
        start=first,
        end=next_month(first),
        label=wareki_month(first),
        western=f"{first.year}年{first.month}月",
        kind="month",
    )


def fiscal_year_period(year: int) -> Period:
    return Period(
        start=dt.date(year, 4, 1),
        end=dt.date(year + 1, 4, 1),
        label=wareki_fiscal_year(year),
        western=f"{year}年度",
        kind="fiscal_year",
    )


# A period ends on the first day after it, which the date type must hold: 9999年12月 ended in
# year 10000 and the screen was a 500.
FIRST_YEAR, LAST_YEAR = 2000, 9998


def parse_month(text: str) -> Period:
    """`YYYY-MM` -> the month; PeriodError (Japanese) otherwise."""
    found = MONTH_PATTERN.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise PeriodError(f"月は YYYY-MM の形で指定してください（例: 2026-11）。指定:「{text}」")
    if not FIRST_YEAR <= int(found.group(1)) <= LAST_YEAR:
        raise PeriodError(
            f"月は {FIRST_YEAR}-01 から {LAST_YEAR}-12 までで指定してください。指定:「{text}」"
        )
    return month_period(dt.date(int(found.group(1)), int(found.group(2)), 1))


def parse_fiscal_year(text: str) -> Period:
    """`YYYY` -> the fiscal year starting in April of that year; PeriodError otherwise."""
    if not FISCAL_YEAR_PATTERN.match(text.strip()):
        raise PeriodError(f"年度は西暦4桁で指定してください（例: 2026）。指定:「{text}」")
    if not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise PeriodError(
            f"年度は {FIRST_YEAR} から {LAST_YEAR} までで指定してください。指定:「{text}」"
        )
    return fiscal_year_period(int(text))
