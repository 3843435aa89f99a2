"""The fan-out and the monthly digest reaching one person's item at the same moment, on two
connections (a worker each): whichever is between its check and its claim holds the person, so
the other, coming to them meanwhile, waits for its commit, finds the item claimed and sends
nothing. (The digest claiming between the fan-out's reading of a slice and its claim is in
test_fan_out_with_digest.py: there the digest runs inside the fan-out, in the same thread.)"""

import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from cms.content.models import NoticeIndexPage, NoticePage
from cms.push.models import Channel, Delivery, DeliveryStatus, VapidKey
from cms.push.services import digest_send, notice_fan_out
from tests.content.factories import NoticePageFactory
from tests.fixtures.push_service import LocalPushService
from tests.fixtures.smtp import SMTPInbox, text_body
from tests.groups.factories import AlumnusFactory

GAP = 3.0
"""Seconds the first stays between its check and its claim, unless the other is done first
(without the person held, it is done at once; held, it waits for the first one's commit)."""


@pytest.mark.parametrize("first", [Channel.DIGEST, Channel.PUSH])
def test_the_other_worker_coming_to_a_person_being_claimed_waits_and_sends_them_nothing(
    first: str,
    real_commits: None,
    notice_index: NoticeIndexPage,
    push_service: LocalPushService,
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alumnus = AlumnusFactory(consent_push=True, consent_email=True)
    device = push_service.subscription()
    alumnus.push_subscriptions.create(
        endpoint=device.endpoint, p256dh=device.p256dh, auth=device.auth
    )
    notice = NoticePageFactory(
        parent=notice_index, live=True, notify_alumni=True, title="同窓会総会のご案内"
    )
    NoticePage.objects.filter(pk=notice.pk).update(first_published_at=timezone.now())
    runs = {
        Channel.DIGEST: lambda: digest_send(month=timezone.localdate().replace(day=1)),
        Channel.PUSH: lambda: notice_fan_out(notice_id=notice.pk),
    }
    other_done = threading.Event()

    def other() -> None:  # another worker, on its own connection
        try:
            runs[Channel.PUSH if first == Channel.DIGEST else Channel.DIGEST]()
        finally:
            other_done.set()
            connection.close()

    other_worker = threading.Thread(target=other)
    bulk_create = Delivery.objects.bulk_create

    def other_in_the_gap(objs: list[Delivery], **kwargs: Any) -> Any:
        """The first has checked what the person received and creates its rows: the other
        worker comes to them now."""
        if objs and objs[0].channel == first and other_worker.ident is None:
            other_worker.start()
            other_done.wait(timeout=GAP)
        return bulk_create(objs, **kwargs)

    monkeypatch.setattr(Delivery.objects, "bulk_create", other_in_the_gap)
    runs[first]()
    other_worker.join(timeout=60)
    assert other_done.is_set()

    mails = [m for m in smtp.to(alumnus.email) if notice.title in text_body(m)]
    assert len(device.received) + len(mails) == 1
    assert (len(mails), len(device.received)) == ((1, 0) if first == Channel.DIGEST else (0, 1))
    [delivery] = Delivery.objects.filter(item=notice)
    assert (delivery.channel, delivery.status) == (first, DeliveryStatus.SENT)
