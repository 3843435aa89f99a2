"""The delivery monitor says how many alumni a push can reach: with nobody's device registered
(a fresh demo: devices are registered by their owners in the app), a notice goes by mail only,
and the monitor says why rather than showing a bare 0 pushes."""

from collections.abc import Callable

import pytest
from django.test import Client

from cms.content.models import NoticePage
from cms.push.models import Channel, Delivery, VapidKey
from tests.admin.visible_text import visible_texts
from tests.fixtures.push_service import TestSubscription
from tests.fixtures.smtp import SMTPInbox
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


def _push_reach(client: Client) -> str:
    page = client.get("/admin/delivery-monitor/").content.decode()
    start = page.index("data-push-reach")
    return " ".join(visible_texts(page[page.rindex("<p", 0, start) : page.index("</p>", start)]))


def test_with_no_device_registered_the_monitor_says_notices_go_by_mail(
    publish: Callable[..., NoticePage], vapid_key: VapidKey, smtp: SMTPInbox, admin_client: Client
) -> None:
    AlumnusFactory.create_batch(2, consent_push=True, consent_email=True)
    notice = publish()

    assert set(Delivery.objects.filter(item=notice).values_list("channel", flat=True)) == {
        Channel.EMAIL
    }
    reach = _push_reach(admin_client)
    assert "プッシュ通知を受け取れる登録者：0 人" in reach
    assert "メールでの配信を希望した方にメールで届きます" in reach


def test_the_monitor_counts_those_with_a_registered_device_who_allow_push(
    subscribe: Callable[..., TestSubscription], admin_client: Client
) -> None:
    subscribe(AlumnusFactory(consent_push=True))
    subscribe(AlumnusFactory(consent_push=False))  # a device, but push not allowed
    AlumnusFactory(consent_push=True)  # allowed, but no device

    reach = _push_reach(admin_client)
    assert "プッシュ通知を受け取れる登録者：1 人" in reach
    assert "メールで届きます" not in reach
