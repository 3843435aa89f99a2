"""Account deletion erases the person's messages; a changed group is read afresh by polls.

Erasing runs inside the deletion's transaction, so the account and its messages go together or
not at all; the privacy notice promises the registration data at once, and posts are theirs too.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from cms.alumni.models import Alumnus

from .models import CommunityGroup


@receiver(pre_delete, sender=Alumnus, dispatch_uid="chat_erase_messages_of_deleted_alumnus")
def erase_messages_of_deleted_alumnus(sender: type[Alumnus], instance: Alumnus, **_: Any) -> None:
    from .services import alumnus_messages_erase

    alumnus_messages_erase(alumnus=instance)


@receiver(post_save, sender=CommunityGroup, dispatch_uid="chat_forget_cached_group_version")
def forget_cached_group_version(
    sender: type[CommunityGroup], instance: CommunityGroup, **_: Any
) -> None:
    """HR changed the group (closed it, say): polls read it again from the database."""
    from .shared_cache import group_version_forget

    group_id = instance.pk
    transaction.on_commit(lambda: group_version_forget(group_id=group_id))
