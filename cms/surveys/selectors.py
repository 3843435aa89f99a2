"""Reads of surveys: the current version, who a survey is for, what is open to an alumnus, and
the catalogue of every question and option ever published (what results and exports use)."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.groups.selectors import alumnus_group_ids, groups_filter
from cms.push.items import DeliveryReason

from .errors import CLOSED, NOT_YET_OPEN
from .models import SurveyPage, SurveyResponse, SurveyVersion

RECENTLY_CLOSED_DAYS = 30
"""A closed survey stays in the alumnus's list this long (to see it closed, not to answer)."""


def survey_current_version(*, survey: SurveyPage) -> SurveyVersion | None:
    """The version alumni answer now: the last one published (None before the first publish
    with questions)."""
    return SurveyVersion.objects.filter(survey=survey).order_by("-number").first()


def survey_window_refusal(*, survey: SurveyPage, now: dt.datetime | None = None) -> str | None:
    """Why the survey takes no answer at `now` (Japanese), or None while it is open."""
    now = now or timezone.now()
    if survey.opens_at is not None and now < survey.opens_at:
        return NOT_YET_OPEN
    if survey.closes_at is not None and now >= survey.closes_at:
        return CLOSED
    return None


def survey_is_open(*, survey: SurveyPage, now: dt.datetime | None = None) -> bool:
    return survey.live and survey_window_refusal(survey=survey, now=now) is None


def survey_audience(*, survey: SurveyPage) -> QuerySet[Alumnus]:
    """The active alumni the survey is for: its groups' members, or every active member when it
    names no group (a queryset: the fan-out reads it a slice at a time)."""
    active = Alumnus.objects.filter(status=AlumnusStatus.ACTIVE)
    groups = list(survey.audience_groups.all())
    return active.filter(groups_filter(groups=groups)) if groups else active


def survey_audience_ids(*, survey: SurveyPage) -> set[int]:
    """Ids of the active alumni the survey is for."""
    return set(survey_audience(survey=survey).values_list("pk", flat=True))


def _for_alumnus(alumnus: Alumnus) -> QuerySet[SurveyPage]:
    """Live surveys with a published version whose audience includes `alumnus`."""
    if alumnus.status != AlumnusStatus.ACTIVE:
        return SurveyPage.objects.none()
    return (
        SurveyPage.objects.live()
        .filter(versions__isnull=False)
        .filter(
            Q(audience_groups__isnull=True)
            | Q(audience_groups__in=alumnus_group_ids(alumnus=alumnus))
        )
        .distinct()
    )


def survey_for_alumnus(*, survey_id: int, alumnus: Alumnus) -> SurveyPage | None:
    """The survey if it is live and for `alumnus` (open or not), else None."""
    return _for_alumnus(alumnus).filter(pk=survey_id).first()


def survey_in_audience(*, survey: SurveyPage, alumnus: Alumnus) -> bool:
    return _for_alumnus(alumnus).filter(pk=survey.pk).exists()


def surveys_open_for(*, alumnus: Alumnus, now: dt.datetime | None = None) -> QuerySet[SurveyPage]:
    """Surveys `alumnus` may answer at `now`, the soonest to close first."""
    now = now or timezone.now()
    return (
        _for_alumnus(alumnus)
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .order_by("closes_at", "pk")
    )


def surveys_listed_for(*, alumnus: Alumnus, now: dt.datetime | None = None) -> QuerySet[SurveyPage]:
    """What the app lists: the open surveys, then those closed in the last
    `RECENTLY_CLOSED_DAYS` days (shown as closed)."""
    now = now or timezone.now()
    return (
        _for_alumnus(alumnus)
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        .filter(
            Q(closes_at__isnull=True)
            | Q(closes_at__gt=now - dt.timedelta(days=RECENTLY_CLOSED_DAYS))
        )
        .order_by("closes_at", "pk")
    )


def surveys_waiting_for(
    *, alumnus: Alumnus, now: dt.datetime | None = None
) -> QuerySet[SurveyPage]:
    """Open surveys `alumnus` has not answered yet (the member home's count)."""
    return surveys_open_for(alumnus=alumnus, now=now).exclude(responses__alumnus=alumnus)


def survey_response_of(*, survey: SurveyPage, alumnus: Alumnus) -> SurveyResponse | None:
    return (
        SurveyResponse.objects.select_related("version")
        .filter(survey=survey, alumnus=alumnus)
        .first()
    )


def survey_responses_by_survey(*, alumnus: Alumnus) -> dict[int, SurveyResponse]:
    """The alumnus's responses, by survey id."""
    return {r.survey_id: r for r in SurveyResponse.objects.filter(alumnus=alumnus)}


def survey_reminder_due(*, survey: SurveyPage, now: dt.datetime | None = None) -> bool:
    """Whether the reminder's time has come: the survey is open and closes within its
    `remind_days_before_close` days."""
    now = now or timezone.now()
    if survey.remind_days_before_close is None or survey.closes_at is None:
        return False
    starts = survey.closes_at - dt.timedelta(days=survey.remind_days_before_close)
    return survey_is_open(survey=survey, now=now) and now >= starts


def survey_delivery_audience(
    *, survey: SurveyPage, reason: str, now: dt.datetime | None = None
) -> QuerySet[Alumnus]:
    """Who a survey's push and mail go to: for 公開, its audience while it is open and HR asked
    to notify; for the reminder, those of its audience who have not answered, once it is due.
    Nobody otherwise (a closed survey, no reminder set)."""
    now = now or timezone.now()
    if not survey_is_open(survey=survey, now=now):
        return Alumnus.objects.none()
    if reason == DeliveryReason.PUBLISHED and survey.notify_on_publish:
        return survey_audience(survey=survey)
    if reason == DeliveryReason.REMINDER and survey_reminder_due(survey=survey, now=now):
        return survey_audience(survey=survey).exclude(pk__in=survey.responses.values("alumnus_id"))
    return Alumnus.objects.none()
