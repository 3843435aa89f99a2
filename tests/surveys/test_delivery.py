"""Reaching people: publishing an open survey notifies its audience through the push/mail
fan-out, and a reminder goes to those who have not answered `remind_days_before_close` days
before it closes; neither is sent twice."""

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from cms.push.items import DeliveryReason
from cms.push.models import Delivery
from cms.surveys.models import SurveyPage
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.fixtures.smtp import SMTPInbox, text_body
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory
from tests.surveys.factories import SurveyPageFactory, make_site

pytestmark = pytest.mark.django_db


def _survey(**fields: Any) -> SurveyPage:
    survey: SurveyPage = SurveyPageFactory(
        parent=make_site(), title="カムバック採用に関するアンケート", live=False, **fields
    )
    return survey


def _publish(survey: SurveyPage, callbacks: Any) -> None:
    with callbacks(execute=True):
        SurveyPage.objects.get(pk=survey.pk).save_revision().publish()
    survey.refresh_from_db()


def test_publishing_an_open_survey_mails_its_audience_once(
    smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    group = AudienceGroupFactory(regions="仙台市")
    member = AlumnusFactory(current_region="仙台市", email="member@example.jp")
    AlumnusFactory(current_region="東京都", email="outsider@example.jp")
    survey = _survey(closes_at=timezone.now() + dt.timedelta(days=30))
    survey.audience_groups.set([group])
    survey.save()

    _publish(survey, django_capture_on_commit_callbacks)
    _publish(survey, django_capture_on_commit_callbacks)  # a republish sends nothing again

    assert [m["To"] for m in smtp.messages] == [member.email]
    body = text_body(smtp.messages[0])
    assert "新しいアンケートです。" in body and "カムバック採用に関するアンケート" in body
    assert f"/app/survey/?id={survey.pk}" in body
    assert Delivery.objects.get().reason == DeliveryReason.PUBLISHED


def test_no_notice_when_hr_turns_it_off(
    smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    AlumnusFactory()
    survey = _survey(notify_on_publish=False)
    _publish(survey, django_capture_on_commit_callbacks)
    assert smtp.messages == [] and not Delivery.objects.exists()


def test_reminder_goes_to_those_who_have_not_answered_once_due(
    smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    answered = AlumnusFactory(email="answered@example.jp")
    waiting = AlumnusFactory(email="waiting@example.jp")
    survey = _survey(
        notify_on_publish=False,
        remind_days_before_close=3,
        closes_at=timezone.now() + dt.timedelta(days=5),
    )
    _publish(survey, django_capture_on_commit_callbacks)
    version = survey_current_version(survey=survey)
    assert version is not None
    scale = version.questions[0]
    survey_response_save(
        survey=survey,
        alumnus=answered,
        version_number=version.number,
        answers={scale["id"]: scale["options"][3]["id"]},
        targeting_consent=[],
    )

    def scheduler_run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("survey_deliveries", stdout=StringIO())

    scheduler_run()  # five days before closing: not yet
    assert smtp.messages == []

    SurveyPage.objects.filter(pk=survey.pk).update(closes_at=timezone.now() + dt.timedelta(days=2))
    scheduler_run()
    scheduler_run()

    assert [m["To"] for m in smtp.messages] == [waiting.email]
    assert "アンケートの締め切りが近づいています。" in text_body(smtp.messages[0])
    assert Delivery.objects.get().reason == DeliveryReason.REMINDER
