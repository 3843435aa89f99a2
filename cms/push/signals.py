"""Publishing a notice with "notify alumni" (now or by schedule) leads to its fan-out.

Where the static site is rebuilt after each publish (PWA_BUILD_ON_PUBLISH), the fan-out waits
for the build that makes the notice's page live (cms.content.services.notices_went_live), so no
push or mail links to a page that is not there yet, or that failed to render. Without those
builds the publish queues the fan-out itself.
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published

from cms.content.models import NoticePage

from .tasks import notice_fan_out_task


@receiver(page_published, sender=NoticePage, dispatch_uid="push_notice_published")
def enqueue_notice_fan_out(sender: type, instance: NoticePage, **kwargs: Any) -> None:
    if instance.notify_alumni and not settings.PWA_BUILD_ON_PUBLISH:
        notice_id = instance.pk
        transaction.on_commit(lambda: notice_fan_out_task.enqueue(notice_id))
