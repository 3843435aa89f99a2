"""Invitation mail state for HR, retries kept across runs, one SMTP connection per batch, and
a mail server down then up: every invitation and notice mail arrives once (real SMTP)."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.alumni import services
from cms.alumni.models import AuditLogEntry, Invitation, InvitationDelivery
from cms.push.items import DeliveryReason
from cms.push.models import Channel, Delivery, DeliveryStatus
from cms.push.services import digest_send, item_fan_out
from tests.alumni.factories import RosterEntryFactory
from tests.alumni.test_mail_queue import database_queue, run_mail_worker  # noqa: F401
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site
from tests.fixtures.smtp import SMTPInbox, SwitchableSMTP
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


def _queue(entries: list[Any], capture: Any) -> list[int]:
    with capture(execute=True):
        return services.invitation_queue_emails(entries=entries, actor=None)


def _time_passes() -> None:
    """Every retry (and deferred task) falls due now, as if the back-off had gone by."""
    past = timezone.now() - dt.timedelta(seconds=1)
    Invitation.objects.exclude(retry_at=None).update(retry_at=past)
    Delivery.objects.exclude(retry_at=None).update(retry_at=past)
    DBTaskResult.objects.filter(status="READY").update(run_after=past)


def test_a_batch_of_invitations_goes_over_one_smtp_connection(
    smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    entries = [RosterEntryFactory() for _ in range(5)]
    _queue(entries, django_capture_on_commit_callbacks)
    assert len(smtp.wait_for(5)) == 5
    assert smtp.connections == 1


def test_a_failed_invitation_waits_for_a_retry_and_fails_after_the_last_attempt(
    switchable_smtp: SwitchableSMTP, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MAIL_MAX_ATTEMPTS = 2
    switchable_smtp.down()
    [invitation_id] = _queue([RosterEntryFactory()], django_capture_on_commit_callbacks)

    invitation = Invitation.objects.get(pk=invitation_id)
    assert (invitation.delivery, invitation.attempts) == (InvitationDelivery.RETRY, 1)
    assert invitation.retry_at is not None and invitation.code_hash is None
    assert invitation.delivery_error == "メールサーバー: ConnectionRefusedError"
    assert invitation.mail_state == "再送待ち"

    _time_passes()
    services.invitation_emails_send(invitation_ids=[invitation_id])
    invitation.refresh_from_db()
    assert (invitation.delivery, invitation.attempts) == (InvitationDelivery.FAILED, 2)
    assert invitation.retry_at is None and invitation.can_resend


@pytest.mark.usefixtures("database_queue")
def test_mail_server_down_then_up_every_invitation_and_notice_mail_arrives_once(
    switchable_smtp: SwitchableSMTP,
    django_capture_on_commit_callbacks: Any,
) -> None:
    entries = [RosterEntryFactory() for _ in range(4)]
    readers = [AlumnusFactory(consent_email=True, consent_push=False) for _ in range(3)]
    notice = NoticePageFactory(
        parent=NoticeIndexPageFactory(parent=make_site()), notify_alumni=True
    )
    switchable_smtp.down()

    _queue(entries, django_capture_on_commit_callbacks)
    run_mail_worker()  # the server is down: one try fails, the rest wait untried
    first = item_fan_out(page_id=notice.pk, reason=DeliveryReason.PUBLISHED)

    states = sorted(Invitation.objects.values_list("delivery", "attempts"))
    assert states == [("queued", 0)] * 3 + [("retry", 1)]
    assert DBTaskResult.objects.filter(status="READY", queue_name="mail").count() == 1
    mails = Delivery.objects.filter(item=notice, channel=Channel.EMAIL)
    assert sorted(mails.values_list("status", "attempts")) == [("retry", 0)] * 2 + [("retry", 1)]
    assert first.retry_at is not None and first.emails_sent == 0

    switchable_smtp.up()
    _time_passes()
    run_mail_worker()
    item_fan_out(page_id=notice.pk, reason=DeliveryReason.PUBLISHED)
    # Everything once more (a duplicated task, a republish): nobody gets a second mail.
    services.invitation_emails_send(
        invitation_ids=list(Invitation.objects.values_list("pk", flat=True))
    )
    item_fan_out(page_id=notice.pk, reason=DeliveryReason.PUBLISHED)

    inbox = switchable_smtp.inbox
    recipients = sorted(rcpt for _, [rcpt] in inbox.envelopes)
    assert recipients == sorted([e.email for e in entries] + [r.email for r in readers])
    assert set(Invitation.objects.values_list("delivery", flat=True)) == {"sent"}
    assert set(mails.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_the_digest_retries_a_failed_mail_keeping_its_attempts(
    switchable_smtp: SwitchableSMTP,
) -> None:
    readers = [AlumnusFactory(consent_email=True) for _ in range(2)]
    NoticePageFactory(
        parent=NoticeIndexPageFactory(parent=make_site()),
        title="月のお知らせ",
        first_published_at=timezone.now(),
    )
    month = timezone.localdate().replace(day=1)
    switchable_smtp.down()

    report = digest_send(month=month)

    assert report.retry_at is not None and report.alumni_mailed == 0
    digests = Delivery.objects.filter(channel=Channel.DIGEST)
    assert list(digests.values_list("status", "attempts")) == [("retry", 1)]

    switchable_smtp.up()
    _time_passes()
    assert digest_send(month=month).alumni_mailed == 2
    assert digest_send(month=month).alumni_mailed == 0
    inbox = switchable_smtp.inbox
    assert sorted(rcpt for _, [rcpt] in inbox.envelopes) == sorted(r.email for r in readers)
    assert inbox.connections == 1  # both digests over one connection
    assert sorted(digests.values_list("status", "attempts")) == [("sent", 1), ("sent", 2)]


# --- HR's invitation screen ----------------------------------------------------------------


def _invitation(state: str, **fields: Any) -> Invitation:
    return Invitation.objects.create(
        roster_entry=RosterEntryFactory(), channel="email", delivery=state, **fields
    )


def test_hr_sees_each_invitation_mails_state_reason_and_attempts(admin_client: Client) -> None:
    past = timezone.now() - dt.timedelta(minutes=10)
    _invitation("queued")
    _invitation("sending", claimed_until=timezone.now() + dt.timedelta(minutes=5))
    _invitation("retry", attempts=2, delivery_error="メールサーバー: SMTPServerDisconnected")
    _invitation("sent", attempts=1)
    failed = _invitation(
        "failed", attempts=5, delivery_error="メールサーバー: ConnectionRefusedError"
    )
    stuck = _invitation("sending", attempts=1, claimed_until=past)

    page = admin_client.get("/admin/alumni/invitations/").content.decode()

    for label in ("送信待ち", "送信中", "再送待ち", "送信済み", "失敗", "停止（期限切れの送信中）"):
        assert label in page
    assert "メールサーバー: ConnectionRefusedError" in page
    assert page.count('class="button button-small"') == 2  # 再送: the failed and the stuck
    for invitation in (failed, stuck):
        assert f"/admin/alumni/invitations/{invitation.pk}/resend/" in page
    stuck_only = admin_client.get("/admin/alumni/invitations/?delivery=stuck").content.decode()
    assert f'data-invitation="{stuck.pk}"' in stuck_only
    assert f'data-invitation="{failed.pk}"' not in stuck_only


def test_resending_a_failed_invitation_sends_it_once_and_is_audited(
    admin_client: Client, smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    failed = _invitation("failed", attempts=5, delivery_error="メールサーバー: timeout")
    url = f"/admin/alumni/invitations/{failed.pk}/resend/"

    assert admin_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url)  # sent now: no second mail

    [message] = smtp.wait_for(1)
    assert smtp.to(failed.roster_entry.email) == [message]
    failed.refresh_from_db()
    assert (failed.delivery, failed.attempts, failed.delivery_error) == ("sent", 1, "")
    entry = AuditLogEntry.objects.get(target="invitation_resend")
    assert entry.record_ids == [str(failed.roster_entry_id)]


def test_staff_who_may_only_view_invitations_cannot_resend(client: Client) -> None:
    failed = _invitation("failed", attempts=5)
    viewer = get_user_model().objects.create_user("viewer", password="pw")
    group = Group.objects.create(name="招待の閲覧だけ")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_invitation"),
    )
    viewer.groups.add(group)
    client.force_login(viewer)

    page = client.get("/admin/alumni/invitations/").content.decode()
    assert "失敗" in page and f"/invitations/{failed.pk}/resend/" not in page
    response = client.post(f"/admin/alumni/invitations/{failed.pk}/resend/")
    assert response.status_code in (302, 403)  # Wagtail turns a refusal into a redirect home
    assert response.get("Location", "/admin/") == "/admin/"
    failed.refresh_from_db()
    assert failed.delivery == "failed"
    assert not AuditLogEntry.objects.filter(target="invitation_resend").exists()
