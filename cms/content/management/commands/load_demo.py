"""`manage.py load_demo`: load the Japanese demo content into the database (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from cms.content.demo import DEMO_ACCOUNTS, demo_load


class Command(BaseCommand):
    help = "デモ用のコンテンツとアカウントを読み込みます（既存のページは変更しません）。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo_load()
        self.stdout.write(f"作成: {len(report.created)} ページ")
        for title in report.created:
            self.stdout.write(f"  + {title}")
        if report.unchanged:
            self.stdout.write(f"既存のため変更なし: {len(report.unchanged)} ページ")
        if report.kept_edited:
            self.stdout.write(
                self.style.WARNING(
                    f"編集者が変更したページを保持しました（上書きしていません）: {len(report.kept_edited)} ページ"
                )
            )
            for title in report.kept_edited:
                self.stdout.write(f"  = {title}")
        for account in DEMO_ACCOUNTS:
            state = "作成" if account.username in report.accounts_created else "既存"
            self.stdout.write(f"{account.label}: {account.username} / {account.password} ({state})")
