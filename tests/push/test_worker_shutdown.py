"""A worker's SIGTERM during a fan-out: the sending is told to stop and the worker's own graceful
shutdown still runs (a process without one keeps the signal's default effect); what was not sent
is handed back, due now, for the next worker."""

import os
import signal
from collections.abc import Iterator
from types import FrameType
from typing import Any

import pytest
from django.utils import timezone

from cms.content.models import NoticeIndexPage
from cms.push import services
from cms.push.models import Channel, Delivery, DeliveryStatus
from cms.push.selectors import item_channel_states
from cms.worker_stop import stop_requested, stop_requests_heard
from tests.content.factories import NoticePageFactory
from tests.fixtures.smtp import SMTPInbox
from tests.groups.factories import AlumnusFactory


@pytest.fixture
def sigterm_kept() -> Iterator[None]:
    kept = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, kept)
    stop_requested.clear()


def test_sigterm_during_a_fan_out_stops_the_sending_and_reaches_the_workers_handler(
    sigterm_kept: None,
) -> None:
    received: list[int] = []

    def graceful_shutdown(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    signal.signal(signal.SIGTERM, graceful_shutdown)
    with stop_requests_heard():
        assert not stop_requested.is_set()
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop_requested.is_set()
        assert received == [signal.SIGTERM]
    # After the fan-out the worker's handler is in place again, and the next task sends.
    assert signal.getsignal(signal.SIGTERM) is graceful_shutdown
    assert not stop_requested.is_set()


def test_a_process_without_a_graceful_handler_keeps_the_default(sigterm_kept: None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with stop_requests_heard():
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


@pytest.mark.django_db
def test_mails_not_sent_when_the_worker_stops_are_handed_back_due_now(
    notice_index: NoticeIndexPage, smtp: SMTPInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    alumni = AlumnusFactory.create_batch(3, consent_push=False, consent_email=True)
    notice = NoticePageFactory(parent=notice_index, live=True, notify_alumni=True)
    compose = services._item_email

    def compose_then_stop(**kwargs: Any) -> Any:
        stop_requested.set()  # SIGTERM arrives while the first mail goes out
        return compose(**kwargs)

    monkeypatch.setattr(services, "_item_email", compose_then_stop)
    try:
        report = services.notice_fan_out(notice_id=notice.pk)
    finally:
        stop_requested.clear()
    monkeypatch.setattr(services, "_item_email", compose)

    mails = Delivery.objects.filter(item=notice, channel=Channel.EMAIL)
    assert report.interrupted
    assert mails.filter(status=DeliveryStatus.SENT).count() == 1
    handed_back = mails.filter(status=DeliveryStatus.RETRY)
    assert handed_back.count() == 2
    assert all(d.attempts == 0 and d.retry_at <= timezone.now() for d in handed_back)
    # The delivery monitor says why they wait (as for pushes handed back).
    [email] = item_channel_states(item=notice)
    assert (email.sent, email.retrying, email.stuck) == (1, 2, 0)
    assert email.reasons == [(services.INTERRUPTED, 2)]

    services.notice_fan_out(notice_id=notice.pk)  # the next worker
    assert [len(smtp.to(a.email)) for a in alumni] == [1, 1, 1]
    assert mails.filter(status=DeliveryStatus.SENT).count() == 3
