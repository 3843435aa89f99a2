"""The opted-in comeback reminders, sent through the real SMTP server and the local push
service: before the window closes and when applications open, once each, to those who asked."""

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cms.comeback.models import ReminderSent, Season
from cms.comeback.reminders import comeback_reminders_send, reminder_opt_in_set
from cms.push.models import PushSubscription
from cms.push.services import vapid_key_create
from tests.alumni.factories import AlumnusFactory
from tests.fixtures.push_service import LocalPushService
from tests.fixtures.smtp import SMTPInbox, SwitchableSMTP, text_body

pytestmark = pytest.mark.django_db
OPEN_DAY = dt.date(2026, 10, 25)  # the 2027 season's applications are open


@pytest.fixture
def season(db: None) -> Season:
    season: Season = Season.objects.create(
        year=2027,
        applications_open=dt.date(2026, 10, 20),
        applications_close=dt.date(2026, 10, 31),
        selection_on=dt.date(2026, 12, 13),
        appointment_on=dt.date(2027, 4, 1),
    )
    return season


def _person(*, retired_on: dt.date, opted_in: bool | None = True, **fields: Any) -> Any:
    alumnus = AlumnusFactory(
        hired_on=dt.date(2005, 4, 1),
        retired_on=retired_on,
        birth_date=dt.date(1980, 5, 1),
        **fields,
    )
    if opted_in is not None:
        reminder_opt_in_set(alumnus=alumnus, opted_in=opted_in)
    return alumnus


def test_opted_in_alumni_get_each_reminder_once_by_mail(season: Season, smtp: SMTPInbox) -> None:
    closing = _person(retired_on=dt.date(2017, 3, 31), email="closing@example.jp")
    _person(retired_on=dt.date(2022, 3, 31), email="recent@example.jp")
    _person(retired_on=dt.date(2022, 3, 31), email="never@example.jp", opted_in=None)
    _person(retired_on=dt.date(2022, 3, 31), email="stopped@example.jp", opted_in=False)
    _person(retired_on=dt.date(2012, 3, 31), email="outside@example.jp")

    report = comeback_reminders_send(today=OPEN_DAY)

    assert (report.due, report.mailed, report.failed) == (3, 3, [])
    mails = smtp.wait_for(3)
    to_closing = sorted(text_body(m) for m in smtp.to("closing@example.jp"))
    assert len(to_closing) == 2
    assert "応募資格はあと5か月（令和9年3月31日まで）" in "".join(to_closing)
    assert "申込受付は令和8年10月31日まで" in "".join(to_closing)
    assert [m["To"] for m in smtp.to("recent@example.jp")] == ["recent@example.jp"]
    assert {a for m in mails for a in [m["To"]]} == {"closing@example.jp", "recent@example.jp"}
    assert ReminderSent.objects.filter(alumnus=closing).count() == 2

    again = comeback_reminders_send(today=OPEN_DAY)
    assert again.due == 0 and len(smtp.messages) == 3


def test_the_window_reminder_comes_the_configured_months_before_closing(
    smtp: SMTPInbox, settings: Any
) -> None:
    _person(retired_on=dt.date(2017, 3, 31), email="closing@example.jp")
    settings.COMEBACK_REMINDER_MONTHS_BEFORE = 3

    assert comeback_reminders_send(today=dt.date(2026, 12, 30)).due == 0
    assert comeback_reminders_send(today=dt.date(2026, 12, 31)).mailed == 1
    assert "期限が近づいています" in smtp.wait_for(1)[0]["Subject"]


def test_a_subscribed_alumnus_gets_the_reminder_by_push_not_mail(
    season: Season, smtp: SMTPInbox, push_service: LocalPushService
) -> None:
    vapid_key_create()
    alumnus = _person(retired_on=dt.date(2022, 3, 31), consent_push=True)
    sub = push_service.subscription()
    PushSubscription.objects.create(
        alumnus=alumnus, endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth
    )

    report = comeback_reminders_send(today=OPEN_DAY)

    assert (report.pushed, report.mailed) == (1, 0)
    [push] = sub.received
    assert push.payload["notification"]["title"] == "カムバック採用の申込受付が始まりました"
    assert smtp.messages == []
    assert ReminderSent.objects.get().channel == "push"


def test_a_mail_server_failure_is_reported_and_the_reminder_is_tried_again(
    switchable_smtp: SwitchableSMTP,
) -> None:
    today = timezone.localdate()  # the command runs for today
    Season.objects.create(
        year=today.year + 1,
        applications_open=today - dt.timedelta(days=1),
        applications_close=today + dt.timedelta(days=10),
        selection_on=today + dt.timedelta(days=40),
        appointment_on=dt.date(today.year + 1, 4, 1),
    )
    _person(retired_on=dt.date(2022, 3, 31), email="recent@example.jp")
    switchable_smtp.down()

    with pytest.raises(CommandError, match="送れなかったお知らせがあります"):
        call_command("comeback_reminders", stdout=io.StringIO())
    assert not ReminderSent.objects.exists()

    switchable_smtp.up()
    out = io.StringIO()
    call_command("comeback_reminders", stdout=out)
    assert "メール 1 件" in out.getvalue()
    assert len(switchable_smtp.inbox.wait_for(1)) == 1
