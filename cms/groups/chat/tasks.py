"""Background work of community chat: the push that tells members about new messages, and its
retries (cms.push.notify)."""

from django.tasks import task

from cms.push.notify import notify_retry_later
from cms.push.tasks import task_run_again


@task()
def chat_push_task(group_id: int) -> dict[str, int]:
    """Push "new messages" for one group; runs again when members were inside their interval."""
    from .services import chat_push_new_messages

    report = chat_push_new_messages(group_id=group_id)
    if report.next_run_at is not None:
        task_run_again(chat_push_task, report.next_run_at, group_id)
    notify_retry_later(chat_push_retry_task, report, group_id)
    return report.counts()


@task()
def chat_push_retry_task(group_id: int, retry: list[list[int]]) -> dict[str, int]:
    """Try again the pushes of a group that a push service answered 429, 5xx, timeout or reset
    (`retry`: [subscription id, tries so far]); runs again while some are still due."""
    from .services import chat_push_retry

    report = chat_push_retry(group_id=group_id, retry=[(pk, tries) for pk, tries in retry])
    notify_retry_later(chat_push_retry_task, report, group_id)
    return report.counts()
