"""Publishing a notice with "notify alumni" (now or by schedule) enqueues its fan-out."""

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published

from cms.content.models import NoticePage

from .tasks import notice_fan_out_task


@receiver(page_published, sender=NoticePage, dispatch_uid="push_notice_published")
def enqueue_notice_fan_out(sender: type, instance: NoticePage, **kwargs: Any) -> None:
    if instance.notify_alumni:
        notice_id = instance.pk
        transaction.on_commit(lambda: notice_fan_out_task.enqueue(notice_id))
