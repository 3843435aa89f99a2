"""The delivery monitor's figures from grouped counts: each group notice's audience is the
members of its groups (all the audiences in one aggregate, the same queries for one group
notice or three), a person reached twice counts once, and a delivery left 送信中 past its lease
counts as 停止, one within it as 再送待ち・送信中."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.content.models import NoticePage, Visibility
from cms.groups.selectors import notice_audience
from cms.push.items import DeliveryReason
from cms.push.models import Channel, Delivery, DeliveryStatus
from cms.push.selectors import notice_delivery_figures
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory

pytestmark = pytest.mark.django_db

Publish = Callable[..., NoticePage]


def _group_notice(publish: Publish, n: int, **rules: str) -> NoticePage:
    notice = publish(
        title=f"グループ {n}", slug=f"g{n}", notify_alumni=False, visibility=Visibility.GROUPS
    )
    notice.audience_groups.set([AudienceGroupFactory(name=f"グループ {n}", **rules)])
    return notice


def test_each_group_notice_counts_the_members_of_its_groups(publish: Publish) -> None:
    for region in ("石巻市", "石巻市", "大崎市", "東京都"):
        AlumnusFactory(current_region=region)
    ishinomaki = _group_notice(publish, 1, regions="石巻市")
    osaki = _group_notice(publish, 2, regions="大崎市")
    everybody = publish(title="全員", slug="all", notify_alumni=False)

    figures = notice_delivery_figures(notices=[ishinomaki, osaki, everybody])

    assert [row.audience for row in figures] == [2, 1, 4]
    assert [row.audience for row in figures] == [
        notice_audience(notice=notice).count() for notice in (ishinomaki, osaki, everybody)
    ]


def test_the_monitor_runs_the_same_queries_for_one_group_notice_or_three(
    publish: Publish, admin_client: Client
) -> None:
    AlumnusFactory(current_region="石巻市")
    counts = []
    for n in range(1, 4):
        _group_notice(publish, n, regions="石巻市")
        if n == 2:
            continue
        admin_client.get("/admin/delivery-monitor/")
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/admin/delivery-monitor/").status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_a_person_reached_twice_counts_once_and_stuck_sends_are_told_apart(
    publish: Publish,
) -> None:
    notice = publish(title="お知らせ", slug="n", notify_alumni=False)
    twice, once, stuck, sending = (AlumnusFactory() for _ in range(4))
    now = timezone.now()
    rows = [
        (twice, Channel.PUSH, DeliveryReason.PUBLISHED, DeliveryStatus.SENT, None),
        (twice, Channel.DIGEST, DeliveryReason.PUBLISHED, DeliveryStatus.SENT, None),
        (once, Channel.EMAIL, DeliveryReason.PUBLISHED, DeliveryStatus.SENT, None),
        (stuck, Channel.EMAIL, DeliveryReason.PUBLISHED, DeliveryStatus.SENDING, now),
        (sending, Channel.EMAIL, DeliveryReason.PUBLISHED, DeliveryStatus.SENDING, None),
    ]
    Delivery.objects.bulk_create(
        Delivery(
            item=notice,
            alumnus=alumnus,
            channel=channel,
            reason=reason,
            status=status,
            sent_at=now if status == DeliveryStatus.SENT else None,
            claimed_until=(
                now - dt.timedelta(minutes=5)
                if lease
                else (now + dt.timedelta(minutes=5) if status == DeliveryStatus.SENDING else None)
            ),
            pushes_sent=int(channel == Channel.PUSH),
        )
        for alumnus, channel, reason, status, lease in rows
    )

    [row] = notice_delivery_figures(notices=[notice])

    assert (row.reached, row.pushes_sent, row.emails_sent, row.digests_sent) == (2, 1, 1, 1)
    email = next(state for state in row.channels if state.channel == Channel.EMAIL)
    assert (email.sent, email.retrying, email.stuck) == (1, 1, 1)
