"""The monthly digest by mail (real SMTP) and the delivery monitor in the admin."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cms.content.models import NoticePage
from cms.push.models import Channel, Delivery, DeliveryStatus, VapidKey
from cms.push.services import delivery_open_record
from tests.fixtures.push_service import TestSubscription
from tests.fixtures.smtp import SMTPInbox, text_body
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


def test_digest_mails_the_months_items_not_yet_received_once(
    publish: Callable[..., NoticePage],
    subscribe: Callable[..., TestSubscription],
    vapid_key: VapidKey,
    smtp: SMTPInbox,
) -> None:
    pushed = AlumnusFactory(consent_email=True)
    subscribe(pushed)
    quiet = AlumnusFactory(consent_push=False, consent_email=True)
    no_mail = AlumnusFactory(consent_push=False, consent_email=False)
    publish(title="通知したお知らせ", summary="通知の概要")
    smtp.clear()
    publish(title="通知しないお知らせ", summary="静かな概要", notify_alumni=False)
    call_command("send_digest", month=timezone.localdate().strftime("%Y-%m"))
    [to_pushed] = smtp.to(pushed.email)
    assert "通知しないお知らせ" in text_body(to_pushed)
    assert "通知したお知らせ" not in text_body(to_pushed)  # it came by push
    [to_quiet] = smtp.to(quiet.email)
    assert "通知しないお知らせ" in text_body(to_quiet)
    assert "通知したお知らせ" not in text_body(to_quiet)  # it came by mail already
    assert smtp.to(no_mail.email) == []
    smtp.clear()
    call_command("send_digest", month=timezone.localdate().strftime("%Y-%m"))
    assert smtp.messages == []


def test_monitor_shows_figures_and_the_under_reached(
    publish: Callable[..., NoticePage],
    subscribe: Callable[..., TestSubscription],
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    admin_client: Client,
) -> None:
    reader = AlumnusFactory(consent_email=False)
    subscribe(reader)
    gone = AlumnusFactory(consent_email=True)
    subscribe(gone, responses=(410,))
    AlumnusFactory(family_name="未達", consent_push=False, consent_email=False)
    notice = publish()
    assert delivery_open_record(alumnus=reader, notice_id=notice.pk, channel=Channel.PUSH)
    page = admin_client.get("/admin/delivery-monitor/").content.decode()
    row = page[page.index(f'data-notice="{notice.pk}"') :]
    assert "<td data-audience>3</td>" in row
    assert "<td data-reached>2</td>" in row
    assert "<td data-pushes-sent>1</td>" in row
    assert "<td data-pushes-expired>1</td>" in row
    assert "<td data-emails-sent>1</td>" in row
    assert "<td data-opens>1</td>" in row
    under = page[page.index("data-under-reached") :]
    assert "未達" in under and str(reader) not in under


def test_open_is_not_recorded_without_analytics_consent(
    publish: Callable[..., NoticePage],
    subscribe: Callable[..., TestSubscription],
    vapid_key: VapidKey,
    client: Client,
) -> None:
    alumnus = AlumnusFactory(consent_analytics=False)
    subscribe(alumnus)
    notice = publish()
    client.force_login(alumnus.user)
    response = client.post(
        "/api/v1/push/opens",
        {"notice": notice.pk, "channel": "push"},
        content_type="application/json",
    )
    assert response.status_code == 204
    delivery: Any = Delivery.objects.get(alumnus=alumnus, channel=Channel.PUSH)
    assert delivery.status == DeliveryStatus.SENT and delivery.opened_at is None
