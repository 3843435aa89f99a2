"""Reads of the push domain: the VAPID key, who a notice reaches by which channel, delivery
figures of each item (a notice, a survey) for the monitor."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
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


def push_reaches_anybody() -> bool:
    """Whether a push can reach any active alumnus now. A device is registered only by its
    owner, in the app (a fresh demo has none): without any, every notice goes by mail, and the
    monitor says why it shows no push. A probe per alumnus (EXISTS, which PostgreSQL turns
    into a semi-join that stops at the first): the rule's join with DISTINCT, even with a
    LIMIT, hashed all the alumni first (0.25 s at 100,000, against 0.05 ms)."""
    reachable = alumni_reachable_by_push(alumni=Alumnus.objects.filter(pk=OuterRef("pk")))
    return Alumnus.objects.filter(status=AlumnusStatus.ACTIVE).filter(Exists(reachable)).exists()


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


def _status_counts(item_ids: list[int]) -> list[dict[str, Any]]:
    """The deliveries of `item_ids` counted by item, channel and state in one grouped query,
    read from the index on those three columns that carries what is summed
    (`delivery_item_state_idx`): the monitor's per-notice figures and per-channel states
    both come from these few hundred rows."""
    rows: Iterable[Any] = (
        Delivery.objects.filter(item_id__in=item_ids)
        .values("item_id", "channel", "status")
        .annotate(
            n=Count("*"),
            within_lease=Count("claimed_until", filter=Q(claimed_until__gte=timezone.now())),
            pushes_sent=Sum("pushes_sent"),
            pushes_failed=Sum("pushes_failed"),
            pushes_expired=Sum("pushes_expired"),
        )
        .order_by()
    )
    return [dict(row) for row in rows]


def items_channel_states(
    *, item_ids: list[int], counts: list[dict[str, Any]] | None = None
) -> dict[int, list[ChannelState]]:
    """`item_channel_states` of many items at once: the grouped counts (given, or read in one
    query) and one grouped query for the reasons of what did not go."""
    tally: dict[tuple[int, str], dict[str, int]] = {}
    for row in _status_counts(item_ids) if counts is None else counts:
        state = tally.setdefault(
            (row["item_id"], row["channel"]), {"sent": 0, "failed": 0, "retrying": 0, "stuck": 0}
        )
        status, n = row["status"], row["n"]
        if status == DeliveryStatus.SENT:
            state["sent"] += n
        elif status in (DeliveryStatus.FAILED, DeliveryStatus.EXPIRED):
            state["failed"] += n
        elif status in (DeliveryStatus.RETRY, DeliveryStatus.PENDING):
            state["retrying"] += n
        elif status == DeliveryStatus.SENDING:
            state["retrying"] += row["within_lease"]
            state["stuck"] += n - row["within_lease"]
    reasons: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for item_id, channel, reason, count in (
        Delivery.objects.filter(item_id__in=item_ids)
        .exclude(status=DeliveryStatus.SENT)
        .exclude(last_error="")
        .values_list("item_id", "channel", "last_error")
        .annotate(n=Count("*"))
        .order_by("item_id", "channel", "-n", "last_error")
    ):
        reasons.setdefault((item_id, channel), []).append((reason, count))
    labels = dict(Channel.choices)
    states: dict[int, list[ChannelState]] = {}
    for (item_id, channel), state in sorted(tally.items()):
        states.setdefault(item_id, []).append(
            ChannelState(
                channel=channel,
                label=str(labels.get(channel, channel)),
                reasons=reasons.get((item_id, channel), [])[:3],
                **state,
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


def _people_per_item(deliveries: QuerySet[Delivery]) -> dict[int, int]:
    """How many different alumni `deliveries` (already narrowed to what a partial index on
    item and alumnus holds) reach per item."""
    return dict(
        deliveries.values("item_id")
        .annotate(people=Count("alumnus_id", distinct=True))
        .values_list("item_id", "people")
        .order_by()
    )


def notices_audience_counts(*, notices: list[NoticePage]) -> dict[int, int]:
    """How many active alumni each of `notices` is for (everybody for a notice to all, the
    members of its groups for a group notice), from one grouped query over the active alumni.

    Each audience group the notices name is evaluated once per alumnus, as a flag the query
    groups by: the rows are the membership patterns that occur, with how many alumni have
    each, and a notice's audience is the sum of the patterns in any of its groups. (A filtered
    count per notice evaluated a group once per notice naming it, and an interest rule costs
    a JSON read per position each time.) The patterns number at most 2 ** groups, and never
    more than the alumni. The notices' groups should be prefetched.

    The month's "received nothing" is not a flag here: in a grouped query it is a probe per
    alumnus, where its own query is a hash anti-join over the month's deliveries (at 100,000
    alumni, 1.5 s for the query with the flag against 0.9 s for the two apart, same load)."""
    from cms.groups.selectors import audience_group_filter

    today = timezone.localdate()
    groups = {
        group.pk: group
        for notice in notices
        if notice.visibility == Visibility.GROUPS
        for group in notice.audience_groups.all()
    }
    flags = {
        f"in_{pk}": ExpressionWrapper(
            audience_group_filter(group=group, today=today), output_field=BooleanField()
        )
        for pk, group in groups.items()
    }
    active = Alumnus.objects.filter(status=AlumnusStatus.ACTIVE)
    # values() without a flag would select every column (a row per alumnus): count instead.
    grouped: Iterable[Any] = active.values(**flags).annotate(alumni=Count("pk")).order_by()
    patterns = [dict(row) for row in grouped] if flags else [{"alumni": active.count()}]
    everybody = sum(row["alumni"] for row in patterns)

    def members(notice: NoticePage) -> int:
        keys = [f"in_{group.pk}" for group in notice.audience_groups.all()]
        # A flag is NULL for a rule on an empty field (no retirement date): not a member.
        return sum(row["alumni"] for row in patterns if any(row[key] for key in keys))

    return {
        notice.pk: members(notice) if notice.visibility == Visibility.GROUPS else everybody
        for notice in notices
    }


def notice_delivery_figures(*, notices: Iterable[NoticePage]) -> list[NoticeDeliveryFigures]:
    """Per notice: who it was meant for and how it reached them (the delivery monitor), in a
    fixed number of grouped queries for all the notices whatever the number of alumni: the
    deliveries counted by item, channel and state; the different people reached and who
    opened, each from a partial index; the reasons of failures; the audiences in one
    grouped query over the alumni."""
    from django.db.models import prefetch_related_objects

    shown = list(notices)
    prefetch_related_objects(shown, "audience_groups")
    ids = [notice.pk for notice in shown]
    counts = _status_counts(ids)
    figures: dict[int, dict[str, int]] = {}
    for row in counts:
        figure = figures.setdefault(row["item_id"], dict.fromkeys(_SUMMED, 0))
        if row["channel"] == Channel.PUSH:
            for key in ("pushes_sent", "pushes_failed", "pushes_expired"):
                figure[key] += row[key] or 0
        if row["status"] == DeliveryStatus.SENT and row["channel"] == Channel.EMAIL:
            figure["emails_sent"] += row["n"]
        if row["status"] == DeliveryStatus.SENT and row["channel"] == Channel.DIGEST:
            figure["digests_sent"] += row["n"]
    in_shown = Delivery.objects.filter(item_id__in=ids)
    reached = _people_per_item(in_shown.filter(status=DeliveryStatus.SENT))
    opens = _people_per_item(in_shown.filter(opened_at__isnull=False))
    states = items_channel_states(item_ids=ids, counts=counts)
    audience = notices_audience_counts(notices=shown)
    return [
        NoticeDeliveryFigures(
            notice=notice,
            audience=audience[notice.pk],
            **figures.get(notice.pk, dict.fromkeys(_SUMMED, 0)),
            opens=opens.get(notice.pk, 0),
            reached=reached.get(notice.pk, 0),
            channels=states.get(notice.pk, []),
        )
        for notice in shown
    ]


_SUMMED = ("pushes_sent", "pushes_failed", "pushes_expired", "emails_sent", "digests_sent")


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
    # NOT EXISTS (an anti-join), not NOT IN: a month's recipients at 100,000 alumni do not fit
    # the hash PostgreSQL builds for NOT IN, which then rescans them for every alumnus.
    received = Delivery.objects.filter(
        alumnus=OuterRef("pk"), status=DeliveryStatus.SENT, sent_at__gte=start, sent_at__lt=end
    )
    return Alumnus.objects.filter(status=AlumnusStatus.ACTIVE).exclude(Exists(received))


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
