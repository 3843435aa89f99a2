"""Delete login codes, throttle records and unconfirmed roster uploads past
ALUMNI_PURGE_AFTER_HOURS; run daily (the scheduler of scripts/demo-serve does)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from cms.alumni.services import auth_records_purge


class Command(BaseCommand):
    help = (
        "保存期間（ALUMNI_PURGE_AFTER_HOURS 時間）を過ぎた確認コード・試行回数の記録・"
        "確定されなかった名簿ファイルを削除します。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = auth_records_purge()
        self.stdout.write(
            f"{settings.ALUMNI_PURGE_AFTER_HOURS} 時間を過ぎた記録を削除しました"
            f"（確認コード {deleted['codes']} 件、試行回数の記録 {deleted['throttle_events']} 件、"
            f"名簿ファイル {deleted['roster_uploads']} 件）。"
        )
