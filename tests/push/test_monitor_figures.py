"""The delivery monitor's figures from grouped counts: each group notice's audience is the
members of its groups (all the audiences in one aggregate, the same queries for one group
notice or three), a person reached twice counts once, and a delivery left 送信中 past its lease
counts as 停止, one within it as 再送待ち・送信中."""

import datetime as dt
import re
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
from cms.push.selectors import alumni_under_reached, month_bounds, notice_delivery_figures
from tests.alumni.factories import RosterEntryFactory
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


def test_overlapping_groups_count_each_member_once_and_every_audience_matches_its_rule(
    publish: Publish,
) -> None:
    """The audiences come from one grouped count of membership patterns: a member of both
    groups of a notice counts once, a rule on an empty field (no retirement date) counts
    nobody, a hand-picked person counts, an alumnus not active counts nowhere, and a group
    read from HR's roster leaves those without a roster entry in the other audiences."""
    both = AlumnusFactory(interests=["防災", "観光"], current_region="石巻市")
    AlumnusFactory(interests=["防災"], current_region="仙台市")
    AlumnusFactory(interests=["観光"], current_region="石巻市", retired_on=None)
    picked = AlumnusFactory(interests=[], current_region="大崎市", retired_on=None)
    AlumnusFactory(interests=["防災"], current_region="石巻市", status="suspended")
    bousai = AudienceGroupFactory(name="防災", interests="防災")
    ishinomaki = AudienceGroupFactory(name="石巻", regions="石巻市")
    retired = AudienceGroupFactory(name="2020年以降退職", retired_from_year=2020)
    retired.members.add(picked)
    on_roster = AlumnusFactory(
        interests=[],
        current_region="大崎市",
        roster_entry=RosterEntryFactory(former_department="土木部"),
    )
    roster = AudienceGroupFactory(
        name="名簿で土木部", former_departments="土木部", hr_verified_only=True
    )
    notices = [
        publish(title=title, slug=slug, notify_alumni=False, visibility=visibility)
        for title, slug, visibility in (
            ("防災か石巻", "a", Visibility.GROUPS),
            ("石巻", "b", Visibility.GROUPS),
            ("退職年", "c", Visibility.GROUPS),
            ("グループなし", "d", Visibility.GROUPS),
            ("会員", "e", Visibility.MEMBERS),
            ("名簿で土木部", "f", Visibility.GROUPS),
        )
    ]
    notices[0].audience_groups.set([bousai, ishinomaki])
    notices[1].audience_groups.set([ishinomaki])
    notices[2].audience_groups.set([retired])
    notices[5].audience_groups.set([roster])
    assert both in notice_audience(notice=notices[0])
    assert list(notice_audience(notice=notices[5])) == [on_roster]

    figures = notice_delivery_figures(notices=notices)

    # 防災 or 石巻: three of the five active; 石巻: two; retired since 2020: the three with a
    # date (the factory's 2022) and the picked one without; no group: nobody; members: all
    # five; 土木部 on the roster: the one with a roster entry.
    assert [row.audience for row in figures] == [3, 2, 4, 0, 5, 1]
    assert [row.audience for row in figures] == [
        notice_audience(notice=notice).count() for notice in notices
    ]


def test_the_under_reached_are_those_of_the_month_asked_for(
    publish: Publish, admin_client: Client
) -> None:
    """Received nothing in the month shown: this month's by default, another on asking, with
    the people its listing gives."""
    notice = _group_notice(publish, 1, regions="石巻市")
    now = timezone.now()
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    in_last_month = month_bounds(last_month)[0] + dt.timedelta(days=1)
    this_month_only, last_month_only, also_last_month_only, never = (
        AlumnusFactory() for _ in range(4)
    )
    AlumnusFactory(status="suspended")
    Delivery.objects.bulk_create(
        Delivery(
            item=notice, alumnus=alumnus, channel=Channel.EMAIL, status=status, sent_at=sent_at
        )
        for alumnus, status, sent_at in (
            (this_month_only, DeliveryStatus.SENT, now),
            (last_month_only, DeliveryStatus.SENT, in_last_month),
            (also_last_month_only, DeliveryStatus.SENT, in_last_month),
            (never, DeliveryStatus.FAILED, None),
        )
    )

    for query, expected in (({}, 3), ({"month": f"{last_month:%Y-%m}"}, 2)):
        html = admin_client.get("/admin/delivery-monitor/", query).content.decode()
        under = html[html.index("data-under-reached") :]
        assert f"{expected} 人（一覧を見る）" in under
    assert set(alumni_under_reached(month=last_month)) == {this_month_only, never}


def test_a_group_named_by_several_notices_is_evaluated_once_per_person(
    publish: Publish,
) -> None:
    """The audiences' query reads each group's rule once, however many notices name the group
    (the interest rule is a JSON read per position: evaluated per notice it was most of the
    monitor's time at 100,000 alumni)."""
    AlumnusFactory(interests=["防災"])
    bousai = AudienceGroupFactory(name="防災", interests="防災")
    notices = [_group_notice(publish, n, regions="石巻市") for n in range(1, 4)]
    for notice in notices:
        notice.audience_groups.add(bousai)

    with CaptureQueriesContext(connection) as queries:
        figures = notice_delivery_figures(notices=notices)

    assert [row.audience for row in figures] == [1, 1, 1]
    [audiences] = [q["sql"] for q in queries if 'FROM "alumni_alumnus"' in q["sql"]]
    # The hand-picked members' subquery stands for one evaluation of the group.
    assert len(re.findall(rf'"audiencegroup_id" = {bousai.pk}\b', audiences)) == 1
