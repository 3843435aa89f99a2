"""Background work of the push domain: the fan-out of one item (a notice, a survey) for one
reason, scheduled again while some of it waits for a retry."""

import datetime as dt
import logging

from django.tasks import default_task_backend, task
from django.utils import timezone

from .items import DeliveryReason

logger = logging.getLogger(__name__)


@task()
def item_fan_out_task(page_id: int, reason: str) -> dict[str, int]:
    """Send one item to its audience for `reason`; runs again when retries are due."""
    from .services import item_fan_out

    report = item_fan_out(page_id=page_id, reason=reason)
    if report.retry_at is not None:
        if default_task_backend.supports_defer:
            item_fan_out_task.using(run_after=report.retry_at + dt.timedelta(seconds=1)).enqueue(
                page_id, reason
            )
        else:
            logger.warning(
                "item %s (%s): retry due at %s, but the task backend cannot defer",
                page_id,
                reason,
                timezone.localtime(report.retry_at).isoformat(),
            )
    return {
        "audience": report.audience,
        "pushes_sent": report.pushes_sent,
        "pushes_failed": report.pushes_failed,
        "pushes_expired": report.pushes_expired,
        "emails_sent": report.emails_sent,
    }


@task()
def notice_fan_out_task(notice_id: int) -> dict[str, int]:
    """A notice's fan-out at its publication (kept for the callers and the tasks queued under
    this name): the item fan-out for 公開."""
    result: dict[str, int] = item_fan_out_task.call(notice_id, DeliveryReason.PUBLISHED)
    return result
