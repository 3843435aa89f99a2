"""A seeded month for the report tests: October 2026 (令和8年10月) with registrations by three
channels, invitations, signals, deliveries, a survey and chat posts, plus data outside it."""

import datetime as dt
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest
from django.utils import timezone

from cms.alumni.models import Alumnus, AlumnusStatus, Invitation, RosterEntry
from cms.analytics.models import (
    MONTHLY_TYPE_FIELDS,
    MONTHLY_VIEW_FIELDS,
    MONTHLY_VIEW_TYPES,
    Signal,
    SignalMonthly,
    SignalType,
)
from cms.groups.chat.models import Message
from cms.push.models import Delivery, DeliveryStatus
from cms.reports.periods import Period, month_period
from cms.surveys.models import SurveyPage, SurveyResponse
from tests.alumni.factories import AlumnusFactory, RosterEntryFactory
from tests.content.factories import (
    NoticeIndexPageFactory,
    NoticePageFactory,
    SurveyPageFactory,
    make_site,
)
from tests.groups.chat.factories import CommunityGroupFactory

MONTH = dt.date(2026, 10, 1)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@dataclass
class SeededMonth:
    period: Period
    email: list[Alumnus]
    letter: list[Alumnus]
    open: list[Alumnus]
    survey: SurveyPage


def _alumni(count: int, channel: str, registered: dt.datetime, consent: int) -> list[Alumnus]:
    made = [AlumnusFactory(channel=channel, consent_analytics=n < consent) for n in range(count)]
    Alumnus.objects.filter(pk__in=[a.pk for a in made]).update(registered_at=registered)
    return made


def _invite(channel: str, count: int, issued: dt.datetime) -> None:
    entries: list[RosterEntry] = RosterEntryFactory.create_batch(count)
    Invitation.objects.bulk_create(
        Invitation(roster_entry=entry, channel=channel, issued_at=issued) for entry in entries
    )


@pytest.fixture
def seeded(db: None) -> SeededMonth:
    home = make_site()
    email = _alumni(12, "email", at(dt.date(2026, 10, 5)), consent=10)
    letter = _alumni(7, "letter", at(dt.date(2026, 9, 10)), consent=4)
    open_ = _alumni(2, "open", at(dt.date(2026, 10, 20)), consent=0)
    later = _alumni(3, "email", at(dt.date(2026, 11, 3)), consent=3)  # after the month
    pending = AlumnusFactory(channel="open", status=AlumnusStatus.PENDING)
    Alumnus.objects.filter(pk=pending.pk).update(registered_at=at(dt.date(2026, 10, 2)))
    _invite("email", 15, at(dt.date(2026, 9, 1)))
    _invite("letter", 9, at(dt.date(2026, 9, 2)))
    _invite("email", 4, at(dt.date(2026, 11, 2)))  # after the month

    signals = [
        Signal(alumnus=a, type=SignalType.LOGIN, occurred_at=at(dt.date(2026, 10, 7 + n)))
        for n, a in enumerate(email[:8])
    ]
    signals += [
        Signal(alumnus=a, type=SignalType.PAGE_VIEW, occurred_at=at(dt.date(2026, 10, 9)))
        for a in letter[:3]
    ]
    signals += [
        Signal(alumnus=email[0], type=SignalType.PAGE_VIEW, occurred_at=at(dt.date(2026, 10, 9))),
        Signal(alumnus=later[0], type=SignalType.LOGIN, occurred_at=at(dt.date(2026, 11, 4))),
        Signal(alumnus=letter[0], type=SignalType.LOGIN, occurred_at=at(dt.date(2026, 9, 20))),
    ]
    Signal.objects.bulk_create(signals)
    monthly: defaultdict[tuple[int, dt.date], Counter[str]] = defaultdict(Counter)
    for signal in signals:  # what the signals' service keeps per person and month
        month = timezone.localtime(signal.occurred_at).date().replace(day=1)
        counts = monthly[(signal.alumnus_id, month)]
        counts[MONTHLY_TYPE_FIELDS[signal.type]] += signal.count
        if signal.type in MONTHLY_VIEW_TYPES:
            counts[MONTHLY_VIEW_FIELDS.get(signal.content_kind, "views_page")] += signal.count
    SignalMonthly.objects.bulk_create(
        SignalMonthly(alumnus_id=a, month=m, **counts) for (a, m), counts in monthly.items()
    )

    index = NoticeIndexPageFactory(parent=home)
    first, second = NoticePageFactory(parent=index), NoticePageFactory(parent=index)
    sent = at(dt.date(2026, 10, 15))
    deliveries = [
        Delivery(item=first, alumnus=a, channel="push", status=DeliveryStatus.SENT, sent_at=sent)
        for a in email[:10]
    ]
    deliveries += [
        Delivery(item=first, alumnus=a, channel="email", status=DeliveryStatus.SENT, sent_at=sent)
        for a in [*letter[:6], *email[:2]]
    ]
    deliveries += [
        Delivery(item=second, alumnus=a, channel="email", status=DeliveryStatus.SENT, sent_at=sent)
        for a in email[:5]
    ]
    deliveries += [
        Delivery(item=second, alumnus=email[6], channel="push", status=DeliveryStatus.FAILED),
        Delivery(
            item=second,
            alumnus=letter[6],
            channel="push",
            status=DeliveryStatus.SENT,
            sent_at=at(dt.date(2026, 11, 1)),
        ),
    ]
    Delivery.objects.bulk_create(deliveries)

    survey = SurveyPageFactory(parent=home, title="働き方アンケート")
    SurveyPage.objects.filter(pk=survey.pk).update(first_published_at=at(dt.date(2026, 10, 1)))
    version = survey.versions.get()
    SurveyResponse.objects.bulk_create(
        SurveyResponse(
            survey=survey,
            alumnus=a,
            version=version,
            answers={},
            submitted_at=at(dt.date(2026, 10, 20)),
            updated_at=at(dt.date(2026, 10, 20)),
        )
        for a in [*email[:5], *letter[:2]]
    )

    group, other = CommunityGroupFactory(), CommunityGroupFactory()
    posts = [
        Message(group=group, author=email[n % 3], client_id=uuid.uuid4(), body="こんにちは")
        for n in range(6)
    ]
    posts.append(Message(group=other, author=letter[0], client_id=uuid.uuid4(), body="はい"))
    posts.append(Message(group=other, author=letter[1], client_id=uuid.uuid4(), body="消した"))
    made = Message.objects.bulk_create(posts)
    Message.objects.filter(pk__in=[m.pk for m in made]).update(created_at=at(dt.date(2026, 10, 25)))
    Message.objects.filter(pk=made[-1].pk).update(deleted_at=at(dt.date(2026, 10, 26)))
    return SeededMonth(month_period(MONTH), email, letter, open_, survey)
