"""Background work of community chat: the push that tells members about new messages, and its
retries (the push domain's retry rule)."""

import datetime as dt
from typing import TYPE_CHECKING

from django.tasks import default_task_backend, task

from cms.push.tasks import task_run_again

if TYPE_CHECKING:
    from .services import ChatPushReport


@task()
def chat_push_task(group_id: int) -> dict[str, int]:
    """Push "new messages" for one group; runs again when members were inside their interval."""
    from .services import chat_push_new_messages

    report = chat_push_new_messages(group_id=group_id)
    if report.next_run_at is not None and default_task_backend.supports_defer:
        chat_push_task.using(run_after=report.next_run_at + dt.timedelta(seconds=1)).enqueue(
            group_id
        )
    return _retry_later(group_id, report)


@task()
def chat_push_retry_task(group_id: int, retry: list[list[int]]) -> dict[str, int]:
    """Try again the pushes of a group that a push service answered 429, 5xx, timeout or reset
    (`retry`: [subscription id, tries so far]); runs again while some are still due."""
    from .services import chat_push_retry

    report = chat_push_retry(group_id=group_id, retry=[(pk, tries) for pk, tries in retry])
    return _retry_later(group_id, report)


def _retry_later(group_id: int, report: "ChatPushReport") -> dict[str, int]:
    if report.retry and report.retry_at is not None:
        retry = [list(pair) for pair in report.retry]
        task_run_again(chat_push_retry_task, report.retry_at, group_id, retry)
    return {
        "members": report.members,
        "pushes_sent": report.pushes_sent,
        "pushes_failed": report.pushes_failed,
        "pushes_expired": report.pushes_expired,
    }
