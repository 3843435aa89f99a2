"""The fan-out and the monthly digest reaching one person's item at the same moment, on two
connections (a worker each): the digest holds the person from its check to its claim, so a
fan-out that comes to them meanwhile waits, then finds the item told by the digest and sends
nothing. (The fan-out's side, the digest claiming between the fan-out's check and its claim, is
in test_fan_out_with_digest.py: there the digest runs inside the fan-out, in the same thread.)"""

import threading
from typing import Any

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
"""Seconds the digest stays between its check and its claim, unless the fan-out is done first
(without the person held, it is done at once; held, it waits for the digest's commit)."""


def test_a_fan_out_while_the_digest_claims_a_person_waits_and_sends_them_nothing(
    real_commits: None,
    notice_index: NoticeIndexPage,
    push_service: LocalPushService,
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    monkeypatch: Any,
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

    fan_out_done = threading.Event()

    def fan_out() -> None:  # another worker, on its own connection
        try:
            notice_fan_out(notice_id=notice.pk)
        finally:
            fan_out_done.set()
            connection.close()

    other_worker = threading.Thread(target=fan_out)
    bulk_create = Delivery.objects.bulk_create

    def fan_out_in_the_gap(objs: list[Delivery], **kwargs: Any) -> Any:
        """The digest has checked what the person received and creates its rows: the other
        worker's fan-out comes to them now."""
        if objs and objs[0].channel == Channel.DIGEST and not other_worker.is_alive():
            other_worker.start()
            fan_out_done.wait(timeout=GAP)
        return bulk_create(objs, **kwargs)

    monkeypatch.setattr(Delivery.objects, "bulk_create", fan_out_in_the_gap)
    digest = digest_send(month=timezone.localdate().replace(day=1))
    other_worker.join(timeout=60)
    assert fan_out_done.is_set()

    mails = [m for m in smtp.to(alumnus.email) if notice.title in text_body(m)]
    assert len(device.received) + len(mails) == 1
    assert (digest.alumni_mailed, len(mails), device.received) == (1, 1, [])
    assert not Delivery.objects.filter(item=notice, channel=Channel.PUSH).exists()
    assert Delivery.objects.get(item=notice).status == DeliveryStatus.SENT
