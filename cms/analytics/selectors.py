"""Reads of the analytics domain: a person's signals, HR's activity view, per-page totals."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.db.models import Max, Sum
from django.utils import timezone
from wagtail.models import Page

from cms.alumni.models import Alumnus

from .models import (
    MONTHLY_TYPE_FIELDS,
    MONTHLY_VIEW_FIELDS,
    ContentKind,
    PageViewCount,
    Signal,
    SignalMonthly,
    SignalType,
)


def signals_of(*, alumnus: Alumnus, since: dt.datetime) -> list[Signal]:
    """The person's signals since `since`, newest first, each with `title` (the page's title)."""
    signals = list(
        Signal.objects.filter(alumnus=alumnus, occurred_at__gte=since).order_by("-occurred_at")
    )
    ids = {signal.content_id for signal in signals if signal.content_id}
    titles = dict(Page.objects.filter(pk__in=ids).values_list("pk", "title"))
    for signal in signals:
        title = titles.get(signal.content_id or 0, "")
        signal.title = title or (  # type: ignore[attr-defined]
            signal.get_content_kind_display() if signal.content_kind else ""
        )
    return signals


@dataclass
class Activity:
    """HR's view of one alumnus: logins a month, views by kind of content, last active."""

    logins_by_month: list[tuple[dt.date, int]]
    views_by_kind: list[tuple[str, int]]
    last_active: dt.datetime | None


def alumnus_activity(*, alumnus: Alumnus, months: int = 12) -> Activity:
    """From the monthly counts (kept while registered) and the raw signals' latest time."""
    today = timezone.localdate()
    first = today.replace(day=1)
    year, month = divmod(first.year * 12 + first.month - 1 - (months - 1), 12)
    start = dt.date(year, month + 1, 1)
    rows = SignalMonthly.objects.filter(alumnus=alumnus, month__gte=start)
    logins = dict(rows.values_list("month", "logins"))
    series = []
    cursor = start
    while cursor <= first:
        series.append((cursor, int(logins.get(cursor, 0))))
        year, month = divmod(cursor.year * 12 + cursor.month, 12)
        cursor = dt.date(year, month + 1, 1)
    labels = dict(ContentKind.choices)
    totals = rows.aggregate(**{kind: Sum(field) for kind, field in MONTHLY_VIEW_FIELDS.items()})
    views = sorted((kind, int(total)) for kind, total in totals.items() if total)
    last = Signal.objects.filter(alumnus=alumnus).aggregate(last=Max("occurred_at"))["last"]
    return Activity(
        logins_by_month=series,
        views_by_kind=[(labels.get(kind, kind), int(total)) for kind, total in views],
        last_active=last,
    )


def monthly_counts(
    *, since: dt.date, alumni_ids: list[int] | None = None
) -> dict[int, dict[Any, int]]:
    """HR's monthly per-person counts: {alumnus id: {(month, type): count}} from the kept
    monthly table, for everyone (or `alumni_ids`); only the types with a count appear. The
    table has one row per person and month with a column per type: the rows are read as they
    are (no GROUP BY, no list of ids for everyone)."""
    found: dict[int, dict[Any, int]] = defaultdict(dict)
    rows = SignalMonthly.objects.filter(month__gte=since)
    if alumni_ids is not None:
        rows = rows.filter(alumnus_id__in=alumni_ids)
    types = tuple(MONTHLY_TYPE_FIELDS)
    month_keys: dict[dt.date, tuple[tuple[dt.date, str], ...]] = {}
    with_count = itemgetter(1)
    # Hundreds of thousands of rows: the (month, type) keys are made once per month and each
    # row's counts go in through zip/filter/update, without a Python step per count.
    for row in (
        rows.order_by()
        .values_list("alumnus_id", "month", *MONTHLY_TYPE_FIELDS.values())
        .iterator(chunk_size=20_000)
    ):
        keys = month_keys.get(row[1])
        if keys is None:
            keys = month_keys[row[1]] = tuple((row[1], kind) for kind in types)
        found[row[0]].update(filter(with_count, zip(keys, row[2:], strict=True)))
    return found


def page_view_totals(*, since: dt.date) -> list[dict[str, Any]]:
    """Views per page since `since`: consenting alumni's signals plus the anonymous counts.
    Nothing here says who viewed; HR without the alumni permission sees only this."""
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for kind, content_id, total in (
        PageViewCount.objects.filter(day__gte=since)
        .values_list("content_kind", "content_id")
        .annotate(total=Sum("count"))
    ):
        totals[(kind, content_id)] += int(total)
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    for kind, content_id, total in (
        Signal.objects.filter(
            occurred_at__gte=start,
            type__in=(SignalType.PAGE_VIEW, SignalType.JOB_VIEWED),
            content_id__isnull=False,
        )
        .values_list("content_kind", "content_id")
        .annotate(total=Sum("count"))
    ):
        totals[(kind, content_id)] += int(total)
    titles = dict(Page.objects.filter(pk__in={pk for _, pk in totals}).values_list("pk", "title"))
    labels = dict(ContentKind.choices)
    return sorted(
        (
            {
                "kind": labels.get(kind, kind),
                "page_id": pk,
                "title": titles.get(pk, "（削除されたページ）"),
                "views": views,
            }
            for (kind, pk), views in totals.items()
        ),
        key=lambda row: (-row["views"], row["title"]),
    )
