"""Delete raw signals past their retention period (`SIGNALS_RETENTION_MONTHS`); run daily."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from cms.analytics.services import signals_purge


class Command(BaseCommand):
    help = "保存期間（SIGNALS_RETENTION_MONTHS か月）を過ぎた利用状況の記録を削除します。"

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = signals_purge()
        self.stdout.write(
            f"{settings.SIGNALS_RETENTION_MONTHS} か月を過ぎた記録を {deleted} 件削除しました。"
        )
