"""`manage.py comeback_scores`: today's estimate of every registered alumnus (run nightly)."""

from typing import Any

from django.core.management.base import BaseCommand

from cms.comeback.services import comeback_scores_recompute


class Command(BaseCommand):
    help = "登録者全員のカムバック推計を今日の日付で計算し直します（履歴は残します）。"

    def handle(self, *args: Any, **options: Any) -> None:
        written = comeback_scores_recompute()
        self.stdout.write(f"カムバック推計を {written} 人分計算しました。")
