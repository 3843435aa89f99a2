"""Deliveries are of any page for a reason: the generic fan-out, its enqueueing, the uniqueness
per reason (the migration that made them so: test_migrations.py)."""

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from cms.content.models import NoticeIndexPage
from cms.push.items import DeliverableItem, DeliveryReason
from cms.push.models import Channel, Delivery, DeliveryStatus
from cms.push.services import item_fan_out, item_fan_out_enqueue, push_bytes
from tests.content.factories import NoticePageFactory
from tests.fixtures.smtp import SMTPInbox, text_body
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


def test_item_fan_out_mails_a_notice_as_a_published_item(
    notice_index: NoticeIndexPage, smtp: SMTPInbox
) -> None:
    alumnus = AlumnusFactory(consent_email=True)
    notice = NoticePageFactory(parent=notice_index, notify_alumni=True, title="説明会")
    assert isinstance(notice, DeliverableItem)

    report = item_fan_out(page_id=notice.pk, reason=DeliveryReason.PUBLISHED)

    assert (report.audience, report.emails_sent) == (1, 1)
    [mail] = smtp.messages
    assert "新しいお知らせです。" in text_body(mail) and "説明会" in text_body(mail)
    delivery = Delivery.objects.get(alumnus=alumnus)
    assert (delivery.item_id, delivery.reason, delivery.channel, delivery.status) == (
        notice.pk,
        DeliveryReason.PUBLISHED,
        Channel.EMAIL,
        DeliveryStatus.SENT,
    )


def test_a_notice_has_no_reminder_audience(notice_index: NoticeIndexPage, smtp: SMTPInbox) -> None:
    AlumnusFactory(consent_email=True)
    notice = NoticePageFactory(parent=notice_index, notify_alumni=True)
    report = item_fan_out(page_id=notice.pk, reason=DeliveryReason.REMINDER)
    assert report.audience == 0
    assert smtp.messages == [] and not Delivery.objects.exists()


def test_an_unknown_reason_is_refused(notice_index: NoticeIndexPage) -> None:
    notice = NoticePageFactory(parent=notice_index, notify_alumni=True)
    with pytest.raises(ValueError):
        item_fan_out_enqueue(page_id=notice.pk, reason="whenever")


def test_enqueue_runs_the_fan_out_once_committed(
    notice_index: NoticeIndexPage, smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    AlumnusFactory(consent_email=True)
    notice = NoticePageFactory(parent=notice_index, notify_alumni=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        item_fan_out_enqueue(page_id=notice.pk, reason=DeliveryReason.PUBLISHED)
    assert smtp.messages == []  # nothing before the commit
    for callback in callbacks:
        callback()
    item_fan_out_enqueue(page_id=notice.pk, reason=DeliveryReason.PUBLISHED)  # again: no-op
    assert len(smtp.messages) == 1


def test_an_item_is_delivered_once_per_reason_and_channel(notice_index: NoticeIndexPage) -> None:
    alumnus = AlumnusFactory()
    notice = NoticePageFactory(parent=notice_index)
    for reason in DeliveryReason.values:
        Delivery.objects.create(item=notice, alumnus=alumnus, channel=Channel.EMAIL, reason=reason)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(item=notice, alumnus=alumnus, channel=Channel.EMAIL)


def test_a_push_message_is_sent_as_compact_utf8_json_in_japanese() -> None:
    # Every byte counts against the push service's 4 KB: no spaces, no \u escapes.
    payload = {"notification": {"title": "お知らせ", "tag": "n-1"}}

    assert push_bytes(payload) == '{"notification":{"title":"お知らせ","tag":"n-1"}}'.encode()
