"""`manage.py sweep_claims`: give the work of dead workers (claims past their lease) to live ones."""

from typing import Any

from django.core.management.base import BaseCommand

from cms.push.services import claims_sweep


class Command(BaseCommand):
    help = "期限切れの「送信中」を取り戻し、配信と招待メールを再びキューに入れます（スケジューラーが毎分実行）"

    def handle(self, *args: Any, **options: Any) -> None:
        report = claims_sweep()
        if report.deliveries or report.invitations:
            self.stdout.write(
                f"取り戻した配信 {report.deliveries} 件（お知らせ・アンケート {report.items} 件）、"
                f"招待メール {report.invitations} 件"
            )
