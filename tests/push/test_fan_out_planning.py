"""Planning a fan-out streams the audience's ids into multi-row inserts of one chunk each: every
member gets one delivery, claimed at once, and the planning runs one INSERT per chunk and a fixed
number of other queries, whatever the size of the audience."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.content.models import NoticePage
from cms.groups.selectors import notice_audience
from cms.push import services
from cms.push.items import DeliveryReason
from cms.push.models import Channel, Delivery, DeliveryStatus, PushSubscription, VapidKey
from cms.push.services import FanOutReport, _push_phase, _Target
from tests.fixtures.push_service import TestSubscription
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db

CHUNK = 4


def _planned(notice: NoticePage, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """The push phase's planning alone (nothing to send: the sender is stubbed to no messages):
    the INSERT statements and the other statements it ran."""
    monkeypatch.setattr(services, "CLAIM_CHUNK", CHUNK)
    monkeypatch.setattr(services, "_push_send_recorded", lambda **_: None)
    target = _Target(
        page=notice,
        reason=DeliveryReason.PUBLISHED,
        message=notice.delivery_message(DeliveryReason.PUBLISHED),
    )
    with CaptureQueriesContext(connection) as queries:
        _push_phase(
            target=target,
            audience=notice_audience(notice=notice),
            report=FanOutReport(),
        )
    inserts = sum(q["sql"].lstrip().upper().startswith("INSERT") for q in queries)
    return inserts, len(queries) - inserts


def test_planning_inserts_one_chunk_per_statement_and_otherwise_fixed_queries(
    publish: Callable[..., NoticePage],
    subscribe: Callable[..., TestSubscription],
    vapid_key: VapidKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    figures = []
    for size in (3, 3 * CHUNK + 1):
        while PushSubscription.objects.count() < size:
            subscribe(AlumnusFactory(consent_push=True))
        notice = publish(title=f"お知らせ {size}", slug=f"plan-{size}", notify_alumni=False)
        figures.append(_planned(notice, monkeypatch))
        planned = Delivery.objects.filter(item=notice, channel=Channel.PUSH)
        subscribed = PushSubscription.objects.values_list("alumnus_id", flat=True)
        assert sorted(planned.values_list("alumnus_id", flat=True)) == sorted(subscribed)

    (small_inserts, small_other), (large_inserts, large_other) = figures
    assert (small_inserts, large_inserts) == (1, 4)
    assert small_other == large_other


def test_planned_deliveries_are_claimed_for_sending(
    publish: Callable[..., NoticePage],
    subscribe: Callable[..., TestSubscription],
    vapid_key: VapidKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _ in range(CHUNK + 1):
        subscribe(AlumnusFactory(consent_push=True))
    notice = publish(title="お知らせ", slug="claimed", notify_alumni=False)
    monkeypatch.setattr(services, "_settle_push", lambda **_: None)  # leave them as claimed

    _planned(notice, monkeypatch)

    claimed = Delivery.objects.filter(item=notice, channel=Channel.PUSH)
    assert claimed.count() == CHUNK + 1
    assert set(claimed.values_list("status", flat=True)) == {DeliveryStatus.SENDING}
    assert len(set(claimed.values_list("claim", flat=True))) == 1
