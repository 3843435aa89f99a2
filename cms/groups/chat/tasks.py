"""Background work of community chat: the push that tells members about new messages."""

import datetime as dt

from django.tasks import default_task_backend, task


@task()
def chat_push_task(group_id: int) -> dict[str, int]:
    """Push "new messages" for one group; runs again when members were inside their interval."""
    from .services import chat_push_new_messages

    report = chat_push_new_messages(group_id=group_id)
    if report.next_run_at is not None and default_task_backend.supports_defer:
        chat_push_task.using(run_after=report.next_run_at + dt.timedelta(seconds=1)).enqueue(
            group_id
        )
    return {
        "members": report.members,
        "pushes_sent": report.pushes_sent,
        "pushes_failed": report.pushes_failed,
        "pushes_expired": report.pushes_expired,
    }
