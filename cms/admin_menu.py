"""Admin menu items shown only to the staff a rule lets see them."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from wagtail.admin.menu import MenuItem


class ShownMenuItem(MenuItem):
    """A menu item shown to whom `shown(user)` says."""

    def __init__(self, *args: Any, shown: Callable[[Any], bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown = shown

    def is_shown(self, request: HttpRequest) -> bool:
        return bool(self.shown(request.user))


def holding(permission: str) -> Callable[[Any], bool]:
    """The rule of a menu item for staff who hold `permission`."""
    return lambda user: bool(user.has_perm(permission))
