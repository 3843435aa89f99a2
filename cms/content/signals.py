"""Changes to live content enqueue a rebuild of the static PWA once the transaction commits."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .models import ContactSettings, NoticeCategory
from .tasks import build_pwa_task


def enqueue_build(reason: str) -> None:
    """Queues one incremental build after the commit (nothing if the transaction rolls back)."""
    if settings.PWA_BUILD_ON_PUBLISH:
        transaction.on_commit(lambda: build_pwa_task.enqueue(reason))


@receiver(page_published, dispatch_uid="pwa_page_published")
def rebuild_on_publish(sender: type, instance: Page, **kwargs: Any) -> None:
    enqueue_build(f"published {instance.pk}")


@receiver(page_unpublished, dispatch_uid="pwa_page_unpublished")
def rebuild_on_unpublish(sender: type, instance: Page, **kwargs: Any) -> None:
    # Also sent by Wagtail for a live page that is being deleted.
    enqueue_build(f"unpublished {instance.pk}")


@receiver(post_page_move, dispatch_uid="pwa_page_moved")
def rebuild_on_move(sender: type, instance: Page, **kwargs: Any) -> None:
    if instance.live:
        enqueue_build(f"moved {instance.pk}")


@receiver(post_delete, dispatch_uid="pwa_page_deleted")
def rebuild_on_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, Page) and type(instance) is not Page and instance.live:
        enqueue_build(f"deleted {instance.pk}")


@receiver(post_save, sender=NoticeCategory, dispatch_uid="pwa_category_saved")
@receiver(post_delete, sender=NoticeCategory, dispatch_uid="pwa_category_deleted")
def rebuild_on_category_change(sender: type, instance: NoticeCategory, **kwargs: Any) -> None:
    enqueue_build(f"category {instance.pk}")


@receiver(post_save, sender=ContactSettings, dispatch_uid="pwa_contact_saved")
def rebuild_on_contact_change(sender: type, instance: ContactSettings, **kwargs: Any) -> None:
    # HR's help desk is in every page's footer and on the help screen.
    enqueue_build("contact settings")
