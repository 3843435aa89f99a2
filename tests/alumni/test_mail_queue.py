"""Mail leaves the request: login codes and invitation runs are tasks on the "mail" queue."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.tasks import TaskResultStatus
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from cms.alumni.api import LOGIN_CODE_QUEUED
from cms.alumni.management.commands.task_worker import ResilientWorker
from cms.alumni.models import Invitation, OneTimeCode
from cms.alumni.services import PENDING_CODE_HASH
from cms.alumni.tasks import invitation_batch_send, one_time_code_mail
from tests.alumni.factories import AlumnusFactory, RosterEntryFactory
from tests.fixtures.smtp import SMTPInbox, text_body

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "pwa", "mail"],
    }
}
MAIL_SERVER_DOWN = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        # Nothing listens on the discard port: the connection is refused at once.
        "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
    }
}


@pytest.fixture
def database_queue() -> Iterator[None]:
    """Tasks wait in the database as in production, until `run_mail_worker()` takes them."""
    with override_settings(TASKS=DATABASE_QUEUE):
        yield


def run_mail_worker() -> None:
    """What the "mail" worker does with each ready task: claim it, run it, record the result
    (its loop, minus the connection recycling that would end this test's transaction)."""
    worker = ResilientWorker(
        queue_names=["mail"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-mail",
        excluded_queue_names=[],
        error_pause=0.1,
    )
    while True:
        with transaction.atomic():
            ready = DBTaskResult.objects.ready().filter(queue_name="mail").get_locked()
            if ready is None:
                return
            ready.claim(worker.worker_id)
        worker.run_task(ready)


def mail_tasks() -> Any:
    return DBTaskResult.objects.filter(queue_name="mail")


def mailed_code(smtp: SMTPInbox, address: str) -> str:
    found = re.search(r"確認コード: (\d{6})", text_body(smtp.to(address)[-1]))
    assert found is not None
    return found.group(1)


def test_login_with_the_mail_server_down_answers_202_not_500(settings: Any) -> None:
    """Even with tasks run in-process (the test settings), a mail outage is no error."""
    settings.MAILERS = MAIL_SERVER_DOWN
    AlumnusFactory(email="taro@example.jp")

    response = APIClient().post("/api/v1/auth/code", {"email": "taro@example.jp"}, format="json")

    assert response.status_code == 202
    assert response.json() == {"detail": LOGIN_CODE_QUEUED}
    assert OneTimeCode.objects.get().code_hash == PENDING_CODE_HASH


def test_the_login_code_is_mailed_by_the_mail_worker_not_the_request(
    database_queue: None, smtp: SMTPInbox, settings: Any
) -> None:
    AlumnusFactory(email="taro@example.jp")
    client = APIClient()

    asked = client.post("/api/v1/auth/code", {"email": "taro@example.jp"}, format="json")
    unknown = client.post("/api/v1/auth/code", {"email": "nobody@example.jp"}, format="json")

    assert (asked.status_code, unknown.status_code) == (202, 202)
    assert asked.json() == unknown.json() == {"detail": LOGIN_CODE_QUEUED}
    assert smtp.wait_for(1, timeout=0.3) == []
    # The same work for both addresses: a pending code each, a task each (the task decides).
    queued = list(mail_tasks())
    assert [task.task_path for task in queued] == [one_time_code_mail.module_path] * 2
    # The code is drawn by the task: neither its row nor the task holds it yet.
    assert {code.code_hash for code in OneTimeCode.objects.all()} == {PENDING_CODE_HASH}
    assert not any("taro" in str(task.args_kwargs) for task in queued)

    run_mail_worker()

    code = mailed_code(smtp, "taro@example.jp")
    session = client.post(
        "/api/v1/auth/session", {"email": "taro@example.jp", "code": code}, format="json"
    )
    assert session.status_code == 200
    assert len(smtp.messages) == 1


def test_a_mail_outage_leaves_the_code_pending_and_a_retry_mails_it(
    database_queue: None, smtp: SMTPInbox, settings: Any
) -> None:
    AlumnusFactory(email="taro@example.jp")
    mail_up = settings.MAILERS
    settings.MAILERS = MAIL_SERVER_DOWN

    response = APIClient().post("/api/v1/auth/code", {"email": "taro@example.jp"}, format="json")
    run_mail_worker()

    assert response.status_code == 202
    first, retry = mail_tasks().order_by("enqueued_at")
    assert first.status == TaskResultStatus.SUCCESSFUL
    assert first.return_value == "failed"
    assert OneTimeCode.objects.get().code_hash == PENDING_CODE_HASH
    assert retry.status == TaskResultStatus.READY
    assert retry.run_after > timezone.now()  # after a pause, not at once
    assert retry.args_kwargs["kwargs"]["attempt"] == 2

    settings.MAILERS = mail_up
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_mail_worker()

    assert len(smtp.wait_for(1)) == 1
    assert OneTimeCode.objects.get().code_hash != PENDING_CODE_HASH
    assert mail_tasks().count() == 2


def test_the_email_change_code_is_mailed_by_a_task(database_queue: None, smtp: SMTPInbox) -> None:
    alumnus = AlumnusFactory(email="taro@example.jp")
    client = APIClient()
    client.force_authenticate(alumnus.user)

    patched = client.patch("/api/v1/me", {"email": "new@example.jp"}, format="json")

    assert patched.status_code == 200
    assert patched.json()["pending_email"] == "new@example.jp"
    assert smtp.wait_for(1, timeout=0.3) == []
    run_mail_worker()
    [message] = smtp.wait_for(1)
    assert "メールアドレス変更の確認コード" in message["Subject"]
    assert smtp.to("new@example.jp") == [message]


def test_sending_to_everyone_queues_batches_that_each_send_once(
    database_queue: None, smtp: SMTPInbox, client: Client, settings: Any
) -> None:
    settings.ALUMNI_INVITATION_BATCH_SIZE = 3
    entries = [RosterEntryFactory() for _ in range(8)]
    withdrawn = RosterEntryFactory(withdrawn_at=timezone.now())
    client.force_login(get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw"))

    page = client.post("/admin/alumni/invitations/send/", follow=True).content.decode()

    assert "8 件の招待メールを送信キューに入れました。3 回に分けて順に送信します。" in page
    batches = list(mail_tasks())
    assert [t.task_path for t in batches] == [invitation_batch_send.module_path] * 3
    assert sorted(len(t.args_kwargs["kwargs"]["entry_ids"]) for t in batches) == [2, 3, 3]
    assert not Invitation.objects.exists()  # nothing was done in the request but queueing
    # Withdrawn (退会) after the run was queued: its batch skips it.
    late = entries.pop(0)
    late.withdrawn_at = timezone.now()
    late.save(update_fields=["withdrawn_at"])

    run_mail_worker()
    # The same batches once more (a worker that died before recording them, say): no resend.
    for batch in batches:
        invitation_batch_send.enqueue(**batch.args_kwargs["kwargs"])
    run_mail_worker()

    messages = smtp.wait_for(8, timeout=0.5)
    assert sorted(rcpt for _, [rcpt] in smtp.envelopes) == sorted(e.email for e in entries)
    assert len(messages) == 7
    assert not smtp.to(withdrawn.email)
    assert not smtp.to(late.email)
    assert Invitation.objects.filter(delivery="sent").count() == 7
    assert not Invitation.objects.filter(roster_entry__in=[late, withdrawn]).exists()
    assert "送信済み" in client.get("/admin/alumni/invitations/").content.decode()
