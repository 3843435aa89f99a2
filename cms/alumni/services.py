"""Writes of the alumni domain: roster import, invitations, registration, codes, profile, rights."""

import datetime as dt
import hashlib
import ipaddress
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.models import Session
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from cms.alumni import codes
from cms.alumni.errors import AlumniError, TooManyAttempts
from cms.alumni.models import (
    AccountDeletion,
    Alumnus,
    AlumnusStatus,
    AuditAction,
    AuditLogEntry,
    Invitation,
    InvitationChannel,
    InvitationDelivery,
    LetterPrint,
    OneTimeCode,
    OneTimeCodePurpose,
    RegistrationChannel,
    RosterEntry,
    RosterUpload,
    ThrottleEvent,
)
from cms.alumni.privacy import history_erase
from cms.alumni.roster import RosterFile
from cms.alumni.selectors import (
    alumnus_find_active_by_email,
    eligibility_problems,
    eligibility_settings_get,
    invitation_find_usable,
    roster_entry_refusal,
)
from cms.analytics.models import SignalType
from cms.analytics.services import signal_record, signals_erase
from cms.mailing import MailBatch, MailFailure, mail_retry_at, retry_delay
from cms.worker_stop import stop_requested

logger = logging.getLogger(__name__)
User = get_user_model()


# --- audit ------------------------------------------------------------------------------------


def audit_log_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target: str,
    record_ids: list[Any],
    detail: str = "",
) -> AuditLogEntry:
    """Write one audit entry: which staff member saw or exported which personal records."""
    user = actor if isinstance(actor, User) else None
    return AuditLogEntry.objects.create(
        actor=user,
        actor_username=user.get_username() if user else "(system)",
        action=action,
        target=target,
        record_ids=[str(pk) for pk in record_ids],
        detail=detail,
    )


# --- roster -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterImportResult:
    created: int
    updated: int
    unchanged: int


class RosterInvalid(AlumniError):
    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__(f"{len(errors)} 行に誤りがあるため、取り込みませんでした。")
        self.errors = errors


ROSTER_BATCH = 500  # roster rows written per statement


def roster_import(
    *,
    roster: RosterFile,
    actor: AbstractBaseUser | None = None,
    dry_run: bool = False,
    progress: Callable[[], None] | None = None,
) -> RosterImportResult:
    """Create or update roster entries by staff number, all or nothing.

    A file with any bad row writes nothing (RosterInvalid lists every bad row). Importing the
    same file again changes nothing.
    """
    if roster.errors or not roster.rows:
        raise RosterInvalid(roster.errors)
    unchanged = 0
    new: list[RosterEntry] = []
    changed_entries: list[RosterEntry] = []
    changed_fields: set[str] = set()
    with transaction.atomic():
        existing = {
            entry.staff_number: entry
            for entry in RosterEntry.objects.select_for_update().filter(
                staff_number__in=[row.values["staff_number"] for row in roster.rows]
            )
        }
        for row in roster.rows:
            if progress is not None:
                progress()
            entry = existing.get(row.values["staff_number"])
            if entry is None:
                new.append(RosterEntry(**row.values))
                continue
            changed = [name for name, value in row.values.items() if getattr(entry, name) != value]
            if not changed:
                unchanged += 1
                continue
            for name in changed:
                setattr(entry, name, row.values[name])
            changed_entries.append(entry)
            changed_fields.update(changed)
        if not dry_run:
            # In batches: a few statements for the file, not one per row.
            RosterEntry.objects.bulk_create(new, batch_size=ROSTER_BATCH)
            if changed_entries:
                now = timezone.now()
                for entry in changed_entries:
                    entry.updated_at = now
                RosterEntry.objects.bulk_update(
                    changed_entries,
                    [*sorted(changed_fields), "updated_at"],
                    batch_size=ROSTER_BATCH,
                )
        if actor is not None and not dry_run:
            audit_log_record(
                actor=actor,
                action=AuditAction.IMPORT,
                target="roster",
                record_ids=[row.values["staff_number"] for row in roster.rows],
            )
    created, updated = len(new), len(changed_entries)
    return RosterImportResult(created=created, updated=updated, unchanged=unchanged)


# --- invitations ------------------------------------------------------------------------------


def registration_url(*, code: str) -> str:
    """The registration screen with the code in the fragment: a browser never sends a fragment,
    so the code reaches no server's or CDN's log (the PWA reads it and clears it from history)."""
    return f"{settings.PWA_BASE_URL}{settings.ALUMNI_REGISTER_PATH}#code={code}"


def _invitation_give_code(invitation: Invitation) -> str:
    """Give the invitation a fresh code (only its hash is kept) and a new expiry."""
    code = codes.invitation_code_new()
    now = timezone.now()
    invitation.code_hash = codes.invitation_code_hash(code)
    invitation.issued_at = now
    invitation.expires_at = now + dt.timedelta(days=settings.ALUMNI_INVITATION_VALID_DAYS)
    return code


def _invitations_create(*, entries: list[RosterEntry], actor: AbstractBaseUser | None) -> list[int]:
    """One queued email invitation per entry that has an address and no live invitation, in
    one transaction. Withdrawn entries (退会) and those with an account are skipped."""
    ids: list[int] = []
    with transaction.atomic():
        for entry in entries:
            if not entry.email or hasattr(entry, "alumnus") or roster_entry_refusal(entry=entry):
                continue
            live = entry.invitations.filter(retired_at__isnull=True, used_at__isnull=True).exclude(
                delivery=InvitationDelivery.FAILED
            )
            if live.exists():
                continue
            entry.invitations.filter(retired_at__isnull=True, used_at__isnull=True).update(
                retired_at=timezone.now()
            )
            invitation = Invitation.objects.create(
                roster_entry=entry,
                channel=InvitationChannel.EMAIL,
                delivery=InvitationDelivery.QUEUED,
                issued_by=actor if isinstance(actor, User) else None,
            )
            ids.append(invitation.pk)
    return ids


def invitation_queue_emails(
    *, entries: list[RosterEntry], actor: AbstractBaseUser | None
) -> list[int]:
    """Queue one email invitation per entry that has an address and no live invitation.

    Withdrawn entries (退会) are skipped. Mail goes out in a background task on the mail
    queue, after the transaction commits. For a few entries; a whole roster goes through
    `invitation_run_start`, in batches."""
    from cms.alumni.tasks import invitation_emails_send

    with transaction.atomic():
        ids = _invitations_create(entries=entries, actor=actor)
        if ids:
            transaction.on_commit(lambda: invitation_emails_send.enqueue(invitation_ids=ids))
    return ids


@dataclass(frozen=True)
class InvitationRun:
    """What `invitation_run_start` queued: entries, and the batches (tasks) they went into."""

    entries: int
    batches: int


def invitation_run_start(
    *, entries: list[RosterEntry], actor: AbstractBaseUser | None
) -> InvitationRun:
    """Queue email invitations for many entries at once: one task per batch of
    `ALUMNI_INVITATION_BATCH_SIZE` entries, each batch its own short transaction (10,000 entries
    in one transaction would lock SQLite for the whole run). Returns at once."""
    from cms.alumni.tasks import invitation_batch_send

    ids = [entry.pk for entry in entries]
    size = settings.ALUMNI_INVITATION_BATCH_SIZE
    batches = [ids[start : start + size] for start in range(0, len(ids), size)]
    actor_id = actor.pk if isinstance(actor, User) else None
    with transaction.atomic():
        for batch in batches:
            invitation_batch_send.enqueue(entry_ids=batch, actor_id=actor_id)
    return InvitationRun(entries=len(ids), batches=len(batches))


@dataclass
class InvitationMailReport:
    """What a run of invitation mails did: how many ended in each state, and which invitations
    wait for a retry at `retry_at` (a failed try, or untried because the mail server failed),
    and which were handed back untried because the worker stops (`handed_back`, due now)."""

    outcome: dict[str, int] = field(default_factory=dict)
    retry_ids: list[int] = field(default_factory=list)
    retry_at: dt.datetime | None = None
    handed_back: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return dict(self.outcome)


def invitation_batch_send(*, entry_ids: list[int], actor_id: int | None) -> InvitationMailReport:
    """One batch of an invitation run: create its invitations (one transaction), then send
    each once over one connection to the mail server. Entries that became withdrawn,
    registered or invited meanwhile are skipped, so running a batch twice sends nothing twice."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    entries = list(
        RosterEntry.objects.filter(pk__in=entry_ids).select_related("alumnus").order_by("pk")
    )
    return invitation_emails_send(invitation_ids=_invitations_create(entries=entries, actor=actor))


def invitation_emails_send(*, invitation_ids: list[int]) -> InvitationMailReport:
    """Send each queued (or due) invitation mail once, over one connection to the mail server.

    A failed try leaves the invitation 再送待ち with a growing pause, 失敗 after
    MAIL_MAX_ATTEMPTS tries (its attempts kept across runs). When the server itself fails,
    the rest of the batch is not tried now and waits for the same retry; when the worker is
    asked to stop, the rest is handed back untried (`report.handed_back`)."""
    report = InvitationMailReport()
    with MailBatch() as batch:
        for position, invitation_id in enumerate(invitation_ids):
            if stop_requested.is_set():
                report.handed_back = invitation_ids[position:]
                break
            state, failure = _invitation_email_send(invitation_id=invitation_id, batch=batch)
            report.outcome[state] = report.outcome.get(state, 0) + 1
            if state == InvitationDelivery.RETRY:
                report.retry_ids.append(invitation_id)
            if failure is not None and failure.server:
                report.retry_ids += invitation_ids[position + 1 :]
                break
    if report.retry_ids:
        report.retry_at = (
            Invitation.objects.filter(pk__in=report.retry_ids, retry_at__isnull=False)
            .order_by("-retry_at")
            .values_list("retry_at", flat=True)
            .first()
        ) or timezone.now() + dt.timedelta(seconds=retry_delay(attempt=1))
    return report


def invitation_email_send(*, invitation_id: int) -> str:
    """Send one queued invitation; never twice, never to a withdrawn entry. Returns the
    delivery state after."""
    with MailBatch() as batch:
        state, _ = _invitation_email_send(invitation_id=invitation_id, batch=batch)
    return state


def _invitation_email_send(
    *, invitation_id: int, batch: MailBatch
) -> tuple[str, MailFailure | None]:
    with transaction.atomic():
        claimed = (
            Invitation.objects.filter(
                pk=invitation_id,
                retired_at__isnull=True,
                used_at__isnull=True,
                roster_entry__withdrawn_at__isnull=True,
            )
            .filter(
                Q(delivery=InvitationDelivery.QUEUED)
                | Q(delivery=InvitationDelivery.RETRY, retry_at__lte=timezone.now())
            )
            .update(
                delivery=InvitationDelivery.SENDING,
                # Past this, `manage.py sweep_claims` queues the mail again (the worker died).
                claimed_until=timezone.now()
                + dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS),
            )
        )
    invitation = Invitation.objects.select_related("roster_entry").get(pk=invitation_id)
    if not claimed:
        return invitation.delivery, None
    entry = invitation.roster_entry
    code = _invitation_give_code(invitation)
    context = {
        "name": f"{entry.family_name} {entry.given_name}",
        "code": code,
        "url": registration_url(code=code),
        "site_name": settings.SITE_NAME,
        "org_name": settings.ORG_NAME,
        "valid_days": settings.ALUMNI_INVITATION_VALID_DAYS,
        "expires_on": timezone.localtime(invitation.expires_at).date(),
    }
    message = EmailMultiAlternatives(
        subject=f"【{settings.SITE_NAME}】ご登録のご案内",
        body=render_to_string("alumni/mail/invitation.txt", context),
        to=[entry.email],
    )
    message.attach_alternative(
        render_to_string("alumni/mail/invitation.html", context), "text/html"
    )
    invitation.attempts += 1
    failure = batch.send(message)
    if failure is None:
        invitation.delivery = InvitationDelivery.SENT
        invitation.delivery_error = ""
        invitation.retry_at = None
    else:
        invitation.code_hash = None
        invitation.retry_at = mail_retry_at(attempts=invitation.attempts)
        invitation.delivery = (
            InvitationDelivery.RETRY if invitation.retry_at else InvitationDelivery.FAILED
        )
        invitation.delivery_error = failure.reason
        logger.warning("invitation %s: mail failed (%s)", invitation.pk, failure.reason)
    invitation.claimed_until = None
    invitation.save()
    return invitation.delivery, failure


def invitation_resend(*, invitation: Invitation, actor: AbstractBaseUser) -> bool:
    """HR sends a failed or stuck (送信中 past its lease) invitation mail again: a new series of
    tries, queued on the mail worker after the commit and written to the audit log. False when
    the invitation may not be resent (sent, used, retired, withdrawn, or a letter)."""
    from cms.alumni.tasks import invitation_emails_send as invitation_emails_task

    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("roster_entry")
            .get(pk=invitation.pk)
        )
        if not invitation.can_resend:
            return False
        invitation.delivery = InvitationDelivery.QUEUED
        invitation.attempts = 0
        invitation.retry_at = None
        invitation.claimed_until = None
        invitation.save(update_fields=["delivery", "attempts", "retry_at", "claimed_until"])
        audit_log_record(
            actor=actor,
            action=AuditAction.EDIT,
            target="invitation_resend",
            record_ids=[invitation.roster_entry_id],
        )
        ids = [invitation.pk]
        transaction.on_commit(lambda: invitation_emails_task.enqueue(invitation_ids=ids))
    return True


def invitation_issue_letters(
    *, entries: list[RosterEntry], actor: AbstractBaseUser | None
) -> list[tuple[RosterEntry, str]]:
    """A new letter code for each entry; any earlier code of that entry is retired. Recorded.

    Entries with an account, without an address or withdrawn (退会) get no letter."""
    issued: list[tuple[RosterEntry, str]] = []
    now = timezone.now()
    user = actor if isinstance(actor, User) else None
    with transaction.atomic():
        for entry in entries:
            if hasattr(entry, "alumnus") or not entry.address or roster_entry_refusal(entry=entry):
                continue
            entry.invitations.filter(retired_at__isnull=True, used_at__isnull=True).update(
                retired_at=now
            )
            invitation = Invitation(
                roster_entry=entry,
                channel=InvitationChannel.LETTER,
                delivery=InvitationDelivery.PRINTED,
                issued_by=user,
            )
            code = _invitation_give_code(invitation)
            invitation.save()
            LetterPrint.objects.create(invitation=invitation, printed_by=user)
            issued.append((entry, code))
        if issued and user is not None:
            audit_log_record(
                actor=user,
                action=AuditAction.EXPORT,
                target="letters",
                record_ids=[entry.pk for entry, _ in issued],
            )
    return issued


# --- registration -----------------------------------------------------------------------------

REFUSED_CODE_OR_BIRTH_DATE = "招待コードまたは生年月日が正しくありません。"


def _ask_hr() -> str:
    """Where a refused person can ask: HR's contact, as every page's お問い合わせ shows it."""
    from cms.content.models import ContactSettings

    contact = ContactSettings.load()
    phone = f"（電話 {contact.phone}）" if contact.phone else ""
    return f"ご不明な点は、{contact.department}{phone}へお問い合わせください。"


def registration_create(
    *,
    invitation_code: str | None,
    family_name: str,
    given_name: str,
    family_name_kana: str,
    given_name_kana: str,
    email: str,
    birth_date: dt.date,
    former_department: str = "",
    hired_on: dt.date | None = None,
    retired_on: dt.date | None = None,
    consent_email: bool,
    consent_push: bool,
    consent_analytics: bool,
    privacy_notice_version: str,
) -> Alumnus:
    """Register a person: with an invitation code (active at once) or, where HR allows, without
    one (pending HR approval). Inputs are already normalised."""
    if privacy_notice_version != settings.ALUMNI_PRIVACY_NOTICE_VERSION:
        raise AlumniError(
            "プライバシーポリシーが更新されています。最新の内容をご確認ください。",
            field="privacy_notice_version",
        )
    with transaction.atomic():
        entry: RosterEntry | None = None
        invitation: Invitation | None = None
        if invitation_code:
            invitation = invitation_find_usable(
                code_hash=codes.invitation_code_hash(invitation_code)
            )
            if invitation is not None:
                invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
            if (
                invitation is None
                or invitation.used_at is not None
                or invitation.roster_entry.birth_date != birth_date
            ):
                raise AlumniError(REFUSED_CODE_OR_BIRTH_DATE)
            entry = invitation.roster_entry
            if hasattr(entry, "alumnus"):
                raise AlumniError(REFUSED_CODE_OR_BIRTH_DATE)
            problems = eligibility_problems(
                birth_date=entry.birth_date, hired_on=entry.hired_on, retired_on=entry.retired_on
            )
            channel = invitation.channel
            status = AlumnusStatus.ACTIVE
            former_department, hired_on, retired_on = (
                entry.former_department,
                entry.hired_on,
                entry.retired_on,
            )
        else:
            if not eligibility_settings_get().allow_open_applications:
                raise AlumniError("招待コードを入力してください。", field="invitation_code")
            if retired_on is None:
                raise AlumniError("退職日を入力してください。", field="retired_on")
            problems = eligibility_problems(
                birth_date=birth_date, hired_on=hired_on, retired_on=retired_on
            )
            channel = RegistrationChannel.OPEN
            status = AlumnusStatus.PENDING
        if problems:
            raise AlumniError("登録の対象外です。" + problems[0] + _ask_hr())
        if Alumnus.objects.filter(email=email).exists():
            raise AlumniError("このメールアドレスは登録に使えません。", field="email")
        user = User.objects.create_user(username=f"alumnus-{uuid.uuid4().hex}")
        user.set_unusable_password()
        user.save()
        try:
            with transaction.atomic():
                alumnus = Alumnus.objects.create(
                    user=user,
                    roster_entry=entry,
                    family_name=family_name,
                    given_name=given_name,
                    family_name_kana=family_name_kana,
                    given_name_kana=given_name_kana,
                    email=email,
                    birth_date=birth_date,
                    former_department=former_department,
                    hired_on=hired_on,
                    retired_on=retired_on,
                    status=status,
                    channel=channel,
                    consent_email=consent_email,
                    consent_push=consent_push,
                    consent_analytics=consent_analytics,
                    privacy_notice_version=privacy_notice_version,
                    approved_at=timezone.now() if status == AlumnusStatus.ACTIVE else None,
                )
        except IntegrityError:
            raise AlumniError("このメールアドレスは登録に使えません。", field="email") from None
        if invitation is not None:
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])
    return alumnus


def alumnus_approve(*, alumnus: Alumnus, actor: AbstractBaseUser) -> Alumnus:
    """HR approves a pending application from someone not in the roster."""
    if alumnus.status != AlumnusStatus.PENDING:
        raise AlumniError("承認待ちの申請ではありません。")
    alumnus.status = AlumnusStatus.ACTIVE
    alumnus.approved_at = timezone.now()
    alumnus.save(update_fields=["status", "approved_at"])
    audit_log_record(
        actor=actor, action=AuditAction.APPROVE, target="alumnus", record_ids=[alumnus.pk]
    )
    return alumnus


# --- throttling and one-time codes ------------------------------------------------------------

DAY_SECONDS = 24 * 60 * 60


def throttle_network(ip: str) -> str:
    """What the per-IP limits count: an IPv4 address, or an IPv6 address's /64 (one
    subscriber's network: a host in it may pick any of 2**64 addresses)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_ip(meta: dict[str, Any]) -> str:
    """The address the per-IP throttles count: the peer, or, behind TRUSTED_PROXY_COUNT proxies
    that each append to X-Forwarded-For, the address the outermost of them saw. Entries further
    left are written by the client itself and never trusted."""
    peer = str(meta.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return peer
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        return peer
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return peer


def _key_hash(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:throttle:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class Limit:
    """At most `limit` events of `scope` for `key` within `window` seconds (default: the
    throttle window)."""

    scope: str
    key: str
    limit: int
    window: int = 0

    def since(self) -> dt.datetime:
        return timezone.now() - dt.timedelta(
            seconds=self.window or settings.ALUMNI_THROTTLE_WINDOW_SECONDS
        )

    def events(self) -> Any:
        return ThrottleEvent.objects.filter(
            scope=self.scope, key_hash=_key_hash(self.key), created_at__gte=self.since()
        )

    def reached(self) -> bool:
        return bool(self.events().count() >= self.limit)


def throttle_check(limits: list[Limit]) -> None:
    """Refuse (429) when any limit is reached; Retry-After says when its oldest event ages out."""
    for limit in limits:
        events = limit.events().order_by("created_at")
        if events.count() >= limit.limit:
            oldest = events.values_list("created_at", flat=True)[0]
            retry_after = int((oldest - limit.since()).total_seconds()) + 1
            raise TooManyAttempts(retry_after=max(retry_after, 1))


def throttle_count(limits: list[Limit]) -> None:
    ThrottleEvent.objects.bulk_create(
        [ThrottleEvent(scope=limit.scope, key_hash=_key_hash(limit.key)) for limit in limits]
    )


def _one_time_code_send(
    *, alumnus: Alumnus | None, email: str, purpose: str, requester: str
) -> None:
    """Store a pending code and queue its mail on the mail queue, in the caller's transaction
    (with the database task backend both commit together or not at all). The code itself is
    drawn by the task, so it never sits in clear in the task table; the request never waits
    for the mail server, and does the same work whoever the address belongs to: the task
    decides whom it mails (see `one_time_code_mail_send`)."""
    from cms.alumni.tasks import one_time_code_mail

    now = timezone.now()
    earlier = OneTimeCode.objects.filter(purpose=purpose, used_at__isnull=True)
    earlier = (
        earlier.filter(alumnus=alumnus)
        if purpose == OneTimeCodePurpose.EMAIL_CHANGE
        else earlier.filter(email=email)
    )
    earlier.update(used_at=now)
    pending = OneTimeCode.objects.create(
        alumnus=alumnus,
        purpose=purpose,
        email=email,
        code_hash=PENDING_CODE_HASH,
        requester_hash=_key_hash(requester),
        expires_at=now + dt.timedelta(minutes=settings.ALUMNI_LOGIN_CODE_MINUTES),
    )
    one_time_code_mail.enqueue(code_id=pending.pk)


# A code whose mail has not gone out yet: no code matches it (a hash is never empty).
PENDING_CODE_HASH = ""


def _one_time_code_recipient(pending: OneTimeCode) -> Alumnus | None:
    """Whom a pending code may be mailed to: the active alumnus with a login code's address,
    or the alumnus who asked for a new address that nobody else has. None: mail nothing (the
    code stays pending, so nothing can match it, and the requester learns nothing)."""
    if pending.purpose == OneTimeCodePurpose.LOGIN:
        alumnus = alumnus_find_active_by_email(email=pending.email)
        if alumnus is not None and pending.alumnus_id != alumnus.pk:
            OneTimeCode.objects.filter(pk=pending.pk).update(alumnus=alumnus)
        return alumnus
    owner = pending.alumnus
    if owner is None or Alumnus.objects.filter(email=pending.email).exclude(pk=owner.pk).exists():
        return None
    return owner


def one_time_code_mail_send(*, code_id: int) -> str:
    """Draw the code of a pending one-time code and mail it. Returns "sent", "skipped" (used,
    expired, already mailed, or an address that gets no code) or "failed" (the code is pending
    again, so a retry can send it)."""
    pending = OneTimeCode.objects.filter(
        pk=code_id,
        code_hash=PENDING_CODE_HASH,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()
    if pending is None or _one_time_code_recipient(pending) is None:
        return "skipped"
    code = codes.one_time_code_new()
    claimed = OneTimeCode.objects.filter(pk=code_id, code_hash=PENDING_CODE_HASH).update(
        code_hash=codes.one_time_code_hash(code)
    )
    if not claimed:
        return "skipped"
    context = {
        "code": code,
        "minutes": settings.ALUMNI_LOGIN_CODE_MINUTES,
        "site_name": settings.SITE_NAME,
        "purpose": pending.purpose,
    }
    subject = (
        f"【{settings.SITE_NAME}】ログイン用の確認コード"
        if pending.purpose == OneTimeCodePurpose.LOGIN
        else f"【{settings.SITE_NAME}】メールアドレス変更の確認コード"
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("alumni/mail/one_time_code.txt", context),
        to=[pending.email],
    )
    message.attach_alternative(
        render_to_string("alumni/mail/one_time_code.html", context), "text/html"
    )
    try:
        message.send()
    except Exception as error:
        OneTimeCode.objects.filter(pk=code_id).update(code_hash=PENDING_CODE_HASH)
        logger.warning("one-time code %s: mail failed (%s)", code_id, type(error).__name__)
        return "failed"
    return "sent"


def login_code_request(*, email: str, ip: str) -> None:
    """Queue a login code for this address; the mail task sends it only if an active alumnus
    has the address. The request itself does the same for any address (same answer, same
    writes), so neither its answer nor its timing tells who is registered."""
    network = throttle_network(ip)
    limits = [
        Limit("code-request-email", email, settings.ALUMNI_THROTTLE_CODE_REQUESTS_PER_EMAIL),
        Limit("code-request-ip", network, settings.ALUMNI_THROTTLE_CODE_REQUESTS_PER_IP),
    ]
    throttle_check(limits)
    with transaction.atomic():
        throttle_count(limits)
        _one_time_code_send(
            alumnus=None, email=email, purpose=OneTimeCodePurpose.LOGIN, requester=network
        )


WRONG_CODE = "確認コードが正しくないか、有効期限が切れています。"


def _wrong_code_limits(*, email: str, network: str) -> tuple[list[Limit], Limit]:
    """The limits on wrong codes: per address from one network (window and day), per network,
    and the account's daily cap (returned apart: reaching it refuses nobody outright)."""
    pair = f"{email}|{network}"
    per_day = settings.ALUMNI_THROTTLE_WRONG_CODES_PER_DAY
    refusing = [
        Limit("wrong-code-email", pair, settings.ALUMNI_THROTTLE_WRONG_CODES_PER_EMAIL),
        Limit("wrong-code-ip", network, settings.ALUMNI_THROTTLE_WRONG_CODES_PER_IP),
        Limit("wrong-code-email-day", pair, per_day, DAY_SECONDS),
    ]
    return refusing, Limit("wrong-code-account-day", email, per_day, DAY_SECONDS)


def _one_time_code_use(
    *, purpose: str, email: str, code: str, ip: str, alumnus: Alumnus | None
) -> OneTimeCode:
    """Check a code: single use, valid 10 minutes; throttled so that nobody can lock the owner out.

    Wrong tries count per (address, network), per network and per account and day. A code dies
    after ALUMNI_LOGIN_CODE_MAX_TRIES wrong tries from the network that asked for it; tries from
    other networks never kill it. Once the account's daily cap is reached, a code answers only
    the network that asked for it, and the owner gets a notice: a stranger cannot try further,
    and the owner, asking for a fresh code, still signs in."""
    network = throttle_network(ip)
    refusing, account_day = _wrong_code_limits(email=email, network=network)
    throttle_check(refusing)
    capped = account_day.reached()
    requester = _key_hash(network)
    now = timezone.now()
    with transaction.atomic():
        candidates = OneTimeCode.objects.select_for_update().filter(
            purpose=purpose, email=email, used_at__isnull=True, expires_at__gt=now
        )
        if alumnus is not None:
            candidates = candidates.filter(alumnus=alumnus)
        current = candidates.order_by("-created_at").first()
        own = current is not None and current.requester_hash == requester
        if (
            current is not None
            and (own or not capped)
            and current.failed_attempts < settings.ALUMNI_LOGIN_CODE_MAX_TRIES
            and current.code_hash == codes.one_time_code_hash(code)
        ):
            current.used_at = now
            current.save(update_fields=["used_at"])
            return current
        if current is not None and own:
            OneTimeCode.objects.filter(pk=current.pk).update(
                failed_attempts=F("failed_attempts") + 1
            )
        throttle_count([*refusing, account_day])
        if not capped and account_day.reached():
            _wrong_codes_notice(email=email, alumnus=alumnus)
    raise AlumniError(WRONG_CODE, field="code")


def _wrong_codes_notice(*, email: str, alumnus: Alumnus | None) -> None:
    """The account's daily cap of wrong codes was just reached: tell its owner, by a task."""
    from cms.alumni.tasks import wrong_codes_notice_mail

    owner = alumnus or alumnus_find_active_by_email(email=email)
    if owner is not None:  # queued in the caller's transaction, as the code mails are
        wrong_codes_notice_mail.enqueue(alumnus_id=owner.pk)


def wrong_codes_notice_send(*, alumnus_id: int) -> str:
    """Mail the owner that many wrong codes were entered for the account today."""
    alumnus = Alumnus.objects.filter(pk=alumnus_id).first()
    if alumnus is None:
        return "skipped"
    context = {"site_name": settings.SITE_NAME, "name": str(alumnus)}
    message = EmailMultiAlternatives(
        subject=f"【{settings.SITE_NAME}】確認コードの誤入力が続いています",
        body=render_to_string("alumni/mail/wrong_codes_notice.txt", context),
        to=[alumnus.email],
    )
    try:
        message.send()
    except Exception as error:
        logger.warning("wrong-code notice %s: mail failed (%s)", alumnus_id, type(error).__name__)
        return "failed"
    return "sent"


def login_code_verify(*, email: str, code: str, ip: str) -> Alumnus:
    """The active alumnus whose login code this is; the code is spent."""
    used = _one_time_code_use(
        purpose=OneTimeCodePurpose.LOGIN, email=email, code=code, ip=ip, alumnus=None
    )
    alumnus = used.alumnus
    if alumnus is None or alumnus.status != AlumnusStatus.ACTIVE:
        raise AlumniError(WRONG_CODE, field="code")
    signal_record(alumnus=alumnus, type=SignalType.LOGIN)  # only with consent to analysis
    return alumnus


# --- profile and rights -----------------------------------------------------------------------

PROFILE_FIELDS = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "current_region",
    "industry",
    "interests",
    "consent_email",
    "consent_push",
    "consent_analytics",
)


def alumnus_update(
    *, alumnus: Alumnus, changes: dict[str, Any], new_email: str | None = None, ip: str = ""
) -> Alumnus:
    """Change the profile; a new email only takes effect once the code mailed to it is entered.

    Asking for a new address is throttled per alumnus before anything else (429, nothing
    changed), and counted whatever the address: the answer is the same for a free address and
    one another alumnus has (which gets no mail: the mail task decides, see
    `_one_time_code_recipient`), so the API tells nobody who is registered."""
    changes_email = bool(new_email) and new_email != alumnus.email
    limits = [
        Limit(
            "email-change-alumnus",
            str(alumnus.pk),
            settings.ALUMNI_THROTTLE_EMAIL_CHANGES_PER_ALUMNUS,
        )
    ]
    if changes_email:
        throttle_check(limits)
    with transaction.atomic():
        fields = [name for name in PROFILE_FIELDS if name in changes]
        for name in fields:
            setattr(alumnus, name, changes[name])
        if fields:
            alumnus.save(update_fields=fields)
        if "consent_analytics" in fields and not alumnus.consent_analytics:
            signals_erase(alumnus=alumnus)  # stopping analysis deletes what was recorded
        if new_email and changes_email:
            throttle_count(limits)
            _one_time_code_send(
                alumnus=alumnus,
                email=new_email,
                purpose=OneTimeCodePurpose.EMAIL_CHANGE,
                requester=throttle_network(ip),
            )
    return alumnus


def alumnus_email_confirm(*, alumnus: Alumnus, code: str, ip: str) -> Alumnus:
    """Apply the pending email change whose code was mailed to the new address."""
    pending = (
        OneTimeCode.objects.filter(
            alumnus=alumnus, purpose=OneTimeCodePurpose.EMAIL_CHANGE, used_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
    if pending is None:
        raise AlumniError(WRONG_CODE, field="code")
    used = _one_time_code_use(
        purpose=OneTimeCodePurpose.EMAIL_CHANGE,
        email=pending.email,
        code=code,
        ip=ip,
        alumnus=alumnus,
    )
    if Alumnus.objects.filter(email=used.email).exclude(pk=alumnus.pk).exists():
        raise AlumniError("このメールアドレスは使えません。", field="email")
    alumnus.email = used.email
    alumnus.save(update_fields=["email"])
    return alumnus


def alumnus_delete(*, alumnus: Alumnus) -> None:
    """Delete the account and its personal data; end all its sessions.

    Kept, as the privacy notice says: a count of the registration channel (no personal data),
    the roster entry (HR's own record) and the spent invitation, so its code cannot be reused.
    The roster entry is marked withdrawn, so that no invitation, letter or digest reaches the
    person again; so is an unlinked entry with the same address (someone who registered
    without a code). Nothing else about the person is kept.
    """
    user = alumnus.user
    now = timezone.now()
    with transaction.atomic():
        AccountDeletion.objects.create(channel=alumnus.channel, registered_at=alumnus.registered_at)
        withdrawn = RosterEntry.objects.filter(
            Q(pk=alumnus.roster_entry_id) | Q(email__iexact=alumnus.email, alumnus__isnull=True)
        )
        Invitation.objects.filter(
            roster_entry__in=withdrawn, retired_at__isnull=True, used_at__isnull=True
        ).update(retired_at=now)
        withdrawn.filter(withdrawn_at__isnull=True).update(withdrawn_at=now, updated_at=now)
        _sessions_end(user_id=user.pk)
        for config in apps.get_app_configs():  # each domain erases its part (the chat's posts)
            erase = getattr(config, "alumnus_erase", None)
            if erase is not None:
                erase(alumnus=alumnus)
        history_erase(alumnus=alumnus)  # the admin's log entries keep the name they had
        alumnus.delete()
        user.delete()


def roster_entry_withdrawal_undo(*, entry: RosterEntry, actor: AbstractBaseUser) -> RosterEntry:
    """HR's explicit decision, when the person asks to come back, to let invitations reach a
    withdrawn entry again. Audited."""
    if entry.withdrawn_at is None:
        raise AlumniError("この方は退会済みではありません。")
    with transaction.atomic():
        entry.withdrawn_at = None
        entry.save(update_fields=["withdrawn_at", "updated_at"])
        audit_log_record(
            actor=actor, action=AuditAction.EDIT, target="roster_withdrawal", record_ids=[entry.pk]
        )
    return entry


def alumnus_sessions_end(*, alumnus: Alumnus) -> int:
    """Sign the person out on every device (「すべての端末からログアウト」); how many ended."""
    return _sessions_end(user_id=alumnus.user_id)


def _sessions_end(*, user_id: int) -> int:
    from django.contrib.auth import SESSION_KEY

    ended = 0
    expired_before = timezone.now()
    store = import_module(settings.SESSION_ENGINE).SessionStore  # clears a cached copy too
    for session in Session.objects.filter(expire_date__gt=expired_before).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user_id):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


def auth_records_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what is kept only for a while (`manage.py purge_auth_records`, daily): login and
    email-change codes (with the unconfirmed new addresses they hold), throttle records and
    roster files uploaded but never confirmed, all older than ALUMNI_PURGE_AFTER_HOURS (never
    less than the day the daily caps look back)."""
    hours = max(settings.ALUMNI_PURGE_AFTER_HOURS, DAY_SECONDS // 3600)
    before = (now or timezone.now()) - dt.timedelta(hours=hours)
    with transaction.atomic():
        codes_deleted, _ = OneTimeCode.objects.filter(created_at__lt=before).delete()
        throttles, _ = ThrottleEvent.objects.filter(created_at__lt=before).delete()
        uploads, _ = RosterUpload.objects.filter(uploaded_at__lt=before).delete()
    return {"codes": codes_deleted, "throttle_events": throttles, "roster_uploads": uploads}
