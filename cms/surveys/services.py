"""Writes of surveys: a new version when a publish changes the questions, and the one response
per alumnus (the rule lives here and nowhere else)."""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.analytics.models import ContentKind, SignalType
from cms.analytics.services import signal_record
from cms.push.items import DeliveryReason
from cms.push.models import Delivery
from cms.push.services import item_fan_out_enqueue

from .answers import answers_clean
from .blocks import questions_schema
from .errors import SurveyNotFound, SurveyNotOpen, SurveyVersionOutdated
from .models import SurveyPage, SurveyResponse, SurveyVersion
from .selectors import (
    survey_current_version,
    survey_in_audience,
    survey_is_open,
    survey_reminder_due,
    survey_window_refusal,
)


def survey_version_sync(
    *, survey: SurveyPage, now: dt.datetime | None = None
) -> SurveyVersion | None:
    """Makes the next version when the survey's saved questions differ from the current
    version's (a relabel, an option added, removed or moved, a question added, removed or
    moved, a condition changed); returns the current version (None: never any question).
    The survey's row is locked so that two publishes never take the same number."""
    with transaction.atomic():
        page = SurveyPage.objects.select_for_update().get(pk=survey.pk)
        schema = questions_schema(page.questions)
        current = survey_current_version(survey=page)
        if current is not None and current.schema == schema:
            return current
        if current is None and not schema["questions"]:
            return None
        return SurveyVersion.objects.create(
            survey=page,
            number=(current.number + 1) if current else 1,
            published_at=now or timezone.now(),
            schema=schema,
        )


def survey_response_save(
    *,
    survey: SurveyPage,
    alumnus: Alumnus,
    version_number: int,
    answers: Any,
    targeting_consent: Any,
    now: dt.datetime | None = None,
) -> tuple[SurveyResponse, bool]:
    """Stores (or replaces) the alumnus's one response to `survey`; returns it and whether it
    is the first. Refuses (SurveyError) outside the window, for someone outside the audience,
    for answers written against an earlier version (409) and for answers that break the
    version's rules (field errors by question id). Parallel calls of one alumnus leave one
    response: the unique (survey, alumnus) constraint decides the first, the others replace."""
    now = now or timezone.now()
    if not survey.live or not survey_in_audience(survey=survey, alumnus=alumnus):
        raise SurveyNotFound()
    refusal = survey_window_refusal(survey=survey, now=now)
    if refusal is not None:
        raise SurveyNotOpen(refusal)
    version = survey_current_version(survey=survey)
    if version is None:
        raise SurveyNotFound()
    if version_number != version.number:
        raise SurveyVersionOutdated()
    kept, consent = answers_clean(
        questions=version.questions, answers=answers, targeting_consent=targeting_consent
    )
    fields = {"version": version, "answers": kept, "targeting_consent": consent, "updated_at": now}
    response, created = _response_store(survey=survey, alumnus=alumnus, fields=fields, now=now)
    signal_record(
        alumnus=alumnus,
        type=SignalType.SURVEY_ANSWERED,
        content_kind=ContentKind.SURVEY,
        content_id=survey.pk,
    )
    return response, created


def _response_store(
    *, survey: SurveyPage, alumnus: Alumnus, fields: dict[str, Any], now: dt.datetime
) -> tuple[SurveyResponse, bool]:
    """One response per alumnus: the unique (survey, alumnus) constraint decides the first of
    parallel calls, the others replace it under its row lock."""
    with transaction.atomic():
        existing = (
            SurveyResponse.objects.select_for_update()
            .filter(survey=survey, alumnus=alumnus)
            .first()
        )
        if existing is None:
            try:
                with transaction.atomic():
                    created = SurveyResponse.objects.create(
                        survey=survey, alumnus=alumnus, submitted_at=now, **fields
                    )
                return created, True
            except IntegrityError:  # a parallel first answer won: replace it
                existing = SurveyResponse.objects.select_for_update().get(
                    survey=survey, alumnus=alumnus
                )
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save(update_fields=[*fields])
    return existing, False


def survey_deliveries_enqueue(*, survey: SurveyPage, now: dt.datetime | None = None) -> list[str]:
    """Queues what is due for the survey and not yet sent: the 公開 notice once it is open
    (at its publish, or when the scheduler finds it opened later), the reminder once within
    `remind_days_before_close` days of closing. Returns the reasons queued. The fan-out sends
    nobody anything twice; checking for earlier deliveries here only spares needless runs."""
    now = now or timezone.now()
    if not survey.live or not survey_is_open(survey=survey, now=now):
        return []
    due = []
    if survey.notify_on_publish:
        due.append(DeliveryReason.PUBLISHED)
    if survey_reminder_due(survey=survey, now=now):
        due.append(DeliveryReason.REMINDER)
    sent = set(
        Delivery.objects.filter(item_id=survey.pk, reason__in=due).values_list("reason", flat=True)
    )
    queued = [str(reason) for reason in due if reason not in sent]
    for reason in queued:
        item_fan_out_enqueue(page_id=survey.pk, reason=reason)
    return queued
