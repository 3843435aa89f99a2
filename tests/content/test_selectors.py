"""Job status from the application period, on Asia/Tokyo days."""

import datetime as dt

import pytest

from cms.content.selectors import JobStatus, job_status

UTC = dt.UTC
OPENS = dt.date(2026, 10, 20)
CLOSES = dt.date(2026, 10, 31)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # 2026-10-19 23:59 JST: the day before opening.
        (dt.datetime(2026, 10, 19, 14, 59, tzinfo=UTC), JobStatus.UPCOMING),
        # 2026-10-20 00:00 JST is still 10-19 in UTC: Tokyo's day counts.
        (dt.datetime(2026, 10, 19, 15, 0, tzinfo=UTC), JobStatus.OPEN),
        (dt.datetime(2026, 10, 25, 3, 0, tzinfo=UTC), JobStatus.OPEN),
        # 2026-10-31 23:59 JST: the closing day is inclusive.
        (dt.datetime(2026, 10, 31, 14, 59, tzinfo=UTC), JobStatus.OPEN),
        # 2026-11-01 00:00 JST, while it is still 10-31 in UTC: closed.
        (dt.datetime(2026, 10, 31, 15, 0, tzinfo=UTC), JobStatus.CLOSED),
    ],
)
def test_job_status_follows_tokyo_days(instant: dt.datetime, expected: JobStatus) -> None:
    assert job_status(opens=OPENS, closes=CLOSES, now=instant) == expected


def test_a_one_day_period_is_open_all_that_day_only() -> None:
    day = dt.date(2027, 1, 5)
    start = dt.datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # 2027-01-05 00:00 JST
    assert (
        job_status(opens=day, closes=day, now=start - dt.timedelta(seconds=1)) == JobStatus.UPCOMING
    )
    assert job_status(opens=day, closes=day, now=start) == JobStatus.OPEN
    assert job_status(opens=day, closes=day, now=start + dt.timedelta(hours=24)) == JobStatus.CLOSED
