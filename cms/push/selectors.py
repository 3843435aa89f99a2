"""Reads of the push domain: the VAPID key, who a notice reaches by which channel, delivery
figures of each item (a notice, a survey) for the monitor."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from wagtail.models import Page

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.content.models import NoticePage, Visibility

from .models import Channel, Delivery, DeliveryStatus, VapidKey

if TYPE_CHECKING:
    from cms.groups.models import AudienceGroup


def vapid_key_current() -> VapidKey | None:
    return VapidKey.objects.order_by("-created_at").first()


# --- who a notice reaches, and how: one rule for the fan-out and the editor's preview -----------


def alumni_reachable_by_push(*, alumni: QuerySet[Alumnus]) -> QuerySet[Alumnus]:
    """Those of `alumni` a push is sent to: they allowed push and have a subscribed device."""
    return alumni.filter(consent_push=True, push_subscriptions__isnull=False).distinct()


def alumni_reachable_by_email(*, alumni: QuerySet[Alumnus]) -> QuerySet[Alumnus]:
    """Those of `alumni` a mail may be sent to (the fan-out mails those push did not reach)."""
    return alumni.filter(consent_email=True)


@dataclass(frozen=True)
class NoticeReach:
    """How many alumni a notice is for, and by which channel its fan-out will reach them."""

    audience: int
    push: int
    email: int
    unreachable: int


def notice_reach(*, visibility: str, audience_groups: Iterable["AudienceGroup"]) -> NoticeReach:
    """The plan of a notice's fan-out, for choices not saved yet: push first, mail for the rest
    who allow it, nobody else (a push that fails falls back to mail when it is sent)."""
    from cms.groups.selectors import notice_audience_for

    audience = notice_audience_for(visibility=visibility, audience_groups=audience_groups)
    by_push = alumni_reachable_by_push(alumni=audience)
    total = audience.count()
    push = by_push.count()
    email = alumni_reachable_by_email(alumni=audience).exclude(pk__in=by_push.values("pk")).count()
    return NoticeReach(audience=total, push=push, email=email, unreachable=total - push - email)


@dataclass(frozen=True)
class ChannelState:
    """One channel of one notice as HR reads it: sent, failed, being retried, stuck, and why."""

    channel: str
    label: str
    sent: int
    failed: int
    retrying: int
    stuck: int
    reasons: list[tuple[str, int]]


def item_channel_states(*, item: Page) -> list[ChannelState]:
    """Per channel of `item` (a notice, a survey; every reason): 送信済み, 失敗, 再送待ち or 送信中 within its lease, and 停止
    (送信中 past its lease: its worker died; the sweeper hands it on), with the reasons."""
    return items_channel_states(item_ids=[item.pk]).get(item.pk, [])


def items_channel_states(*, item_ids: list[int]) -> dict[int, list[ChannelState]]:
    """`item_channel_states` of many items at once: two grouped queries for all of them."""
    now = timezone.now()
    stuck = Q(status=DeliveryStatus.SENDING) & (
        Q(claimed_until__lt=now) | Q(claimed_until__isnull=True)
    )
    rows = (
        Delivery.objects.filter(item_id__in=item_ids)
        .values("item_id", "channel")
        .annotate(
            sent=Count("pk", filter=Q(status=DeliveryStatus.SENT)),
            failed=Count(
                "pk", filter=Q(status__in=[DeliveryStatus.FAILED, DeliveryStatus.EXPIRED])
            ),
            retrying=Count(
                "pk",
                filter=Q(status__in=[DeliveryStatus.RETRY, DeliveryStatus.PENDING])
                | (Q(status=DeliveryStatus.SENDING) & ~stuck),
            ),
            stuck=Count("pk", filter=stuck),
        )
        .order_by("item_id", "channel")
    )
    reasons: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for item_id, channel, reason, count in (
        Delivery.objects.filter(item_id__in=item_ids)
        .exclude(status=DeliveryStatus.SENT)
        .exclude(last_error="")
        .values_list("item_id", "channel", "last_error")
        .annotate(n=Count("pk"))
        .order_by("item_id", "channel", "-n", "last_error")
    ):
        reasons.setdefault((item_id, channel), []).append((reason, count))
    labels = dict(Channel.choices)
    states: dict[int, list[ChannelState]] = {}
    for row in rows:
        states.setdefault(row["item_id"], []).append(
            ChannelState(
                channel=row["channel"],
                label=str(labels.get(row["channel"], row["channel"])),
                sent=row["sent"],
                failed=row["failed"],
                retrying=row["retrying"],
                stuck=row["stuck"],
                reasons=reasons.get((row["item_id"], row["channel"]), [])[:3],
            )
        )
    return states


@dataclass(frozen=True)
class NoticeDeliveryFigures:
    notice: NoticePage
    audience: int
    pushes_sent: int
    pushes_failed: int
    pushes_expired: int
    emails_sent: int
    digests_sent: int
    opens: int
    reached: int
    channels: list[ChannelState]


def notice_delivery_figures(*, notices: Iterable[NoticePage]) -> list[NoticeDeliveryFigures]:
    """Per notice: who it was meant for and how it reached them (the delivery monitor). The
    deliveries of all the notices in one grouped query (and two for the channel states); the
    audience counted once for the notices for everybody, once per group notice."""
    from cms.groups.selectors import notice_audience

    shown = list(notices)
    ids = [notice.pk for notice in shown]
    sent = Q(status=DeliveryStatus.SENT)
    figures: dict[int, dict[str, Any]] = {
        row["item_id"]: dict(row)
        for row in Delivery.objects.filter(item_id__in=ids)
        .values("item_id")
        .annotate(
            pushes_sent=Sum("pushes_sent", filter=Q(channel=Channel.PUSH)),
            pushes_failed=Sum("pushes_failed", filter=Q(channel=Channel.PUSH)),
            pushes_expired=Sum("pushes_expired", filter=Q(channel=Channel.PUSH)),
            emails_sent=Count("pk", filter=sent & Q(channel=Channel.EMAIL)),
            digests_sent=Count("pk", filter=sent & Q(channel=Channel.DIGEST)),
            opens=Count("alumnus", filter=Q(opened_at__isnull=False), distinct=True),
            reached=Count("alumnus", filter=sent, distinct=True),
        )
        .order_by()
    }
    states = items_channel_states(item_ids=ids)
    everybody: int | None = None
    rows = []
    for notice in shown:
        if notice.visibility == Visibility.GROUPS:
            audience = notice_audience(notice=notice).count()
        else:
            if everybody is None:
                everybody = notice_audience(notice=notice).count()
            audience = everybody
        row: dict[str, Any] = figures.get(notice.pk, {})
        rows.append(
            NoticeDeliveryFigures(
                notice=notice,
                audience=audience,
                pushes_sent=row.get("pushes_sent") or 0,
                pushes_failed=row.get("pushes_failed") or 0,
                pushes_expired=row.get("pushes_expired") or 0,
                emails_sent=row.get("emails_sent") or 0,
                digests_sent=row.get("digests_sent") or 0,
                opens=row.get("opens") or 0,
                reached=row.get("reached") or 0,
                channels=states.get(notice.pk, []),
            )
        )
    return rows


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of `month` and of the month after, in the site's time zone."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=timezone.get_current_timezone())
    nxt = dt.datetime(
        month.year + (month.month == 12),
        month.month % 12 + 1,
        1,
        tzinfo=timezone.get_current_timezone(),
    )
    return start, nxt


def alumni_under_reached(*, month: dt.date) -> QuerySet[Alumnus]:
    """Active alumni who received fewer than one item in `month` (by any channel): those with
    no delivery sent in the month (read from the month's deliveries by their sending time)."""
    start, end = month_bounds(month)
    received = Delivery.objects.filter(
        status=DeliveryStatus.SENT, sent_at__gte=start, sent_at__lt=end
    ).values("alumnus_id")
    return Alumnus.objects.filter(status=AlumnusStatus.ACTIVE).exclude(pk__in=received)


# --- the delivery monitor's drill-down (who received what) -----------------------------------


def alumni_search_for_delivery(*, query: str) -> QuerySet[Alumnus]:
    """Alumni whose name (kanji or kana, family and given, or both with a space) or email
    contains `query`; nobody for an empty query."""
    words = query.split()
    if not words:
        return Alumnus.objects.none()
    matches = Q()
    for word in words:
        matches &= (
            Q(family_name__icontains=word)
            | Q(given_name__icontains=word)
            | Q(family_name_kana__icontains=word)
            | Q(given_name_kana__icontains=word)
            | Q(email__icontains=word)
        )
    return Alumnus.objects.filter(matches).order_by("family_name_kana", "given_name_kana", "pk")


def deliveries_of_alumnus(*, alumnus: Alumnus) -> QuerySet[Delivery]:
    """Every item that was meant to reach `alumnus`, by channel, newest first."""
    return (
        Delivery.objects.filter(alumnus=alumnus)
        .select_related("item")
        .order_by("-created_at", "-pk")
    )


def deliveries_of_item(*, item: Page) -> QuerySet[Delivery]:
    """Who `item` (a notice, a survey) was sent to, by which channel, for which reason and with
    what result, by name."""
    return (
        Delivery.objects.filter(item=item)
        .select_related("alumnus")
        .order_by(
            "alumnus__family_name_kana",
            "alumnus__given_name_kana",
            "alumnus_id",
            "reason",
            "channel",
        )
    )


def digest_last_sent() -> dt.datetime | None:
    """When the monthly digest last reached someone (None before the first one)."""
    latest = (
        Delivery.objects.filter(channel=Channel.DIGEST, status=DeliveryStatus.SENT)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return latest


# --- workers that stopped taking tasks ---------------------------------------------------------


@dataclass(frozen=True)
class StalledQueue:
    """A task queue whose oldest task ready to run has waited longer than it should."""

    queue: str
    waiting_since: dt.datetime

    def message(self, *, now: dt.datetime) -> str:
        minutes = int((now - self.waiting_since).total_seconds() // 60)
        return (
            f"配信の処理が止まっています（キュー: {self.queue}、"
            f"最も古い待ちタスク: {minutes}分前）。"
            "ワーカーが動いているかシステム担当者に確認してください。"
        )


def task_queues_stalled(*, now: dt.datetime | None = None) -> list[StalledQueue]:
    """Queues whose oldest ready task (due since it was queued, or since its `run_after`) has
    waited more than TASK_STALLED_MINUTES: no worker has taken a task for that long."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    limit = now - dt.timedelta(minutes=settings.TASK_STALLED_MINUTES)
    never = get_date_max()
    ready = DBTaskResult.objects.ready()
    stalled = []
    for queue in settings.TASK_QUEUES:
        waiting = ready.filter(queue_name=queue)
        since = [
            waiting.filter(run_after=never, enqueued_at__lt=limit)
            .order_by("enqueued_at")
            .values_list("enqueued_at", flat=True)
            .first(),
            waiting.filter(run_after__lt=limit)
            .order_by("run_after")
            .values_list("run_after", flat=True)
            .first(),
        ]
        oldest = min((at for at in since if at is not None), default=None)
        if oldest is not None:
            stalled.append(StalledQueue(queue=queue, waiting_since=oldest))
    return stalled
