"""What the project's admin listings share: a date and time column as HR reads it (JST)."""

import datetime as dt
from typing import Any

from django.utils import timezone
from wagtail.admin.ui.tables import Column


def local_time(value: dt.datetime | None) -> str:
    """A moment in Japan's time, to the minute; a dash when there is none."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def time_column(name: str, label: str) -> Column:
    """A listing column showing the row's `name` attribute with `local_time`."""

    def accessor(row: Any) -> str:
        return local_time(getattr(row, name))

    return Column(name, label=label, accessor=accessor)
