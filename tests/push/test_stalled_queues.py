"""A banner in the admin when no worker has taken a task for a while: the oldest ready task of
a queue older than TASK_STALLED_MINUTES, in Japanese, on every admin screen."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.push.selectors import task_queues_stalled
from cms.push.tasks import digest_send_task, item_fan_out_task

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "pwa", "mail"]}
}


def queue_waiting(minutes: float, *, deferred: bool = False) -> DBTaskResult:
    """A task on the "mail" queue, ready for `minutes` (queued then, or deferred until then)."""
    at = timezone.now() - dt.timedelta(minutes=minutes)
    with override_settings(TASKS=DATABASE_QUEUE):
        if deferred:
            result = digest_send_task.using(run_after=at).enqueue("2026-11-01")
        else:
            result = digest_send_task.enqueue("2026-11-01")
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=at - dt.timedelta(hours=2) if deferred else at
    )
    return DBTaskResult.objects.get(pk=result.id)


def test_a_queue_whose_oldest_ready_task_waited_too_long_is_stalled(settings: Any) -> None:
    settings.TASK_STALLED_MINUTES = 5
    queue_waiting(2)
    assert task_queues_stalled() == []
    oldest = queue_waiting(12)
    [stalled] = task_queues_stalled()
    assert (stalled.queue, stalled.waiting_since) == ("mail", oldest.enqueued_at)
    message = stalled.message(now=oldest.enqueued_at + dt.timedelta(minutes=12, seconds=5))
    assert message.startswith(
        "配信の処理が止まっています（キュー: mail、最も古い待ちタスク: 12分前）"
    )


def test_a_deferred_task_counts_from_when_it_fell_due(settings: Any) -> None:
    settings.TASK_STALLED_MINUTES = 5
    queue_waiting(-30, deferred=True)  # due in half an hour (queued two hours ago)
    queue_waiting(1, deferred=True)  # due a minute ago
    assert task_queues_stalled() == []
    queue_waiting(7, deferred=True)
    assert [s.queue for s in task_queues_stalled()] == ["mail"]


def test_a_task_taken_by_a_worker_is_not_waiting(settings: Any) -> None:
    settings.TASK_STALLED_MINUTES = 5
    task = queue_waiting(30)
    DBTaskResult.objects.filter(pk=task.pk).update(status="RUNNING")
    assert task_queues_stalled() == []


def test_every_admin_screen_shows_the_banner_while_a_queue_is_stalled(
    admin_client: Client, client: Client, settings: Any
) -> None:
    settings.TASK_STALLED_MINUTES = 5
    with override_settings(TASKS=DATABASE_QUEUE):
        fan_out = item_fan_out_task.enqueue(1, "published")
    DBTaskResult.objects.filter(pk=fan_out.id).update(
        enqueued_at=timezone.now() - dt.timedelta(minutes=12, seconds=30)
    )
    for url in ("/admin/", "/admin/alumni/invitations/", "/admin/delivery-monitor/"):
        page = admin_client.get(url).content.decode()
        assert "配信の処理が止まっています（キュー: default、最も古い待ちタスク: 12分前）" in page
    assert "配信の処理が止まっています" not in client.get("/admin/login/").content.decode()
    DBTaskResult.objects.all().delete()
    assert "配信の処理が止まっています" not in admin_client.get("/admin/").content.decode()
