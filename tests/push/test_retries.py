"""Temporary failures are retried with bounded back-off, the attempts counted across runs: push
5xx, resets and timeouts (local push service), notice mail with the SMTP server down then up;
after the last attempt push falls back to mail and the reason is recorded."""

import datetime as dt
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cms.content.models import NoticePage
from cms.push.models import Channel, Delivery, DeliveryStatus, PushSubscription, VapidKey
from cms.push.sender import PushMessage
from cms.push.services import notice_fan_out, push_send_retrying
from tests.fixtures.push_service import HANG, RESET, TestSubscription
from tests.fixtures.smtp import SMTPInbox
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db
Publish = Callable[..., NoticePage]
Subscribe = Callable[..., TestSubscription]


@pytest.fixture
def quick_retries(settings: Any) -> Any:
    settings.DELIVERY_RETRY_BASE_SECONDS = 0.02
    settings.PUSH_TIMEOUT_SECONDS = 0.5
    return settings


def run_again_when_due(notice: NoticePage) -> None:
    """What the deferred task does once the retry is due."""
    for _ in range(200):
        due = Delivery.objects.filter(item=notice, status=DeliveryStatus.RETRY).values_list(
            "retry_at", flat=True
        )
        if all(at is None or at.timestamp() <= time.time() for at in due):
            break
        time.sleep(0.02)
    notice_fan_out(notice_id=notice.pk)


def test_server_error_reset_and_timeout_are_retried_then_delivered_once(
    publish: Publish, subscribe: Subscribe, vapid_key: VapidKey, quick_retries: Any
) -> None:
    alumnus = AlumnusFactory(consent_email=False)
    sub = subscribe(alumnus, responses=(500, RESET, HANG, 201))
    notice = publish()
    assert [a.status for a in sub.attempts] == [500, RESET, HANG, 201]
    assert len(sub.received) == 1
    delivery = Delivery.objects.get(item=notice, alumnus=alumnus, channel=Channel.PUSH)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.SENT,
        4,
        "",
    )


def test_after_the_last_attempt_push_falls_back_to_mail_with_the_reason_recorded(
    publish: Publish,
    subscribe: Subscribe,
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    quick_retries: Any,
) -> None:
    quick_retries.PUSH_MAX_ATTEMPTS = 3
    alumnus = AlumnusFactory(consent_email=True)
    sub = subscribe(alumnus, responses=(500,))
    notice = publish(title="届かなかった通知")
    assert [a.status for a in sub.attempts] == [500, 500, 500]
    push = Delivery.objects.get(item=notice, alumnus=alumnus, channel=Channel.PUSH)
    assert (push.status, push.attempts, push.last_error) == (
        DeliveryStatus.FAILED,
        3,
        "HTTP 500",
    )
    [mail] = smtp.to(alumnus.email)
    assert "届かなかった通知" in mail["Subject"]


def test_503_without_retry_after_counts_attempts_across_deferred_runs_and_stops(
    publish: Publish,
    subscribe: Subscribe,
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    quick_retries: Any,
) -> None:
    quick_retries.PUSH_MAX_ATTEMPTS = 3
    quick_retries.PUSH_INLINE_RETRY_MAX_SECONDS = 0  # every retry is a deferred run
    alumnus = AlumnusFactory(consent_email=True)
    sub = subscribe(alumnus, responses=(503,))
    notice = publish()
    push = Delivery.objects.filter(item=notice, alumnus=alumnus, channel=Channel.PUSH)
    assert push.values_list("status", "attempts").get() == (DeliveryStatus.RETRY, 1)
    run_again_when_due(notice)
    assert push.values_list("status", "attempts").get() == (DeliveryStatus.RETRY, 2)
    assert smtp.to(alumnus.email) == []  # not while push is still being tried
    run_again_when_due(notice)
    assert push.values_list("status", "attempts", "last_error").get() == (
        DeliveryStatus.FAILED,
        3,
        "HTTP 503",
    )
    assert len(smtp.to(alumnus.email)) == 1
    run_again_when_due(notice)
    assert len(sub.attempts) == 3
    assert len(smtp.to(alumnus.email)) == 1


def test_notice_mail_with_the_mail_server_down_is_sent_once_when_it_is_back(
    publish: Publish, smtp: SMTPInbox, quick_retries: Any
) -> None:
    alumnus = AlumnusFactory(consent_push=False, consent_email=True)
    working = quick_retries.MAILERS
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    down = {"default": {**working["default"]}}
    down["default"]["OPTIONS"] = {**working["default"]["OPTIONS"], "port": closed_port}
    quick_retries.MAILERS = down
    notice = publish(title="メールサーバー停止中のお知らせ")
    mail = Delivery.objects.filter(item=notice, alumnus=alumnus, channel=Channel.EMAIL)
    status, attempts, reason = mail.values_list("status", "attempts", "last_error").get()
    assert (status, attempts) == (DeliveryStatus.RETRY, 1)
    assert "ConnectionRefusedError" in reason
    quick_retries.MAILERS = working  # the mail server is back
    run_again_when_due(notice)
    [message] = smtp.to(alumnus.email)
    assert "メールサーバー停止中のお知らせ" in message["Subject"]
    assert mail.values_list("status", "attempts").get() == (DeliveryStatus.SENT, 2)
    run_again_when_due(notice)
    assert len(smtp.to(alumnus.email)) == 1


def test_the_monitor_shows_retrying_failed_and_stuck_by_channel_with_the_reason(
    publish: Publish,
    subscribe: Subscribe,
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    quick_retries: Any,
    admin_client: Client,
) -> None:
    quick_retries.PUSH_INLINE_RETRY_MAX_SECONDS = 0
    retrying = AlumnusFactory(consent_email=False)
    subscribe(retrying, responses=(503,))
    stuck = AlumnusFactory(consent_email=False)
    subscribe(stuck)
    notice = publish()
    Delivery.objects.filter(item=notice, alumnus=stuck).update(
        status=DeliveryStatus.SENDING,
        claim="dead-worker",
        claimed_until=timezone.now() - dt.timedelta(seconds=1),
    )
    page = admin_client.get("/admin/delivery-monitor/").content.decode()
    row = page[page.index(f'data-notice-channel="{notice.pk}-push"') :]
    row = row[: row.index("</tr>")]
    assert "<td data-sent>0</td>" in row
    assert "<td data-retrying>1</td>" in row
    assert "<td data-stuck>1</td>" in row
    assert "HTTP 503（1 件）" in row


def _push_to(sub: TestSubscription) -> PushMessage:
    pk = PushSubscription.objects.get(endpoint=sub.endpoint).pk
    return PushMessage(pk, sub.endpoint, sub.p256dh, sub.auth, b'{"n":1}', b'{"n":1}')


def test_a_503_without_retry_after_ends_after_the_last_attempt_even_when_runs_forget_tries(
    subscribe: Subscribe, vapid_key: VapidKey, quick_retries: Any
) -> None:
    quick_retries.PUSH_MAX_ATTEMPTS = 3
    quick_retries.PUSH_INLINE_RETRY_MAX_SECONDS = 0  # every retry is a deferred run
    sub = subscribe(AlumnusFactory(), responses=(503,))
    message = _push_to(sub)
    # Each deferred run as a task that lost its arguments' count would start it: none given.
    runs = [push_send_retrying(messages=[message]) for _ in range(4)]
    assert [run.retry for run in runs] == [{message.key: 1}, {message.key: 2}, {}, {}]
    assert [run.failed for run in runs[2:]] == [{message.key: "HTTP 503"}] * 2
    assert [a.status for a in sub.attempts] == [503] * 4  # one try for the late run, no more
    assert PushSubscription.objects.get(pk=message.key).failed_tries == 4


def test_a_delivered_push_starts_the_count_of_its_device_afresh(
    subscribe: Subscribe, vapid_key: VapidKey, quick_retries: Any
) -> None:
    quick_retries.PUSH_INLINE_RETRY_MAX_SECONDS = 0
    sub = subscribe(AlumnusFactory(), responses=(503, 201))
    message = _push_to(sub)
    assert push_send_retrying(messages=[message]).retry == {message.key: 1}
    assert PushSubscription.objects.get(pk=message.key).failed_tries == 1
    assert push_send_retrying(messages=[message]).sent == [message.key]
    subscription = PushSubscription.objects.get(pk=message.key)
    assert (subscription.failed_tries, subscription.last_success_at is not None) == (0, True)
    assert len(sub.received) == 1
