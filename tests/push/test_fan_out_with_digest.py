"""The monthly digest can run while a long fan-out has not reached every slice of its audience
(their deliveries do not exist until then): whoever the digest told about the item gets it no
second time from the fan-out, and whoever it did not tell still gets it once."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.content.models import NoticeIndexPage, NoticePage
from cms.push import services
from cms.push.models import Channel, Delivery, DeliveryStatus, VapidKey
from cms.push.services import digest_send, notice_fan_out
from cms.worker_stop import stop_requested
from tests.content.factories import NoticePageFactory
from tests.fixtures.push_service import LocalPushService
from tests.fixtures.smtp import SMTPInbox, text_body
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db

SLICE = 3


@pytest.fixture(autouse=True)
def small_slices(settings: Any) -> None:
    settings.FAN_OUT_SLICE = SLICE


@pytest.fixture
def notice(notice_index: NoticeIndexPage) -> NoticePage:
    """A live notice to everybody, published this month and not sent yet."""
    page: NoticePage = NoticePageFactory(
        parent=notice_index, live=True, notify_alumni=True, title="同窓会総会のご案内"
    )
    NoticePage.objects.filter(pk=page.pk).update(first_published_at=timezone.now())
    return page


def _stop_after_first_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker is asked to stop (a deploy) once the first slice is sent: the fan-out hands
    the rest back, as `item_fan_out_task` then queues it again."""
    email_phase = services._email_phase

    def then_stop(**kwargs: Any) -> bool:
        failed = email_phase(**kwargs)
        stop_requested.set()
        return failed

    monkeypatch.setattr(services, "_email_phase", then_stop)


def test_a_digest_run_during_the_fan_out_and_the_fan_out_reach_each_person_once(
    notice: NoticePage,
    push_service: LocalPushService,
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Three slices, each: one who takes push and mail, one push only, one mail only.
    devices = {}
    people: list[Alumnus] = []
    for n in range(3 * SLICE):
        alumnus: Alumnus = AlumnusFactory(consent_push=n % 3 != 2, consent_email=n % 3 != 1)
        people.append(alumnus)
        if alumnus.consent_push:
            sub = push_service.subscription()
            alumnus.push_subscriptions.create(
                endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth
            )
            devices[alumnus.pk] = sub

    _stop_after_first_slice(monkeypatch)
    try:
        first = notice_fan_out(notice_id=notice.pk)
    finally:
        stop_requested.clear()
    monkeypatch.undo()
    assert first.interrupted
    digest = digest_send(month=timezone.localdate().replace(day=1))
    rest = notice_fan_out(notice_id=notice.pk)

    def times_reached(alumnus: Alumnus) -> int:
        pushes = len(devices[alumnus.pk].received) if alumnus.pk in devices else 0
        mails = [m for m in smtp.to(alumnus.email) if notice.title in text_body(m)]
        return pushes + len(mails)

    assert [times_reached(a) for a in people] == [1] * len(people)
    # The digest told the two of each later slice who take mail; the fan-out told the rest.
    assert (digest.alumni_mailed, digest.items) == (4, 4)
    assert (rest.pushes_sent, rest.emails_sent) == (2, 0)
    # Those the digest told have no push or mail delivery of the item: a further run (the
    # check-up) finds nothing to do and creates nothing.
    told = Delivery.objects.filter(item=notice, channel=Channel.DIGEST, status=DeliveryStatus.SENT)
    assert told.count() == 4
    assert not Delivery.objects.filter(
        item=notice,
        channel__in=[Channel.PUSH, Channel.EMAIL],
        alumnus_id__in=told.values("alumnus_id"),
    ).exists()
    with CaptureQueriesContext(connection) as again:
        report = notice_fan_out(notice_id=notice.pk)
    assert (report.pushes_sent, report.emails_sent) == (0, 0)
    assert not any(q["sql"].lstrip().upper().startswith("INSERT") for q in again)


def test_the_digest_leaves_out_what_the_fan_out_sent_after_the_digest_read_its_batch(
    notice: NoticePage,
    push_service: LocalPushService,
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The digest reads what a batch of alumni received, then mails them one by one: the
    fan-out can reach one of them in between. What it sent is no longer listed."""
    devices = {}
    for alumnus in AlumnusFactory.create_batch(2, consent_push=True, consent_email=True):
        sub = push_service.subscription()
        alumnus.push_subscriptions.create(endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth)
        devices[alumnus.pk] = sub
    claim_digest = services._claim_digest

    def fan_out_first(**kwargs: Any) -> str:
        if not Delivery.objects.filter(item=notice, channel=Channel.PUSH).exists():
            notice_fan_out(notice_id=notice.pk)
        return claim_digest(**kwargs)

    monkeypatch.setattr(services, "_claim_digest", fan_out_first)
    digest = digest_send(month=timezone.localdate().replace(day=1))

    assert [len(sub.received) for sub in devices.values()] == [1, 1]
    assert (digest.alumni_mailed, smtp.messages) == (0, [])
    assert not Delivery.objects.filter(item=notice, channel=Channel.DIGEST).exists()


# --- the digest claiming between the fan-out's check and its claim, and the other way round --


def _people(push_service: LocalPushService, *kinds: tuple[bool, bool, int]) -> list[Any]:
    """Alumni with (consent_push, consent_email, push answer) each; a device for push ones."""
    people = []
    for consent_push, consent_email, answer in kinds:
        alumnus = AlumnusFactory(consent_push=consent_push, consent_email=consent_email)
        sub = None
        if consent_push:
            sub = push_service.subscription(responses=(answer,))
            alumnus.push_subscriptions.create(
                endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth
            )
        people.append((alumnus, sub))
    return people


def _times_reached(notice: NoticePage, smtp: SMTPInbox, people: list[Any]) -> list[int]:
    """How many times each person got the notice: pushes delivered and mails that name it."""
    return [
        (len(sub.received) if sub else 0)
        + sum(notice.title in text_body(m) for m in smtp.to(alumnus.email))
        for alumnus, sub in people
    ]


@pytest.mark.parametrize("gap", ["_push_phase", "_email_phase"])
def test_a_digest_claiming_after_the_fan_out_checked_a_slice_is_not_overtaken(
    gap: str,
    notice: NoticePage,
    push_service: LocalPushService,
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The digest runs after the walk read a slice and found work for everybody, before the
    slice's pushes are claimed (or after them, before its mail is): whoever the digest told
    gets nothing from the fan-out, and the others get the fan-out's message once."""
    people = _people(
        push_service,
        (True, True, 201),  # push and mail
        (True, True, 410),  # a device that is gone, and mail
        (False, True, 201),  # mail only
        (True, False, 201),  # push only (in the second slice)
    )
    phase = getattr(services, gap)

    def digest_first(**kwargs: Any) -> Any:
        if not Delivery.objects.filter(item=notice, channel=Channel.DIGEST).exists():
            digest_send(month=timezone.localdate().replace(day=1))
        return phase(**kwargs)

    monkeypatch.setattr(services, gap, digest_first)
    notice_fan_out(notice_id=notice.pk)

    assert _times_reached(notice, smtp, people) == [1, 1, 1, 1]
    digest = Delivery.objects.filter(item=notice, channel=Channel.DIGEST, status="sent")
    mailed = sorted(digest.values_list("alumnus_id", flat=True))
    if gap == "_push_phase":  # before any push: the digest told everybody who takes mail
        assert mailed == sorted(a.pk for a, _ in people if a.consent_email)
    else:  # after the pushes: those push reached are left out of the digest
        assert mailed == [people[1][0].pk, people[2][0].pk]
    assert not Delivery.objects.filter(item=notice, channel=Channel.EMAIL).exists()
