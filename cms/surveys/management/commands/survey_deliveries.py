"""`manage.py survey_deliveries`: queues, for every live survey, the notice of a survey that has
opened since its publish and the reminder to those who have not answered, when due (the
scheduler runs it; running it again sends nothing twice)."""

from typing import Any

from django.core.management.base import BaseCommand

from cms.surveys.models import SurveyPage
from cms.surveys.services import survey_deliveries_enqueue


class Command(BaseCommand):
    help = "公開中のアンケートについて、回答開始のお知らせと締め切り前のリマインドのうち、時期が来たものを送ります。"

    def handle(self, *args: Any, **options: Any) -> None:
        for survey in SurveyPage.objects.live():
            for reason in survey_deliveries_enqueue(survey=survey):
                self.stdout.write(f"{survey.title}: {reason} を送信キューに入れました")
