"""Background work of the push domain: the fan-out of one notice, retried later when asked."""

import datetime as dt
import logging

from django.tasks import default_task_backend, task
from django.utils import timezone

logger = logging.getLogger(__name__)


@task()
def notice_fan_out_task(notice_id: int) -> dict[str, int]:
    """Send one notice to its audience; schedules itself again for services that said 429/503."""
    from .services import notice_fan_out

    report = notice_fan_out(notice_id=notice_id)
    if report.retry_at is not None:
        if default_task_backend.supports_defer:
            notice_fan_out_task.using(run_after=report.retry_at + dt.timedelta(seconds=1)).enqueue(
                notice_id
            )
        else:
            logger.warning(
                "notice %s: push retry due at %s, but the task backend cannot defer",
                notice_id,
                timezone.localtime(report.retry_at).isoformat(),
            )
    return {
        "audience": report.audience,
        "pushes_sent": report.pushes_sent,
        "pushes_failed": report.pushes_failed,
        "pushes_expired": report.pushes_expired,
        "emails_sent": report.emails_sent,
    }
