"""The delivery monitor reads the deliveries of all its notices in grouped queries: the same
number of queries for two notices or six, for ten deliveries or forty."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.content.models import NoticePage
from cms.push.models import Channel, Delivery, DeliveryStatus
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


def _deliveries(notice: NoticePage, count: int) -> None:
    Delivery.objects.bulk_create(
        Delivery(
            item=notice,
            alumnus=AlumnusFactory(),
            channel=Channel.EMAIL,
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
        )
        for _ in range(count)
    )


def test_the_monitor_runs_the_same_queries_for_more_notices_and_deliveries(
    publish: Callable[..., NoticePage], admin_client: Client
) -> None:
    counts = []
    published = 0
    for notices, per_notice in ((2, 5), (6, 8)):
        while published < notices:
            published += 1
            notice = publish(
                title=f"お知らせ {published}", slug=f"n{published}", notify_alumni=False
            )
            _deliveries(notice, per_notice)
        admin_client.get("/admin/delivery-monitor/")
        with CaptureQueriesContext(connection) as queries:
            page = admin_client.get("/admin/delivery-monitor/")
        assert page.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
