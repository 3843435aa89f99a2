"""Community groups with two-way chat, nested in the groups domain as its own app."""

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from cms.alumni.models import Alumnus


class ChatConfig(AppConfig):
    name = "cms.groups.chat"
    label = "chat"
    verbose_name = "グループでの交流"
    default_auto_field = "django.db.models.BigAutoField"

    def alumnus_export(self, *, alumnus: "Alumnus") -> dict[str, Any]:
        """This domain's part of `GET /api/v1/me/export` (called by cms.alumni.selectors)."""
        from .selectors import alumnus_chat_export

        return alumnus_chat_export(alumnus=alumnus)

    def alumnus_erase(self, *, alumnus: "Alumnus") -> None:
        """Account deletion's call, in its transaction: the person's posts lose text and author."""
        from .services import alumnus_messages_erase

        alumnus_messages_erase(alumnus=alumnus)
