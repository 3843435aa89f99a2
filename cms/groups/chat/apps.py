"""Community groups with two-way chat, nested in the groups domain as its own app."""

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "cms.groups.chat"
    label = "chat"
    verbose_name = "グループでの交流"
    default_auto_field = "django.db.models.BigAutoField"

    def alumnus_export(self, *, alumnus: object) -> dict[str, object]:
        """This domain's part of `GET /api/v1/me/export` (called by cms.alumni.selectors)."""
        from cms.alumni.models import Alumnus

        from .selectors import alumnus_chat_export

        assert isinstance(alumnus, Alumnus)
        return alumnus_chat_export(alumnus=alumnus)

    def alumnus_erase(self, *, alumnus: object) -> None:
        """Account deletion's call, in its transaction: the person's posts lose text and author."""
        from cms.alumni.models import Alumnus

        from .services import alumnus_messages_erase

        assert isinstance(alumnus, Alumnus)
        alumnus_messages_erase(alumnus=alumnus)
