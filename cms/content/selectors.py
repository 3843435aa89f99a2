"""Reads of content that more than one place needs (the build, the API, the admin)."""

import datetime as dt
from enum import StrEnum

from django.utils import timezone


class JobStatus(StrEnum):
    UPCOMING = "募集予定"
    OPEN = "募集中"
    CLOSED = "募集終了"

    @property
    def key(self) -> str:
        """A stable ASCII name for the status (`open`, `upcoming`, `closed`): its CSS class."""
        return self.name.lower()


def job_status(*, opens: dt.date, closes: dt.date, now: dt.datetime | None = None) -> JobStatus:
    """Status of an application period at `now`; days are Asia/Tokyo days, both ends inclusive."""
    today = timezone.localdate(now or timezone.now())
    if today < opens:
        return JobStatus.UPCOMING
    if today > closes:
        return JobStatus.CLOSED
    return JobStatus.OPEN
