"""Reads of the alumni domain: eligibility, roster queries, the signed-in profile and its export."""

import datetime as dt
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cms.alumni.models import (
    ROSTER_FIELDS,
    Alumnus,
    AlumnusStatus,
    EligibilitySettings,
    Invitation,
    InvitationDelivery,
    RosterEntry,
)
from cms.alumni.privacy import personal_records_export


def eligibility_settings_get() -> EligibilitySettings:
    return EligibilitySettings.load()


def _years_between(start: dt.date, end: dt.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def eligibility_problems(
    *,
    birth_date: dt.date,
    hired_on: dt.date | None,
    retired_on: dt.date | None,
    today: dt.date | None = None,
) -> list[str]:
    """Why this person may not register (empty when eligible), by HR's current rules."""
    rules = eligibility_settings_get()
    today = today or timezone.localdate()
    problems: list[str] = []
    if (
        hired_on
        and retired_on
        and _years_between(hired_on, retired_on) < rules.min_years_of_service
    ):
        problems.append(f"勤続年数が {rules.min_years_of_service} 年未満です。")
    if retired_on and _years_between(retired_on, today) >= rules.max_years_since_leaving:
        problems.append(f"退職から {rules.max_years_since_leaving} 年以上が経過しています。")
    age = _years_between(birth_date, rules.age_reference_date or today)
    if rules.min_age is not None and age < rules.min_age:
        problems.append("年齢が対象の範囲外です。")
    if rules.max_age is not None and age > rules.max_age:
        problems.append("年齢が対象の範囲外です。")
    return problems


def roster_entry_is_eligible(*, entry: RosterEntry) -> bool:
    return not eligibility_problems(
        birth_date=entry.birth_date, hired_on=entry.hired_on, retired_on=entry.retired_on
    )


WITHDRAWN_REASON = "退会されたため、招待メール・郵送の案内・まとめメールは送りません。"


def roster_entry_refusal(*, entry: RosterEntry) -> str | None:
    """Why nothing may be sent to this entry (None when invitations may go to it)."""
    return WITHDRAWN_REASON if entry.withdrawn_at is not None else None


def roster_entries_withdrawn() -> QuerySet[RosterEntry]:
    """Entries whose person deleted their account, most recent first."""
    return RosterEntry.objects.filter(withdrawn_at__isnull=False).order_by("-withdrawn_at")


def roster_entries_to_invite(*, channel: str) -> QuerySet[RosterEntry]:
    """Roster entries without an account, not withdrawn, and without a live invitation on any
    channel."""
    live = Invitation.objects.filter(
        roster_entry=OuterRef("pk"), retired_at__isnull=True, used_at__isnull=True
    ).exclude(delivery="failed")
    entries = RosterEntry.objects.filter(alumnus__isnull=True, withdrawn_at__isnull=True).exclude(
        Exists(live)
    )
    if channel == "email":
        return entries.exclude(email="")
    return entries.filter(email="").exclude(address="")


def invitation_find_usable(*, code_hash: str) -> Invitation | None:
    """The invitation with this code if it can still be used (not used, retired or expired)."""
    return (
        Invitation.objects.select_related("roster_entry")
        .filter(code_hash=code_hash, used_at__isnull=True, retired_at__isnull=True)
        .filter(Q(expires_at__gt=timezone.now()))
        .first()
    )


def alumnus_find_active_by_email(*, email: str) -> Alumnus | None:
    return Alumnus.objects.filter(email=email, status=AlumnusStatus.ACTIVE).first()


def alumni_registration_progress() -> dict[str, int]:
    return {
        "registered": Alumnus.objects.filter(status=AlumnusStatus.ACTIVE).count(),
        "pending": Alumnus.objects.filter(status=AlumnusStatus.PENDING).count(),
        "target": settings.ALUMNI_REGISTRATION_TARGET,
    }


def alumnus_export(*, alumnus: Alumnus) -> dict[str, Any]:
    """Everything held about this person (開示), as plain JSON-ready data."""
    fields = (
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "email",
        "birth_date",
        "former_department",
        "hired_on",
        "retired_on",
        "current_region",
        "industry",
        "interests",
        "status",
        "channel",
        "consent_email",
        "consent_push",
        "consent_analytics",
        "privacy_notice_version",
        "registered_at",
        "approved_at",
    )
    data: dict[str, Any] = {"profile": {name: _plain(getattr(alumnus, name)) for name in fields}}
    entry = alumnus.roster_entry
    data["roster"] = (
        None if entry is None else {name: _plain(getattr(entry, name)) for name in ROSTER_FIELDS}
    )
    data["invitations"] = (
        []
        if entry is None
        else [
            {
                "channel": invitation.channel,
                "delivery": invitation.delivery,
                "issued_at": _plain(invitation.issued_at),
                "used_at": _plain(invitation.used_at),
            }
            for invitation in entry.invitations.order_by("created_at")
        ]
    )
    data["login_codes_sent"] = alumnus.one_time_codes.count()
    data.update(personal_records_export(alumnus=alumnus))
    extra = getattr(alumnus, "export_extra", None)
    if callable(extra):  # other domains may add their own data about the person
        data.update(extra())
    for config in apps.get_app_configs():  # or offer `alumnus_export` on their AppConfig
        export = getattr(config, "alumnus_export", None)
        if callable(export):
            data.update(export(alumnus=alumnus))
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def alumnus_pending_email(*, alumnus: Alumnus) -> str | None:
    """The new address waiting for its confirmation code, if any."""
    from cms.alumni.models import OneTimeCode, OneTimeCodePurpose

    return (
        OneTimeCode.objects.filter(
            alumnus=alumnus,
            purpose=OneTimeCodePurpose.EMAIL_CHANGE,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .values_list("email", flat=True)
        .first()
    )


def invitations_stuck(*, invitations: QuerySet[Invitation]) -> QuerySet[Invitation]:
    """Those of `invitations` 送信中 past their lease (停止: the worker that held them died)."""
    return invitations.filter(delivery=InvitationDelivery.SENDING).filter(
        Q(claimed_until__lt=timezone.now()) | Q(claimed_until__isnull=True)
    )
