"""'Something new for you' pushes, at most one per person and interval, with the push domain's
retry rule; nothing here knows what the new things are.

A domain hands over the people who have something unread as a queryset of its own rows, each
with an `alumnus` and three fields of bookkeeping: `last_pushed_at`, `last_pushed_message_id`
(the newest item id already pushed about) and `push_claim` (which running task holds the row,
empty when none does). The chat's memberships are such rows. `notify_enqueue` lets many events
share one deferred task, through Django's cache (Redis in production).
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Min, Q, QuerySet
from django.tasks import Task, default_task_backend
from django.utils import timezone

from .models import PushSubscription
from .services import PushNotConfigured, push_messages, push_send_retrying, send_options
from .tasks import task_run_again

logger = logging.getLogger(__name__)


@dataclass
class NotifyReport:
    members: int = 0
    pushes_sent: int = 0
    pushes_failed: int = 0
    pushes_expired: int = 0
    next_run_at: dt.datetime | None = None
    # Pushes left for a later try (subscription id, tries so far) and when it is due.
    retry: list[tuple[int, int]] = field(default_factory=list)
    retry_at: dt.datetime | None = None

    def counts(self) -> dict[str, int]:
        return {
            "members": self.members,
            "pushes_sent": self.pushes_sent,
            "pushes_failed": self.pushes_failed,
            "pushes_expired": self.pushes_expired,
        }


def notify_waiting(
    *, waiting: QuerySet[Any], newest: int, interval: dt.timedelta, payload: dict[str, Any]
) -> NotifyReport:
    """Push `payload` to the devices of the `waiting` rows not yet told about `newest`, at most
    once per row within `interval`. Rows still inside it are reported in `next_run_at` (the
    caller runs again then); two runs at once never claim one row."""
    report = NotifyReport()
    try:
        send_options()
    except PushNotConfigured:
        logger.warning("push skipped: no VAPID key")
        return report
    now = timezone.now()
    waiting = waiting.filter(
        last_pushed_message_id__lt=newest,
        alumnus__in=PushSubscription.objects.values("alumnus_id"),
    )
    due = Q(last_pushed_at__isnull=True) | Q(last_pushed_at__lte=now - interval)
    later = waiting.exclude(due).aggregate(first=Min("last_pushed_at"))["first"]
    if later is not None:
        report.next_run_at = later + interval
    token = uuid.uuid4().hex
    # The conditions are checked again by the UPDATE itself: two tasks never claim one row.
    rows = waiting.model.objects.filter(
        pk__in=list(waiting.filter(due).values_list("pk", flat=True))
    )
    rows.filter(due, last_pushed_message_id__lt=newest).update(
        push_claim=token, last_pushed_at=now, last_pushed_message_id=newest
    )
    claimed = waiting.model.objects.filter(push_claim=token)
    subscriptions = PushSubscription.objects.filter(alumnus_id__in=claimed.values("alumnus_id"))
    report.members = claimed.count()
    try:
        _send(subscriptions, attempts={}, payload=payload, report=report)
    finally:
        claimed.update(push_claim="")
    return report


def notify_retry(
    *, waiting: QuerySet[Any], retry: list[tuple[int, int]], payload: dict[str, Any]
) -> NotifyReport:
    """Try again the pushes that failed for a while (a 429, 5xx, timeout or reset), with their
    tries so far, only to the `waiting` rows' people (still unread, still accepting pushes)."""
    report = NotifyReport()
    attempts = dict(retry)
    subscriptions = PushSubscription.objects.filter(
        pk__in=list(attempts), alumnus_id__in=waiting.values("alumnus_id")
    )
    try:
        _send(subscriptions, attempts=attempts, payload=payload, report=report)
    except PushNotConfigured:
        logger.warning("push retry skipped: no VAPID key")
    return report


def _send(
    subscriptions: QuerySet[PushSubscription],
    *,
    attempts: dict[int, int],
    payload: dict[str, Any],
    report: NotifyReport,
) -> None:
    messages = push_messages(subscriptions, payload)
    report.members = report.members or len(messages)
    if not messages:
        return
    outcome = push_send_retrying(messages=messages, attempts=attempts)
    report.pushes_sent += len(outcome.sent)
    report.pushes_expired += len(outcome.expired)
    report.pushes_failed += len(outcome.failed)
    report.retry = sorted(outcome.retry.items())
    report.retry_at = outcome.retry_at


def notify_retry_later(retry_task: Task[Any, Any], report: NotifyReport, *args: Any) -> None:
    """Queue `retry_task(*args, retry)` for the pushes left to retry, when they are due."""
    if report.retry and report.retry_at is not None:
        task_run_again(retry_task, report.retry_at, *args, [list(pair) for pair in report.retry])


def notify_enqueue(task: Task[Any, Any], *, key: str, delay: int, **kwargs: Any) -> None:
    """Queue `task(**kwargs)` to run `delay` seconds from now (people reading right now see
    the news within that), once per `key` and half-delay: a task queued less than half the
    delay ago has not run yet and takes this event along. Queuing errors are logged, not
    raised: the event is stored, a missing push must not make it fail."""
    if delay and default_task_backend.supports_defer:
        if _batch_join(key, seconds=delay // 2):
            return
        task = task.using(run_after=timezone.now() + dt.timedelta(seconds=delay))
    try:
        task.enqueue(**kwargs)
    except Exception:
        logger.exception("push task %s for %s could not be queued", task.name, key)
        notify_batch_leave(key)


def _batch_join(key: str, *, seconds: int) -> bool:
    """True when a task for `key` was queued within `seconds`; otherwise marks one as queued
    now. The cache is shared by every process with Redis; when it fails, each event queues its
    own task (batching only saves work)."""
    try:
        return seconds >= 1 and not cache.add(f"push-queued:{key}", 1, timeout=seconds)
    except Exception as error:
        logger.warning("push batching unavailable: %s", error)
        return False


def notify_batch_leave(key: str) -> None:
    """The next event for `key` queues its own task (queuing failed, or the batch is over)."""
    try:
        cache.delete(f"push-queued:{key}")
    except Exception as error:
        logger.warning("push batching unavailable: %s", error)
