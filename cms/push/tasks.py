"""Background work of the push domain: the fan-out of one item (a notice, a survey) for one
reason, scheduled again while some of it waits for a retry, and checked up on after a lease;
the monthly digest.

A worker asked to stop while it runs a fan-out or the digest (SIGTERM: a deploy, `systemctl
stop`) stops sending at once (`cms.worker_stop`): the messages in flight are answered and
recorded, the rest handed back and the task queued again for the next worker. A SIGKILL cannot
be handled: the lease and the sweeper take over, and the check-up each fan-out run queues once
it has found work (see `_check_up_enqueue`) covers a worker killed between slices.
"""

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.tasks import Task, default_task_backend, task
from django.utils import timezone

from cms.worker_stop import stop_requests_heard

from .items import DeliveryReason

logger = logging.getLogger(__name__)


@task()
def item_fan_out_task(page_id: int, reason: str) -> dict[str, int]:
    """Send one item to its audience for `reason`; runs again when retries are due."""
    from .services import item_fan_out

    with stop_requests_heard():
        report = item_fan_out(
            page_id=page_id, reason=reason, started=partial(_check_up_enqueue, page_id, reason)
        )
    if report.interrupted:
        logger.warning("fan-out of page %s (%s) handed back: the worker stops", page_id, reason)
        item_fan_out_task.enqueue(page_id, reason)
    if report.retry_at is not None:
        task_run_again(item_fan_out_task, report.retry_at, page_id, reason)
    return {
        "audience": report.audience,
        "pushes_sent": report.pushes_sent,
        "pushes_failed": report.pushes_failed,
        "pushes_expired": report.pushes_expired,
        "emails_sent": report.emails_sent,
    }


def _check_up_enqueue(page_id: int, reason: str) -> None:
    """Queue the same fan-out to run once a lease from now (when the backend can defer).

    A worker killed while it holds a slice leaves claims whose lease runs out, and the sweeper
    queues the fan-out again; but one killed between two slices (or between a slice's pushes
    and its mail) holds no claim, and nothing else would say the rest is still to do. This run
    does, before its first claim: the check-up finishes what a dead run left, takes a share of
    a long one still going, and for a finished fan-out is the walk alone, which finds nothing
    and queues no further check-up."""
    from .services import lease_end

    if default_task_backend.supports_defer:
        task_run_again(item_fan_out_task, lease_end(), page_id, reason)


def task_run_again(work: Task[Any, Any], retry_at: dt.datetime, *args: Any) -> None:
    """Queue `work` again to run just after `retry_at` (when the backend can defer)."""
    if default_task_backend.supports_defer:
        work.using(run_after=retry_at + dt.timedelta(seconds=1)).enqueue(*args)
    else:
        logger.warning(
            "%s%r: retry due at %s, but the task backend cannot defer",
            work.name,
            args,
            timezone.localtime(retry_at).isoformat(),
        )


@task(queue_name="mail")
def digest_send_task(month: str) -> dict[str, int]:
    """The monthly digest of `month` (YYYY-MM-DD, its first day); runs again while mails wait
    for a retry."""
    from .services import digest_send

    with stop_requests_heard():
        report = digest_send(month=dt.date.fromisoformat(month))
    if report.interrupted:
        logger.warning("digest of %s handed back: the worker stops", month)
        digest_send_task.enqueue(month)
    if report.retry_at is not None:
        task_run_again(digest_send_task, report.retry_at, month)
    return {"alumni_mailed": report.alumni_mailed, "items": report.items}


@task()
def notice_fan_out_task(notice_id: int) -> dict[str, int]:
    """A notice's fan-out at its publication (kept for the callers and the tasks queued under
    this name): the item fan-out for 公開."""
    result: dict[str, int] = item_fan_out_task.call(notice_id, DeliveryReason.PUBLISHED)
    return result
