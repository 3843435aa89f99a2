"""The services of the analytics domain: server-side signals, retention, erasure with the account."""

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from cms.alumni import services as alumni_services
from cms.alumni.models import Alumnus
from cms.analytics.models import ContentKind, Signal, SignalMonthly, SignalType
from cms.analytics.services import signal_record, signals_purge
from tests.alumni.factories import AlumnusFactory
from tests.alumni.test_api import sign_in
from tests.fixtures.smtp import SMTPInbox

pytestmark = pytest.mark.django_db


def _signal_at(alumnus: Alumnus, at: dt.datetime) -> Signal:
    signal: Signal = Signal.objects.create(alumnus=alumnus, type=SignalType.LOGIN, occurred_at=at)
    return signal


def test_signal_record_stores_only_with_consent() -> None:
    yes = AlumnusFactory(consent_analytics=True)
    no = AlumnusFactory(consent_analytics=False)
    assert signal_record(alumnus=yes, type=SignalType.SURVEY_ANSWERED, content_id=5)
    assert not signal_record(alumnus=no, type=SignalType.SURVEY_ANSWERED, content_id=5)
    assert list(Signal.objects.values_list("alumnus_id", flat=True)) == [yes.pk]


def test_signal_record_refuses_an_undocumented_type() -> None:
    with pytest.raises(ValueError):
        signal_record(alumnus=AlumnusFactory(consent_analytics=True), type="keystroke")


def test_chat_activity_is_one_row_a_day_with_a_count() -> None:
    alumnus = AlumnusFactory(consent_analytics=True)
    for _ in range(3):
        signal_record(alumnus=alumnus, type=SignalType.CHAT_ACTIVE, content_kind=ContentKind.GROUP)
    [row] = Signal.objects.filter(type=SignalType.CHAT_ACTIVE)
    assert row.count == 3
    assert SignalMonthly.objects.get().chat_posts == 3


def test_a_code_login_records_a_login_signal_only_with_consent(
    smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    agreed = AlumnusFactory(consent_analytics=True)
    declined = AlumnusFactory(consent_analytics=False)
    for person in (agreed, declined):
        sign_in(APIClient(), smtp, person.email, django_capture_on_commit_callbacks)
    assert list(Signal.objects.values_list("alumnus_id", "type")) == [(agreed.pk, SignalType.LOGIN)]


@override_settings(SIGNALS_RETENTION_MONTHS=25)
def test_purge_deletes_raw_signals_past_the_retention_and_keeps_monthly_counts() -> None:
    alumnus = AlumnusFactory(consent_analytics=True)
    now = timezone.make_aware(dt.datetime(2026, 11, 29, 12, 0))
    old = _signal_at(alumnus, now - dt.timedelta(days=25 * 31 + 5))
    kept = _signal_at(alumnus, now - dt.timedelta(days=24 * 30))
    SignalMonthly.objects.create(alumnus=alumnus, month=dt.date(2024, 9, 1), logins=1)
    assert signals_purge(now=now) == 1
    assert not Signal.objects.filter(pk=old.pk).exists()
    assert Signal.objects.filter(pk=kept.pk).exists()
    assert SignalMonthly.objects.count() == 1


@override_settings(SIGNALS_RETENTION_MONTHS=1)
def test_purge_command_uses_the_setting() -> None:
    alumnus = AlumnusFactory(consent_analytics=True)
    _signal_at(alumnus, timezone.now() - dt.timedelta(days=40))
    fresh = _signal_at(alumnus, timezone.now() - dt.timedelta(days=10))
    call_command("purge_signals")
    assert list(Signal.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_account_deletion_removes_signals_and_monthly_counts() -> None:
    alumnus = AlumnusFactory(consent_analytics=True)
    other = AlumnusFactory(consent_analytics=True)
    for person in (alumnus, other):
        signal_record(alumnus=person, type=SignalType.LOGIN)
    alumni_services.alumnus_delete(alumnus=alumnus)
    assert list(Signal.objects.values_list("alumnus_id", flat=True)) == [other.pk]
    assert list(SignalMonthly.objects.values_list("alumnus_id", flat=True)) == [other.pk]


def test_monthly_counts_equal_the_raw_signals_exactly() -> None:
    from collections import Counter

    from cms.analytics.selectors import monthly_counts
    from cms.analytics.services import SignalEvent, signals_store

    people = [AlumnusFactory(consent_analytics=True) for _ in range(3)]
    for n, person in enumerate(people):
        for _ in range(n + 1):
            signal_record(alumnus=person, type=SignalType.LOGIN)
        signals_store(
            alumnus=person,
            events=[
                SignalEvent(
                    type=SignalType.PAGE_VIEW, content_kind=ContentKind.NOTICE, content_id=1
                ),
                SignalEvent(type=SignalType.PAGE_VIEW, content_kind=ContentKind.PAGE, content_id=2),
            ],
        )
    month = timezone.localdate().replace(day=1)
    raw: Counter[tuple[int, str]] = Counter()
    for alumnus_id, kind, count in Signal.objects.values_list("alumnus_id", "type", "count"):
        raw[(alumnus_id, kind)] += count
    kept = monthly_counts(since=month)
    assert {
        (alumnus_id, kind): count
        for alumnus_id, counts in kept.items()
        for (_, kind), count in counts.items()
    } == dict(raw)
    assert monthly_counts(since=month, alumni_ids=[people[0].pk]).keys() == {people[0].pk}
