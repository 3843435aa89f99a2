"""`manage.py purge_chat`: delete messages and moderation records past the retention period."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from cms.groups.chat.services import messages_purge


class Command(BaseCommand):
    help = "保存期間（CHAT_RETENTION_DAYS）を過ぎたグループのメッセージと記録を削除します。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = messages_purge()
        self.stdout.write(
            f"保存期間 {settings.CHAT_RETENTION_DAYS} 日: メッセージ {report['messages']} 件、"
            f"通報 {report['reports']} 件、モデレーションの記録 {report['moderation_log']} 件を削除しました。"
        )
