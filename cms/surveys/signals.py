"""A publish that changes a survey's questions makes its next version, in the publish's own
transaction, so the API never serves questions without the version their answers record; an
open survey's audience is then notified (after the commit, once: see survey_deliveries_enqueue)."""

from typing import Any

from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published

from .models import SurveyPage
from .services import survey_deliveries_enqueue, survey_version_sync


@receiver(page_published, sender=SurveyPage, dispatch_uid="survey_version_on_publish")
def version_on_publish(sender: type, instance: Page, **kwargs: Any) -> None:
    survey_version_sync(survey=instance)
    survey_deliveries_enqueue(survey=instance)
