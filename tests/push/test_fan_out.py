"""Publishing a notice with "notify alumni": push through the local push service, mail fallback."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Revision

from cms.content.models import NoticeIndexPage, NoticePage, Visibility
from cms.push.models import Channel, Delivery, DeliveryStatus, PushSubscription, VapidKey
from cms.push.selectors import NoticeReach, notice_reach
from cms.push.tasks import notice_fan_out_task
from tests.content.factories import NoticePageFactory
from tests.fixtures.push_service import LocalPushService, TestSubscription
from tests.fixtures.smtp import SMTPInbox, text_body
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory

pytestmark = pytest.mark.django_db

Publish = Callable[..., NoticePage]
Subscribe = Callable[..., TestSubscription]


def test_subscriber_receives_the_exact_declarative_payload(
    publish: Publish, subscribe: Subscribe, vapid_key: VapidKey, push_service: LocalPushService
) -> None:
    alumnus = AlumnusFactory()
    sub = subscribe(alumnus)
    notice = publish(title="説明会のお知らせ", summary="11月に説明会を開きます。")

    assert push_service.errors == []
    [message] = sub.received
    assert message.payload == {
        "web_push": 8030,
        "notification": {
            "title": "説明会のお知らせ",
            "body": "11月に説明会を開きます。",
            "navigate": f"{settings.PWA_BASE_URL}{notice.get_url()}?via=push",
            "lang": "ja",
            "dir": "ltr",
            "tag": f"notice-{notice.pk}",
            "app_badge": "1",
            "data": {"notice": notice.pk},
        },
    }
    assert message.headers["ttl"] == "86400"
    assert message.headers["urgency"] == "normal"
    assert message.vapid_key == vapid_key.public_key
    assert message.claims["aud"] == push_service.origin
    assert message.claims["sub"] == settings.PUSH_VAPID_SUBJECT
    delivery = Delivery.objects.get(alumnus=alumnus, channel=Channel.PUSH)
    assert (delivery.status, delivery.pushes_sent) == (DeliveryStatus.SENT, 1)


def test_every_device_of_an_alumnus_gets_it(
    publish: Publish, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    alumnus = AlumnusFactory()
    phone, tablet = subscribe(alumnus), subscribe(alumnus)
    publish()
    assert len(phone.received) == len(tablet.received) == 1


def test_notice_without_notify_sends_nothing(
    publish: Publish, subscribe: Subscribe, vapid_key: VapidKey, smtp: SMTPInbox
) -> None:
    sub = subscribe(AlumnusFactory())
    publish(notify_alumni=False)
    assert sub.received == [] and smtp.messages == []
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscription_is_deleted_and_mail_takes_over(
    publish: Publish, subscribe: Subscribe, vapid_key: VapidKey, smtp: SMTPInbox, status: int
) -> None:
    alumnus = AlumnusFactory(consent_email=True)
    sub = subscribe(alumnus, responses=(status,))
    notice = publish(title="閉庁のお知らせ")
    assert not PushSubscription.objects.filter(endpoint=sub.endpoint).exists()
    push = Delivery.objects.get(alumnus=alumnus, channel=Channel.PUSH)
    assert (push.status, push.pushes_expired) == (DeliveryStatus.EXPIRED, 1)
    [mail] = smtp.to(alumnus.email)
    assert "閉庁のお知らせ" in str(mail["Subject"])
    assert f"/app/feed/?notice={notice.pk}" not in text_body(mail)  # a public notice: its page
    assert f"{notice.get_url()}?via=email" in text_body(mail)


def test_too_many_requests_is_retried_after_retry_after(
    publish: Publish, subscribe: Subscribe, vapid_key: VapidKey, push_service: LocalPushService
) -> None:
    sub = subscribe(AlumnusFactory(), responses=(429, 201), retry_after="1")
    publish()
    assert [a.status for a in sub.attempts] == [429, 201]
    assert sub.attempts[1].at - sub.attempts[0].at >= 1.0
    assert len(sub.received) == 1


def test_payload_too_large_is_sent_shortened(
    publish: Publish, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    sub = subscribe(AlumnusFactory(), max_payload=600)
    publish(title="長いお知らせ", summary="とても長い概要。" * 30)
    [message] = sub.received
    assert [a.status for a in sub.attempts] == [413, 201]
    assert message.payload["notification"]["title"] == "長いお知らせ"
    assert message.payload["notification"]["body"] == ""


def test_retried_task_and_republished_notice_send_no_duplicate(
    publish: Publish, subscribe: Subscribe, vapid_key: VapidKey, smtp: SMTPInbox
) -> None:
    pushed = AlumnusFactory()
    mailed = AlumnusFactory(consent_push=False, consent_email=True)
    sub = subscribe(pushed)
    notice = publish()
    notice_fan_out_task.enqueue(notice.pk)  # the task retried by the queue
    publish(notice)  # the editor publishes it again
    assert len(sub.received) == 1
    assert len(smtp.to(mailed.email)) == 1
    assert Delivery.objects.filter(item=notice).count() == 2


def test_mail_only_to_those_who_opted_in(
    publish: Publish, subscribe: Subscribe, vapid_key: VapidKey, smtp: SMTPInbox
) -> None:
    chose_email = AlumnusFactory(consent_push=False, consent_email=True)
    no_mail = AlumnusFactory(consent_push=False, consent_email=False)
    push_ok = AlumnusFactory(consent_email=True)
    subscribe(push_ok)
    publish()
    assert len(smtp.to(chose_email.email)) == 1
    assert smtp.to(no_mail.email) == [] and smtp.to(push_ok.email) == []


def test_push_without_consent_is_not_sent(
    publish: Publish, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    sub = subscribe(AlumnusFactory(consent_push=False, consent_email=False))
    publish()
    assert sub.received == []


def test_scheduled_notice_fans_out_when_it_goes_live(
    notice_index: Any,
    subscribe: Subscribe,
    vapid_key: VapidKey,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sub = subscribe(AlumnusFactory())
    notice = NoticePageFactory(parent=notice_index, live=False, notify_alumni=True)
    notice.go_live_at = timezone.now() + dt.timedelta(hours=1)
    notice.save_revision().publish()  # with a future go-live time: scheduled, not live
    assert sub.received == []
    # An hour later: the scheduled revision is due.
    past = timezone.now() - dt.timedelta(seconds=1)
    revision = Revision.objects.get(object_id=str(notice.pk), approved_go_live_at__isnull=False)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled")
    assert len(sub.received) == 1


def test_bounded_fan_out_reaches_each_device_once_with_one_vapid_header(
    publish: Publish, subscribe: Subscribe, vapid_key: VapidKey, settings: Any
) -> None:
    settings.PUSH_CONCURRENCY_PER_SERVICE = 2  # more devices than requests in flight
    alumni = AlumnusFactory.create_batch(3)
    subs = [subscribe(alumnus) for alumnus in alumni for _ in range(2)]
    notice = publish(title="二つずつ送ります")
    assert [len(sub.received) for sub in subs] == [1] * 6
    assert {sub.received[0].payload["notification"]["title"] for sub in subs} == {
        "二つずつ送ります"
    }
    # py_vapid signed the header once for this push service; every request reused it.
    assert len({sub.received[0].headers["authorization"] for sub in subs}) == 1
    deliveries = Delivery.objects.filter(item=notice, channel=Channel.PUSH)
    assert sorted(deliveries.values_list("status", "pushes_sent")) == [(DeliveryStatus.SENT, 2)] * 3


def test_reach_preview_counts_what_the_fan_out_then_sends(
    notice_index: NoticeIndexPage,
    publish: Publish,
    subscribe: Subscribe,
    vapid_key: VapidKey,
    smtp: SMTPInbox,
) -> None:
    pushed = AlumnusFactory()
    mailed = AlumnusFactory(consent_push=False)
    no_device = AlumnusFactory()  # allows push but subscribed no device: mail
    unreachable = AlumnusFactory(consent_push=False, consent_email=False)
    member_subs = [subscribe(pushed), subscribe(pushed)]  # two devices, one person
    outsider_sub = subscribe(AlumnusFactory())
    group = AudienceGroupFactory()
    group.members.set([pushed, mailed, no_device, unreachable])
    group.save()

    reach = notice_reach(visibility=Visibility.GROUPS, audience_groups=[group])
    notice = NoticePageFactory(
        parent=notice_index, live=False, notify_alumni=True, visibility=Visibility.GROUPS
    )
    notice.audience_groups.set([group])
    publish(notice)

    assert reach == NoticeReach(audience=4, push=1, email=2, unreachable=1)
    deliveries = Delivery.objects.filter(item=notice, status=DeliveryStatus.SENT)
    assert deliveries.filter(channel=Channel.PUSH).count() == reach.push
    assert deliveries.filter(channel=Channel.EMAIL).count() == reach.email
    assert [len(sub.received) for sub in member_subs] == [1, 1] and outsider_sub.received == []
    assert sorted(m["To"] for m in smtp.messages) == sorted([mailed.email, no_device.email])


def test_group_notice_without_groups_is_sent_to_nobody(
    notice_index: NoticeIndexPage,
    publish: Publish,
    subscribe: Subscribe,
    vapid_key: VapidKey,
    smtp: SMTPInbox,
) -> None:
    sub = subscribe(AlumnusFactory())
    AlumnusFactory(consent_push=False)
    notice = NoticePageFactory(
        parent=notice_index, live=False, notify_alumni=True, visibility=Visibility.GROUPS
    )
    publish(notice)  # saved in code: no editor's form checked it
    assert notice_reach(visibility=Visibility.GROUPS, audience_groups=[]).audience == 0
    assert sub.received == [] and smtp.messages == []
    assert not Delivery.objects.filter(item=notice).exists()
