"""Account deletion (the identity domain deletes the Alumnus row): erase the person's messages.

Runs inside the deletion's transaction, so the account and its messages go together or not at
all; the privacy notice promises the registration data at once, and posts are theirs too.
"""

from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from cms.alumni.models import Alumnus


@receiver(pre_delete, sender=Alumnus, dispatch_uid="chat_erase_messages_of_deleted_alumnus")
def erase_messages_of_deleted_alumnus(sender: type[Alumnus], instance: Alumnus, **_: Any) -> None:
    from .services import alumnus_messages_erase

    alumnus_messages_erase(alumnus=instance)
