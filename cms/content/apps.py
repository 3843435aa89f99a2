"""Pages HR editors write: notices, comeback-hiring jobs, press releases, standard pages."""

from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "cms.content"
    label = "content"
    verbose_name = "コンテンツ"

    def ready(self) -> None:
        from . import signals  # noqa: F401
