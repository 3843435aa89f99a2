"""Every kind of record about an alumnus, with where 開示 (`/me/export`) shows it and how
account deletion (退会) removes it: one list, walked by `tests/alumni/test_privacy_coverage.py`,
which fails on a model that points at an alumnus or a roster entry and is not listed here.

The parts of other domains that have no exporter of their own are read here (plain reads, no
rules): push subscriptions, deliveries, hand-picked audience groups, survey answers, usage
signals. The chat exports and erases its part itself (its AppConfig's `alumnus_export` and
`alumnus_erase`, called by `alumnus_export` and `alumnus_delete`).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from cms.alumni.models import Alumnus

DELETED = "退会で削除"
CASCADE = DELETED + "（アルムナイの削除とともに削除）"
ERASE_HOOK = "退会で消去（その機能の alumnus_erase が本文と投稿者を消します）"
KEPT_ROSTER = "人事課の記録として保持（退会済みの印を付け、案内は送りません）"


@dataclass(frozen=True)
class PersonalRecords:
    """One model holding records about a person: the key of `alumnus_export` that discloses
    them, and what account deletion does with them."""

    model: str
    export: str
    erasure: str


PERSONAL_RECORDS: tuple[PersonalRecords, ...] = (
    PersonalRecords("alumni.Alumnus", "profile", DELETED),
    PersonalRecords("alumni.RosterEntry", "roster", KEPT_ROSTER),
    PersonalRecords("alumni.Invitation", "invitations", KEPT_ROSTER + "（コードは保存しません）"),
    PersonalRecords("alumni.OneTimeCode", "login_codes", CASCADE),
    PersonalRecords("push.PushSubscription", "push_subscriptions", CASCADE),
    PersonalRecords("push.Delivery", "deliveries", CASCADE),
    PersonalRecords("groups.AudienceGroup", "audience_groups", CASCADE + "（個別の追加のみ）"),
    PersonalRecords("surveys.SurveyResponse", "survey_answers", CASCADE),
    PersonalRecords("analytics.Signal", "signals", CASCADE),
    PersonalRecords("analytics.SignalMonthly", "signal_months", CASCADE),
    PersonalRecords("chat.Membership", "community_groups", CASCADE),
    PersonalRecords("chat.Message", "community_messages", ERASE_HOOK),
    PersonalRecords("chat.Report", "community_reports", CASCADE),
    PersonalRecords("comeback.Estimate", "comeback_estimates", CASCADE),
    PersonalRecords("comeback.Outcome", "comeback_outcomes", CASCADE),
    PersonalRecords("comeback.ReminderPreference", "comeback_reminders", CASCADE),
    PersonalRecords("comeback.ReminderSent", "comeback_reminders_sent", CASCADE),
)


def personal_records_for(model_label: str) -> PersonalRecords | None:
    for entry in PERSONAL_RECORDS:
        if entry.model.lower() == model_label.lower():
            return entry
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _rows(queryset: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{name: _plain(row[name]) for name in fields} for row in queryset.values(*fields)]


def _login_codes(alumnus: Alumnus) -> list[dict[str, Any]]:
    codes = alumnus.one_time_codes.order_by("created_at")
    return _rows(codes, ("purpose", "email", "created_at", "expires_at", "used_at"))


def _push_subscriptions(alumnus: Alumnus) -> list[dict[str, Any]]:
    from cms.push.models import PushSubscription

    return _rows(
        PushSubscription.objects.filter(alumnus=alumnus).order_by("pk"),
        ("created_at", "last_success_at"),
    )


def _deliveries(alumnus: Alumnus) -> list[dict[str, Any]]:
    from cms.push.models import Delivery

    deliveries = Delivery.objects.filter(alumnus=alumnus).order_by("created_at", "pk")
    return [
        {
            "item": delivery.item.title,
            "channel": delivery.channel,
            "reason": delivery.reason,
            "status": delivery.status,
            "sent_at": _plain(delivery.sent_at),
            "opened_at": _plain(delivery.opened_at),
        }
        for delivery in deliveries.select_related("item")
    ]


def _audience_groups(alumnus: Alumnus) -> list[dict[str, Any]]:
    from cms.groups.models import AudienceGroup

    picked = AudienceGroup.objects.filter(members=alumnus).order_by("name")
    return [{"name": group.name} for group in picked]


def _survey_answers(alumnus: Alumnus) -> list[dict[str, Any]]:
    from cms.surveys.models import SurveyResponse

    responses = SurveyResponse.objects.filter(alumnus=alumnus).select_related("survey")
    return [
        {
            "survey": response.survey.title,
            "answers": response.answers,
            "targeting_consent": response.targeting_consent,
            "submitted_at": _plain(response.submitted_at),
            "updated_at": _plain(response.updated_at),
        }
        for response in responses.order_by("submitted_at")
    ]


def _signals(alumnus: Alumnus) -> list[dict[str, Any]]:
    from cms.analytics.models import Signal

    signals = Signal.objects.filter(alumnus=alumnus).order_by("occurred_at", "pk")
    return _rows(signals, ("type", "content_kind", "content_id", "channel", "count", "occurred_at"))


def _signal_months(alumnus: Alumnus) -> list[dict[str, Any]]:
    from cms.analytics.models import MONTHLY_TYPE_FIELDS, MONTHLY_VIEW_FIELDS, SignalMonthly

    months = SignalMonthly.objects.filter(alumnus=alumnus).order_by("month")
    counts = (*MONTHLY_TYPE_FIELDS.values(), *MONTHLY_VIEW_FIELDS.values())
    return _rows(months, ("month", *dict.fromkeys(counts)))


def _comeback_estimates(alumnus: Alumnus) -> list[dict[str, Any]]:
    from cms.comeback.models import Estimate

    estimates = Estimate.objects.filter(alumnus=alumnus).order_by("computed_on")
    fields = ("computed_on", "probability", "band", "contributions", "eligible")
    return _rows(estimates, (*fields, "window_closes_on", "reason", "changed"))


def _comeback_outcomes(alumnus: Alumnus) -> list[dict[str, Any]]:
    from cms.comeback.models import Outcome

    outcomes = Outcome.objects.filter(alumnus=alumnus).order_by("season__year")
    return _rows(outcomes, ("season__year", "applied", "hired", "recorded_at"))


def _comeback_reminders(alumnus: Alumnus) -> list[dict[str, Any]]:
    from cms.comeback.models import ReminderPreference

    preferences = ReminderPreference.objects.filter(alumnus=alumnus)
    return _rows(preferences, ("opted_in", "updated_at"))


def _comeback_reminders_sent(alumnus: Alumnus) -> list[dict[str, Any]]:
    from cms.comeback.models import ReminderSent

    sent = ReminderSent.objects.filter(alumnus=alumnus).order_by("sent_at")
    return _rows(sent, ("kind", "key", "channel", "sent_at"))


# The parts of `alumnus_export` read here, by key; an app that is not installed is skipped.
EXPORTERS: dict[str, tuple[str, Callable[[Alumnus], list[dict[str, Any]]]]] = {
    "login_codes": ("alumni", _login_codes),
    "push_subscriptions": ("push", _push_subscriptions),
    "deliveries": ("push", _deliveries),
    "audience_groups": ("groups", _audience_groups),
    "survey_answers": ("surveys", _survey_answers),
    "signals": ("analytics", _signals),
    "signal_months": ("analytics", _signal_months),
    "comeback_estimates": ("comeback", _comeback_estimates),
    "comeback_outcomes": ("comeback", _comeback_outcomes),
    "comeback_reminders": ("comeback", _comeback_reminders),
    "comeback_reminders_sent": ("comeback", _comeback_reminders_sent),
}


def personal_records_export(*, alumnus: Alumnus) -> dict[str, Any]:
    """The parts of 開示 read here (see EXPORTERS)."""
    return {
        key: export(alumnus)
        for key, (app_label, export) in EXPORTERS.items()
        if apps.is_installed(f"cms.{app_label}") or app_label == "alumni"
    }


def history_erase(*, alumnus: Alumnus) -> int:
    """Remove the admin's history (Wagtail's log entries and revisions) of this alumnus: each
    entry keeps the name it had (its label), which must not outlive the account."""
    from wagtail.models import ModelLogEntry, Revision

    content_type = ContentType.objects.get_for_model(Alumnus)
    about = Q(content_type=content_type, object_id=str(alumnus.pk))
    deleted, _ = ModelLogEntry.objects.filter(about).delete()
    revisions, _ = Revision.objects.filter(
        Q(base_content_type=content_type) | Q(content_type=content_type),
        object_id=str(alumnus.pk),
    ).delete()
    return int(deleted + revisions)
