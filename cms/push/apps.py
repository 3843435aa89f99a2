"""Web push subscriptions and delivery of notices by push and email."""

from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "cms.push"
    label = "push"
    verbose_name = "通知配信"

    def ready(self) -> None:
        from . import signals  # noqa: F401
