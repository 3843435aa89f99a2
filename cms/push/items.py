"""What makes a page deliverable by push and mail: the reasons an item is sent, the message it
sends and the audience it is sent to, asked of the page itself (a notice, a survey).

A page type takes part by implementing the two methods of `DeliverableItem`; the fan-out
(`cms.push.services.item_fan_out`) knows nothing else about it.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from django.db import models
from django.db.models import QuerySet

if TYPE_CHECKING:
    from cms.alumni.models import Alumnus


class DeliveryReason(models.TextChoices):
    """Why an item is sent: at most one delivery per item × alumnus × channel × reason."""

    PUBLISHED = "published", "公開"
    REMINDER = "reminder", "締切前のリマインド"


@dataclass(frozen=True)
class DeliveryMessage:
    """What the push notification and the mail of one item say.

    `url` is absolute and carries no `via`: the fan-out adds `via=push` or `via=email`.
    `lead` opens the mail (「新しいお知らせです。」); `tag` merges repeated notifications of the
    same item on a phone; `data` travels in the push payload for the app.
    """

    title: str
    summary: str
    url: str
    lead: str
    tag: str
    data: dict[str, object] = field(default_factory=dict)


@runtime_checkable
class DeliverableItem(Protocol):
    """A page that can be delivered; `reason` is one of `DeliveryReason`'s values."""

    pk: int

    def delivery_audience(self, reason: str) -> "QuerySet[Alumnus]":
        """The active alumni this item is for when sent for `reason` (none: nobody is sent)."""
        ...

    def delivery_message(self, reason: str) -> DeliveryMessage:
        """What the notification and mail say when sent for `reason`."""
        ...


def url_with_via(url: str, via: str) -> str:
    """`url` marked with the channel it was followed from (`?via=push`)."""
    return f"{url}{'&' if '?' in url else '?'}via={via}"
