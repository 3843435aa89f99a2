"""Template context shared by the admin templates: the organisation's name for branding, and
the admin's messages headed by a warning when a worker has stopped taking tasks."""

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.messages import WARNING, get_messages
from django.contrib.messages.storage.base import Message
from django.http import HttpRequest
from django.utils import timezone


def branding(request: HttpRequest) -> dict[str, str]:
    return {"ORG_NAME": settings.ORG_NAME, "SITE_NAME": settings.SITE_NAME}


class AdminMessages:
    """Django's messages of the request, preceded on admin screens by one warning per stalled
    task queue. Lazy like Django's own: nothing is read until a template shows messages."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self._warnings: list[Message] | None = None

    def _stalled(self) -> list[Message]:
        if self._warnings is None:
            from cms.push.selectors import task_queues_stalled

            user = getattr(self.request, "user", None)
            self._warnings = []
            if (
                self.request.path.startswith("/admin/")
                and user is not None
                and user.has_perm("wagtailadmin.access_admin")
            ):
                now = timezone.now()
                self._warnings = [
                    Message(WARNING, stalled.message(now=now), extra_tags="queue-stalled")
                    for stalled in task_queues_stalled(now=now)
                ]
        return self._warnings

    def __iter__(self) -> Iterator[Any]:
        yield from self._stalled()
        yield from get_messages(self.request)

    def __len__(self) -> int:
        return len(self._stalled()) + len(get_messages(self.request))


def admin_messages(request: HttpRequest) -> dict[str, Any]:
    return {"messages": AdminMessages(request)}
