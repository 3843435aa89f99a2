"""Leases on claims: 「送信中」 past its lease is not delivered (digest), and the sweeper gives
stale notice deliveries and invitation mails to a new run that sends each exactly once."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from cms.alumni import services as alumni_services
from cms.alumni.models import Invitation, InvitationDelivery
from cms.content.models import NoticePage
from cms.push.models import Channel, Delivery, DeliveryStatus
from tests.alumni.factories import RosterEntryFactory
from tests.fixtures.smtp import SMTPInbox, text_body
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


def test_a_claim_carries_a_lease_and_a_stale_one_is_mailed_once_after_the_sweep(
    publish: Callable[..., NoticePage],
    smtp: SMTPInbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quiet = AlumnusFactory(consent_push=False, consent_email=True)
    notice = publish(title="止まった配信")
    delivery = Delivery.objects.get(item=notice, alumnus=quiet, channel=Channel.EMAIL)
    assert delivery.status == DeliveryStatus.SENT and delivery.claimed_until is None
    # As a worker killed mid-send leaves it: claimed, its lease run out, nothing sent.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING,
        claim="dead-worker",
        claimed_until=timezone.now() - dt.timedelta(seconds=1),
        sent_at=None,
    )
    smtp.clear()
    month = timezone.localdate().strftime("%Y-%m")
    call_command("send_digest", month=month)
    [digest] = smtp.to(quiet.email)  # stale 「送信中」 is not "received"
    assert "止まった配信" in text_body(digest)
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_claims")
    [mail] = smtp.to(quiet.email)
    assert "止まった配信" in mail["Subject"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.claim == ""
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_claims")
    assert smtp.messages == []


def test_a_sending_claim_within_its_lease_is_left_alone(
    publish: Callable[..., NoticePage], smtp: SMTPInbox, settings: Any
) -> None:
    quiet = AlumnusFactory(consent_push=False, consent_email=True)
    notice = publish()
    Delivery.objects.filter(item=notice, alumnus=quiet).update(
        status=DeliveryStatus.SENDING,
        claim="live-worker",
        claimed_until=timezone.now() + dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS),
    )
    call_command("sweep_claims")
    assert Delivery.objects.get(item=notice, alumnus=quiet).claim == "live-worker"


def test_an_invitation_left_sending_by_a_dead_worker_is_sent_after_the_sweep(
    smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    entry = RosterEntryFactory(email="stuck@example.jp")
    [invitation_id] = alumni_services.invitation_queue_emails(entries=[entry], actor=None)
    Invitation.objects.filter(pk=invitation_id).update(
        delivery=InvitationDelivery.SENDING,
        claimed_until=timezone.now() - dt.timedelta(seconds=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_claims")
    [message] = smtp.to("stuck@example.jp")
    assert "ご登録のご案内" in message["Subject"]
    invitation = Invitation.objects.get(pk=invitation_id)
    assert invitation.delivery == InvitationDelivery.SENT
    assert invitation.claimed_until is None
