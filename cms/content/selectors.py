"""Reads of content that more than one place needs (the build, the API, the admin)."""

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

if TYPE_CHECKING:
    from .models import BuildFailure


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


def build_failures() -> "QuerySet[BuildFailure]":
    """The pages the last build of the static site could not render, newest failure first."""
    from .models import BuildFailure

    return BuildFailure.objects.select_related("page").order_by("-since", "-pk")


def build_failure_of(*, page_id: int) -> "BuildFailure | None":
    """Why the last build could not render this page, if it could not."""
    from .models import BuildFailure

    return BuildFailure.objects.filter(page_id=page_id).first()
