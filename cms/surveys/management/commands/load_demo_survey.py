"""`manage.py load_demo_survey`: about thirty demo answers to the demo survey (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from cms.surveys.demo import demo_survey_responses_load


class Command(BaseCommand):
    help = "デモのアンケートに、デモ用アルムナイ約30名の回答を登録します（2回目以降は何も変えません）。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo_survey_responses_load()
        self.stdout.write(
            f"アンケートのデモ回答: 新しい回答 {report.answered} 件、既存 {report.kept} 件"
            f"（デモ用アルムナイ {report.created_alumni} 名を作成）"
        )
        for problem in report.problems:
            self.stdout.write(f"  {problem}")
