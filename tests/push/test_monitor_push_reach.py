"""The delivery monitor says when a push can reach nobody: with no device registered (a fresh
demo: devices are registered by their owners in the app), a notice goes by mail only, and the
monitor says why rather than showing a bare 0 pushes."""

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

NOBODY = "プッシュ通知を受け取る端末を登録した登録者は、まだいません"


def _monitor(client: Client) -> str:
    return " ".join(visible_texts(client.get("/admin/delivery-monitor/").content.decode()))


def test_with_no_device_registered_the_monitor_says_notices_go_by_mail(
    publish: Callable[..., NoticePage],
    subscribe: Callable[..., TestSubscription],
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    admin_client: Client,
) -> None:
    AlumnusFactory.create_batch(2, consent_push=True, consent_email=True)
    subscribe(AlumnusFactory(consent_push=False, consent_email=True))  # push not allowed
    notice = publish()

    channels = Delivery.objects.filter(item=notice).values_list("channel", flat=True)
    assert list(channels) == [Channel.EMAIL] * 3
    page = _monitor(admin_client)
    assert NOBODY in page
    assert "メールでの配信を希望した方にメールで届きます" in page


def test_the_monitor_says_nothing_of_it_once_somebody_can_receive_a_push(
    subscribe: Callable[..., TestSubscription], admin_client: Client
) -> None:
    subscribe(AlumnusFactory(consent_push=True))

    assert NOBODY not in _monitor(admin_client)
