"""Writes of the analytics domain: record signals (only with consent), consent, erasure, purge."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from wagtail.models import Page

from cms.alumni.models import Alumnus

from .models import (
    MONTHLY_TYPE_FIELDS,
    MONTHLY_VIEW_FIELDS,
    MONTHLY_VIEW_TYPES,
    ContentKind,
    PageViewCount,
    Signal,
    SignalMonthly,
    SignalType,
)

# Page models whose views count as a view of that kind of content (anything else is "page").
PAGE_KINDS = {
    "noticepage": ContentKind.NOTICE,
    "jobpage": ContentKind.JOB,
    "pressreleasepage": ContentKind.PRESS,
    "surveypage": ContentKind.SURVEY,
}
VIEW_TYPES = (SignalType.PAGE_VIEW, SignalType.JOB_VIEWED)


@dataclass(frozen=True)
class SignalEvent:
    """One signal before it is stored: the type, what it is about and by which way it came."""

    type: str
    content_kind: str = ""
    content_id: int | None = None
    channel: str = ""
    count: int = 1


def _month(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date().replace(day=1)


def page_kinds(*, page_ids: Iterable[int]) -> dict[int, str]:
    """The kind of content of each live page among `page_ids` (unknown or unpublished ids drop)."""
    rows = Page.objects.filter(pk__in=set(page_ids), live=True).values_list(
        "pk", "content_type__model"
    )
    return {pk: PAGE_KINDS.get(model, ContentKind.PAGE) for pk, model in rows}


def signals_store(
    *, alumnus: Alumnus, events: list[SignalEvent], at: dt.datetime | None = None
) -> int:
    """Store `events` of `alumnus`: as their signals when they agreed to analysis (read afresh
    from the request, so a withdrawal counts at the next request); otherwise page views only
    add to the anonymous per-page count and everything else is dropped. How many were stored
    as the person's signals."""
    at = at or timezone.now()
    if not alumnus.consent_analytics:
        _anonymous_views_count(events=events, day=timezone.localtime(at).date())
        return 0
    events = _without_repeated_opens(alumnus=alumnus, events=events, at=at)
    if not events:
        return 0
    monthly: Counter[str] = Counter()
    rows: list[Signal] = []
    with transaction.atomic():
        for event in events:
            monthly[MONTHLY_TYPE_FIELDS[event.type]] += event.count
            if event.type in MONTHLY_VIEW_TYPES:
                monthly[MONTHLY_VIEW_FIELDS.get(event.content_kind, "views_page")] += event.count
            if event.type == SignalType.CHAT_ACTIVE and _chat_day_add(
                alumnus=alumnus, count=event.count, at=at
            ):
                continue
            rows.append(
                Signal(
                    alumnus=alumnus,
                    type=event.type,
                    content_kind=event.content_kind,
                    content_id=event.content_id,
                    channel=event.channel,
                    count=event.count,
                    occurred_at=at,
                )
            )
        Signal.objects.bulk_create(rows)
        _monthly_add(alumnus=alumnus, month=_month(at), counts=monthly)
    return len(events)


def _monthly_add(*, alumnus: Alumnus, month: dt.date, counts: Counter[str]) -> None:
    """Add `counts` ({column: n}) to the person's row of the month, creating it when missing;
    one UPDATE in the usual case, and safe when two requests create the row at once."""
    increments = {field: F(field) + count for field, count in counts.items()}
    rows = SignalMonthly.objects.filter(alumnus=alumnus, month=month)
    if rows.update(**increments):
        return
    try:
        with transaction.atomic():
            SignalMonthly.objects.create(alumnus=alumnus, month=month, **counts)
    except IntegrityError:  # another request created it in between: add to theirs
        rows.update(**increments)


def _anonymous_views_count(*, events: list[SignalEvent], day: dt.date) -> None:
    """Add the views of someone who did not agree to analysis to the day's per-page counts: one
    UPDATE per page in the usual case, and safe when two requests create a row at once."""
    views: Counter[tuple[str, int]] = Counter(
        (event.content_kind, event.content_id)
        for event in events
        if event.type in VIEW_TYPES and event.content_id is not None
    )
    for (kind, content_id), count in sorted(views.items()):
        rows = PageViewCount.objects.filter(day=day, content_kind=kind, content_id=content_id)
        if rows.update(count=F("count") + count):
            continue
        try:
            with transaction.atomic():
                PageViewCount.objects.create(
                    day=day, content_kind=kind, content_id=content_id, count=count
                )
        except IntegrityError:  # another request created it in between: add to theirs
            rows.update(count=F("count") + count)


def _without_repeated_opens(
    *, alumnus: Alumnus, events: list[SignalEvent], at: dt.datetime
) -> list[SignalEvent]:
    """A notice opened from a notification is reported by the service worker and again by the
    page it opens: one open per notice, channel and day."""
    opens = [event for event in events if event.type == SignalType.NOTICE_OPENED]
    if not opens:
        return events
    day_start = timezone.localtime(at).replace(hour=0, minute=0, second=0, microsecond=0)
    seen = set(
        Signal.objects.filter(
            alumnus=alumnus,
            type=SignalType.NOTICE_OPENED,
            occurred_at__gte=day_start,
            content_id__in={event.content_id for event in opens},
        ).values_list("content_id", "channel")
    )
    kept: list[SignalEvent] = []
    for event in events:
        if event.type == SignalType.NOTICE_OPENED:
            if (event.content_id, event.channel) in seen:
                continue
            seen.add((event.content_id, event.channel))
        kept.append(event)
    return kept


def _chat_day_add(*, alumnus: Alumnus, count: int, at: dt.datetime) -> bool:
    """Add to today's chat_active row of the person, if there is one."""
    day_start = timezone.localtime(at).replace(hour=0, minute=0, second=0, microsecond=0)
    row = (
        Signal.objects.select_for_update()
        .filter(alumnus=alumnus, type=SignalType.CHAT_ACTIVE, occurred_at__gte=day_start)
        .first()
    )
    if row is None:
        return False
    row.count += count
    row.save(update_fields=["count"])
    return True


def signal_record(
    *,
    alumnus: Alumnus,
    type: str,
    content_kind: str = "",
    content_id: int | None = None,
    channel: str = "",
    count: int = 1,
) -> bool:
    """Record one signal the server itself observed (a login, a survey answered, a chat post),
    only if the person agreed to analysis. Whether it was stored.

    Other domains call this one line where the thing happens, e.g. the survey engine after an
    answer is saved: `signal_record(alumnus=a, type=SignalType.SURVEY_ANSWERED,
    content_kind=ContentKind.SURVEY, content_id=survey_page.pk)`."""
    if type not in SignalType.values:
        raise ValueError(f"unknown signal type {type!r}")
    event = SignalEvent(
        type=type, content_kind=content_kind, content_id=content_id, channel=channel, count=count
    )
    return signals_store(alumnus=alumnus, events=[event]) > 0


def signals_erase(*, alumnus: Alumnus) -> int:
    """Delete every signal and monthly count of the person; how many signals went."""
    with transaction.atomic():
        SignalMonthly.objects.filter(alumnus=alumnus).delete()
        deleted, _ = Signal.objects.filter(alumnus=alumnus).delete()
    return deleted


def analysis_consent_set(*, alumnus: Alumnus, given: bool) -> Alumnus:
    """Agree to analysis, or stop it: stopping deletes what was recorded, in the same step."""
    with transaction.atomic():
        alumnus.consent_analytics = given
        alumnus.save(update_fields=["consent_analytics"])
        if not given:
            signals_erase(alumnus=alumnus)
            for config in apps.get_app_configs():  # what other domains derived (the estimate)
                stopped = getattr(config, "analysis_stopped", None)
                if stopped is not None:
                    stopped(alumnus=alumnus)
    return alumnus


def signals_purge(*, now: dt.datetime | None = None) -> int:
    """Delete raw signals older than `SIGNALS_RETENTION_MONTHS` (the monthly counts stay)."""
    now = now or timezone.now()
    months = settings.SIGNALS_RETENTION_MONTHS
    local = timezone.localtime(now)
    year, month = divmod(local.year * 12 + local.month - 1 - months, 12)
    try:
        cutoff = local.replace(year=year, month=month + 1)
    except ValueError:  # the 31st in a shorter month
        cutoff = local.replace(year=year, month=month + 1, day=28)
    deleted, _ = Signal.objects.filter(occurred_at__lt=cutoff).delete()
    return deleted


def signals_ingest(*, alumnus: Alumnus, items: list[dict[str, object]]) -> int:
    """A beacon's batch (`{"type", "id", "channel"}` items, already checked for shape): each page
    is looked up, so only live pages count and the kind of content comes from the page itself
    (a view of a job posting is a job_viewed). A notice opened from a notification or a mail
    also marks its delivery opened. How many were stored as the person's signals."""
    from cms.push.services import delivery_open_record

    kinds = page_kinds(page_ids=[int(str(item["id"])) for item in items])
    events: list[SignalEvent] = []
    for item in items:
        page_id = int(str(item["id"]))
        kind = kinds.get(page_id)
        if kind is None:
            continue  # unpublished or deleted since the page was loaded
        if item["type"] == SignalType.NOTICE_OPENED:
            if kind != ContentKind.NOTICE:
                continue
            channel = str(item.get("channel", ""))
            delivery_open_record(alumnus=alumnus, item_id=page_id, channel=channel)
            events.append(
                SignalEvent(
                    type=SignalType.NOTICE_OPENED,
                    content_kind=kind,
                    content_id=page_id,
                    channel=channel,
                )
            )
        else:
            kind_type = SignalType.JOB_VIEWED if kind == ContentKind.JOB else SignalType.PAGE_VIEW
            events.append(SignalEvent(type=kind_type, content_kind=kind, content_id=page_id))
    return signals_store(alumnus=alumnus, events=events)
