"""A deploy's SIGTERM while a real `task_worker` sends mail: a fan-out's mail phase, the monthly
digest, a batch of invitation mails. The mail in flight goes out and is recorded, nothing new
is sent, the rest is handed back (nothing left 「送信中」 for a lease to run out) and the worker
exits 0 by itself; the next worker sends the rest, and everybody gets their mail once."""

import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db.models import QuerySet
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.alumni.models import Invitation, InvitationDelivery
from cms.alumni.tasks import invitation_batch_send
from cms.content.models import NoticeIndexPage, NoticePage
from cms.push.models import Channel, Delivery, DeliveryStatus
from cms.push.tasks import digest_send_task, notice_fan_out_task
from tests.alumni.factories import RosterEntryFactory
from tests.content.factories import NoticePageFactory
from tests.fixtures.smtp import SMTPInbox
from tests.groups.factories import AlumnusFactory
from tests.push.conftest import DATABASE_QUEUE, wait_until

PEOPLE = 6


@dataclass
class MailRun:
    queue: str
    addresses: list[str]
    sending: QuerySet[Any]  # what would be left 「送信中」
    enqueue: Callable[[], Any]


def _fan_out(notice_index: NoticeIndexPage) -> MailRun:
    alumni = AlumnusFactory.create_batch(PEOPLE, consent_push=False, consent_email=True)
    notice = NoticePageFactory(parent=notice_index, live=True, notify_alumni=True)
    return MailRun(
        queue="default",
        addresses=[a.email for a in alumni],
        sending=Delivery.objects.filter(item=notice, status=DeliveryStatus.SENDING),
        enqueue=lambda: notice_fan_out_task.enqueue(notice.pk),
    )


def _digest(notice_index: NoticeIndexPage) -> MailRun:
    alumni = AlumnusFactory.create_batch(PEOPLE, consent_push=False, consent_email=True)
    notice = NoticePageFactory(parent=notice_index, live=True, notify_alumni=True)
    NoticePage.objects.filter(pk=notice.pk).update(first_published_at=timezone.now())
    month = timezone.localdate().replace(day=1).isoformat()
    return MailRun(
        queue="mail",
        addresses=[a.email for a in alumni],
        sending=Delivery.objects.filter(channel=Channel.DIGEST, status=DeliveryStatus.SENDING),
        enqueue=lambda: digest_send_task.enqueue(month),
    )


def _invitations(notice_index: NoticeIndexPage) -> MailRun:
    entries = RosterEntryFactory.create_batch(PEOPLE)
    return MailRun(
        queue="mail",
        addresses=[e.email for e in entries],
        sending=Invitation.objects.filter(delivery=InvitationDelivery.SENDING),
        enqueue=lambda: invitation_batch_send.enqueue(
            entry_ids=[e.pk for e in entries], actor_id=None
        ),
    )


@pytest.mark.parametrize("make_run", [_fan_out, _digest, _invitations])
def test_sigterm_while_mail_goes_out_hands_back_the_rest_and_everybody_gets_it_once(
    make_run: Callable[[NoticeIndexPage], MailRun],
    real_commits: None,
    notice_index: NoticeIndexPage,
    smtp: SMTPInbox,
    smtp_server: tuple[SMTPInbox, int],
    start_worker: Callable[..., subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    run = make_run(notice_index)
    mail_server = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_server[1])}
    smtp.hold(after=2)
    with override_settings(TASKS=DATABASE_QUEUE):
        run.enqueue()
    first = start_worker(run.queue, **mail_server)
    wait_until(
        lambda: len(smtp.messages) == 2 and smtp.held == 1, "two mails sent, the third in flight"
    )
    first.send_signal(signal.SIGTERM)  # what a deploy (systemctl stop, supervisor) sends
    log = tmp_path / "worker-0.log"
    wait_until(lambda: b"shutting down gracefully" in log.read_bytes(), "the worker to stop")
    smtp.release()

    assert first.wait(timeout=60) == 0
    assert len(smtp.messages) == 3  # the one in flight, and no new one after the SIGTERM
    assert not run.sending.exists()

    start_worker(run.queue, **mail_server)  # after the deploy
    wait_until(lambda: len(smtp.messages) >= PEOPLE, "the next worker to send the rest")
    wait_until(
        lambda: (
            not DBTaskResult.objects.ready().exists()
            and not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
        ),
        "the queued work to be done",
    )
    assert [len(smtp.to(address)) for address in run.addresses] == [1] * PEOPLE
    assert len(smtp.messages) == PEOPLE
    assert not run.sending.exists()
