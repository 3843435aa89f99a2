"""Comeback-hiring reminders, for those who opted in only: one some months before their
eligibility window closes (COMEBACK_REMINDER_MONTHS_BEFORE, default 6) and one when a season's
applications open. `manage.py comeback_reminders` (daily in the scheduler) sends what is due.

Each reminder is recorded once (`ReminderSent`, unique per person, kind and key) before it is
sent, so a second run — or two at once — sends nothing again; a reminder that reached nobody
(no device answered, the mail server failed) is forgotten and tried on the next run. It goes by
push to the person's devices, and by mail when no push reached them: having asked for the
reminder is their request to be told."""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.alumni.normalise import wareki
from cms.mailing import MailBatch
from cms.push.models import PushSubscription
from cms.push.services import (
    PushNotConfigured,
    declarative_push,
    push_messages,
    push_send_retrying,
)

from .models import ReminderKind, ReminderPreference, ReminderSent, Season
from .person import add_months, remaining_text
from .selectors import current_season, eligibility_of

logger = logging.getLogger(__name__)


def reminder_opt_in_get(*, alumnus: Alumnus) -> bool:
    return ReminderPreference.objects.filter(alumnus=alumnus, opted_in=True).exists()


def reminder_opt_in_set(*, alumnus: Alumnus, opted_in: bool) -> ReminderPreference:
    """The person's choice (PATCH /api/v1/me/comeback)."""
    preference, _ = ReminderPreference.objects.update_or_create(
        alumnus=alumnus, defaults={"opted_in": opted_in}
    )
    return preference


@dataclass(frozen=True)
class Reminder:
    """One reminder due to one person: what it is about, and what it says."""

    alumnus: Alumnus
    kind: str
    key: str
    title: str
    body: str


def months_before() -> int:
    return int(settings.COMEBACK_REMINDER_MONTHS_BEFORE)


def _window_reminder(alumnus: Alumnus, closes: dt.date, today: dt.date) -> Reminder | None:
    if not add_months(closes, -months_before()) <= today <= closes:
        return None
    return Reminder(
        alumnus=alumnus,
        kind=ReminderKind.WINDOW_CLOSING,
        key=closes.isoformat(),
        title="カムバック採用の応募資格の期限が近づいています",
        body=(
            f"応募資格はあと{remaining_text(today=today, until=closes)}"
            f"（{wareki(closes)}まで）です。募集の要項は県のお知らせでご確認ください。"
        ),
    )


def _season_reminder(alumnus: Alumnus, season: Season, today: dt.date) -> Reminder | None:
    if not season.applications_open <= today <= season.applications_close:
        return None
    return Reminder(
        alumnus=alumnus,
        kind=ReminderKind.APPLICATIONS_OPEN,
        key=str(season.year),
        title="カムバック採用の申込受付が始まりました",
        body=(
            f"{season}の申込受付は{wareki(season.applications_close)}までです。"
            f"選考は{wareki(season.selection_on)}、採用は{wareki(season.appointment_on)}の予定です。"
        ),
    )


def reminders_due(*, today: dt.date | None = None) -> list[Reminder]:
    """What is due today to the active alumni who opted in and are eligible, not yet sent."""
    today = today or timezone.localdate()
    season = current_season(today=today)
    people = Alumnus.objects.filter(
        status=AlumnusStatus.ACTIVE, comeback_reminder__opted_in=True
    ).order_by("pk")
    sent = set(
        ReminderSent.objects.filter(alumnus__in=people).values_list("alumnus_id", "kind", "key")
    )
    due: list[Reminder] = []
    for alumnus in people:
        eligibility = eligibility_of(alumnus=alumnus, season=season, today=today)
        if not eligibility.eligible:
            continue
        found = [
            _window_reminder(alumnus, eligibility.window_closes_on, today)
            if eligibility.window_closes_on
            else None,
            _season_reminder(alumnus, season, today) if season else None,
        ]
        due.extend(r for r in found if r is not None and (alumnus.pk, r.kind, r.key) not in sent)
    return due


@dataclass
class ReminderReport:
    due: int = 0
    pushed: int = 0
    mailed: int = 0
    failed: list[str] = field(default_factory=list)


def _app_url() -> str:
    return f"{settings.PWA_BASE_URL.rstrip('/')}/app/"


def _push(reminder: Reminder) -> bool:
    """True when at least one of the person's devices took the notification."""
    subscriptions = PushSubscription.objects.filter(alumnus=reminder.alumnus)
    if not reminder.alumnus.consent_push or not subscriptions.exists():
        return False
    messages = push_messages(
        subscriptions,
        declarative_push(
            title=reminder.title,
            body=reminder.body,
            navigate=_app_url(),
            tag=f"comeback-{reminder.kind}",
        ),
    )
    try:
        return bool(push_send_retrying(messages=messages).sent)
    except PushNotConfigured:
        logger.warning("comeback reminder push skipped: no VAPID key")
        return False


def _mail(reminder: Reminder) -> EmailMessage:
    alumnus = reminder.alumnus
    return EmailMessage(
        subject=f"【{settings.ORG_NAME}アルムナイ】{reminder.title}",
        body=(
            f"{alumnus.family_name} {alumnus.given_name} 様\n\n{reminder.body}\n\n"
            f"アプリで確認する: {_app_url()}\n\n"
            "このメールは、カムバック採用のお知らせを希望された方にお送りしています。\n"
            "希望の取り消しはアプリのホーム画面から行えます。\n"
        ),
        to=[alumnus.email],
    )


def _claim(reminder: Reminder) -> ReminderSent | None:
    try:
        with transaction.atomic():
            return ReminderSent.objects.create(
                alumnus=reminder.alumnus, kind=reminder.kind, key=reminder.key
            )
    except IntegrityError:  # another run has it
        return None


def comeback_reminders_send(*, today: dt.date | None = None) -> ReminderReport:
    """Send every reminder due today once (push, else mail)."""
    due = reminders_due(today=today)
    report = ReminderReport(due=len(due))
    with MailBatch() as batch:
        for reminder in due:
            record = _claim(reminder)
            if record is None:
                continue
            if _push(reminder):
                record.channel = "push"
                report.pushed += 1
            elif (failure := batch.send(_mail(reminder))) is None:
                record.channel = "email"
                report.mailed += 1
            else:
                record.delete()  # tried again on the next run
                report.failed.append(f"{reminder.alumnus.pk}: {failure.reason}")
                continue
            record.save(update_fields=["channel"])
    return report
