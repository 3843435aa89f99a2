"""`manage.py comeback_reminders`: sends the comeback-hiring reminders due today to those who
opted in (the window closing in a few months, a season's applications open); daily in the
scheduler, and a second run sends nothing twice."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cms.comeback.reminders import comeback_reminders_send


class Command(BaseCommand):
    help = "カムバック採用のお知らせ（受験資格の期限が近い・申込受付の開始）を、希望した方のうち時期が来た方へ送ります。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = comeback_reminders_send()
        self.stdout.write(
            f"カムバック採用のお知らせ: 対象 {report.due} 件、プッシュ通知 {report.pushed} 件、"
            f"メール {report.mailed} 件、失敗 {len(report.failed)} 件"
        )
        if report.failed:
            raise CommandError(
                "送れなかったお知らせがあります（次回の実行で再送します）: "
                + "、".join(report.failed)
            )
