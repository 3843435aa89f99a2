"""Writes of community chat: joining, posting (idempotent), editing, reports, moderation and who
may moderate, erasure, purge, and the push that tells members about new messages."""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.alumni.normalise import has_invisible_characters
from cms.analytics.models import ContentKind, SignalType
from cms.analytics.services import signal_record
from cms.push.notify import NotifyReport, notify_enqueue, notify_retry, notify_waiting
from cms.push.services import declarative_push

from .errors import ChatError, Conflict, NotAllowed, NotFound, TooManyPosts
from .models import (
    LISTED_STATUSES,
    READING_STATUSES,
    CommunityGroup,
    JoinPolicy,
    Membership,
    MembershipRole,
    MembershipStatus,
    Message,
    ModerationAction,
    ModerationLogEntry,
    Report,
    ReportStatus,
)
from .selectors import staff_groups

# Kept in a body: line ends, and the joiner inside emoji sequences (👨‍👩‍👧).
_KEPT_INVISIBLE = frozenset("\n\u200d")


def message_body_clean(body: str) -> str:
    """The text as stored: line ends unified, outer blank space dropped; refused if empty, too
    long or not valid Unicode text (a NUL or a lone surrogate). The invisible characters names
    refuse, bidi overrides and isolates among them (「請求書\u202egpj.exe」 shown as
    「請求書exe.jpg」), are dropped."""
    if any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in body):
        raise ChatError("使えない文字が含まれています。", field="body")
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in _KEPT_INVISIBLE or not has_invisible_characters(ch))
    text = text.strip()
    if not text:
        raise ChatError("メッセージを入力してください。", field="body")
    if len(text) > settings.CHAT_MESSAGE_MAX_CHARS:
        raise ChatError(
            f"メッセージは{settings.CHAT_MESSAGE_MAX_CHARS:,}文字以内で入力してください。",
            field="body",
        )
    return text


def _group_bump(*, group_id: int) -> int:
    """Count one visible change of the group; returns the new version. The UPDATE holds the
    group's row lock until commit: changes of one group are serialised."""
    CommunityGroup.objects.filter(pk=group_id).update(version=F("version") + 1)
    return int(CommunityGroup.objects.values_list("version", flat=True).get(pk=group_id))


def _found[M: Model](rows: QuerySet[M]) -> M:
    """The row asked for, or 404: whoever may not see it learns nothing of it."""
    row = rows.first()
    if row is None:
        raise NotFound()
    return row


def _membership(
    *, group_id: int, alumnus: Alumnus, statuses: tuple[str, ...] = READING_STATUSES
) -> Membership:
    return _found(
        Membership.objects.select_related("group").filter(
            group_id=group_id, alumnus=alumnus, status__in=statuses, group__is_active=True
        )
    )


def _message(message_id: int) -> Message:
    """A message that was not deleted, or 404."""
    return _found(Message.objects.filter(pk=message_id, deleted_at__isnull=True))


# --- membership -------------------------------------------------------------------------------


def membership_join(*, group_id: int, alumnus: Alumnus, accept_rules: bool) -> Membership:
    """Join an open group at once, or ask to join one by approval; the house rules must be
    accepted. Joining again changes nothing; leaving does not lift a suspension."""
    group = _found(CommunityGroup.objects.filter(pk=group_id, is_active=True))
    if not accept_rules:
        raise ChatError("グループのルールに同意してください。", field="accept_rules")
    now = timezone.now()
    with transaction.atomic():
        membership, _ = Membership.objects.select_for_update().get_or_create(
            group=group, alumnus=alumnus, defaults={"status": MembershipStatus.LEFT}
        )
        if membership.status != MembershipStatus.LEFT:
            return membership
        if membership.suspended_at is not None:
            raise NotAllowed("このグループへの参加は停止されています。")
        active = group.join_policy == JoinPolicy.OPEN
        membership.status = MembershipStatus.ACTIVE if active else MembershipStatus.PENDING
        membership.rules_accepted_at = now
        membership.joined_at = now if active else None
        membership.last_read_message_id = group.last_message_id
        membership.save()
    return membership


def membership_leave(*, group_id: int, alumnus: Alumnus) -> None:
    membership = _membership(group_id=group_id, alumnus=alumnus, statuses=LISTED_STATUSES)
    membership.status = MembershipStatus.LEFT
    membership.role = MembershipRole.MEMBER
    membership.save(update_fields=["status", "role"])


def membership_set_muted(*, group_id: int, alumnus: Alumnus, muted: bool) -> Membership:
    """Per-group mute of new-message pushes."""
    membership = _membership(group_id=group_id, alumnus=alumnus)
    membership.muted = muted
    membership.save(update_fields=["muted"])
    return membership


def membership_mark_read(*, membership: Membership, message_id: int) -> None:
    """Move the read mark forward (never back; no query when it would not move)."""
    if message_id > membership.last_read_message_id:
        Membership.objects.filter(pk=membership.pk, last_read_message_id__lt=message_id).update(
            last_read_message_id=message_id
        )


# --- messages ---------------------------------------------------------------------------------


def _same_post(*, message: Message, group_id: int) -> tuple[Message, bool]:
    if message.group_id != group_id:
        raise Conflict("この client_id は別のグループで使われています。", field="client_id")
    return message, False


def message_post(
    *,
    group_id: int,
    alumnus: Alumnus,
    body: str,
    client_id: uuid.UUID,
    posts_per_minute: int | None = None,
) -> tuple[Message, bool]:
    """Post a message; returns it and whether it is new (like `get_or_create`): a retry with the
    same `client_id` returns the first one.

    With `posts_per_minute` (the API passes CHAT_POSTS_PER_MINUTE), a post beyond that many by
    the same member within the last minute is refused (429, with when to try again); a retry
    of a post that landed is always answered.

    The unique constraint on (author, client_id) is the guarantee against a second message: a
    parallel retry fails its insert and returns the first. The group's row is locked before the
    insert and until commit, so a group's ids are committed in order: a poll that saw message n
    never misses a message below n.
    """
    membership = _membership(group_id=group_id, alumnus=alumnus)
    if membership.status == MembershipStatus.SUSPENDED:
        raise NotAllowed("このグループでの投稿は停止されています。")
    text = message_body_clean(body)
    landed = Message.objects.filter(author=alumnus, client_id=client_id).first()
    if landed is not None:
        return _same_post(message=landed, group_id=group_id)
    minute_ago = timezone.now() - dt.timedelta(minutes=1)
    recent = Message.objects.filter(author=alumnus, created_at__gt=minute_ago)
    if posts_per_minute is not None and recent.count() >= posts_per_minute:
        oldest = recent.order_by("created_at").values_list("created_at", flat=True)[0]
        raise TooManyPosts(retry_after=max(1, int((oldest - minute_ago).total_seconds()) + 1))
    try:
        with transaction.atomic():
            group = CommunityGroup.objects.select_for_update().only("version").get(pk=group_id)
            message = Message.objects.create(
                group_id=group_id,
                author=alumnus,
                client_id=client_id,
                body=text,
                revision=group.version + 1,
            )
            CommunityGroup.objects.filter(pk=group_id).update(
                version=F("version") + 1, last_message_id=message.pk
            )
            transaction.on_commit(lambda: _push_enqueue(group_id))
    except IntegrityError:
        # A parallel retry with the same client_id committed first.
        winner = Message.objects.filter(author=alumnus, client_id=client_id).first()
        if winner is None:
            raise
        return _same_post(message=winner, group_id=group_id)
    membership_mark_read(membership=membership, message_id=message.pk)
    # How active the person is in the chat: a count a day, never what they wrote.
    signal_record(alumnus=alumnus, type=SignalType.CHAT_ACTIVE, content_kind=ContentKind.GROUP)
    return message, True


def _push_enqueue(group_id: int) -> None:
    from .tasks import chat_push_task

    delay = settings.CHAT_PUSH_DELAY_SECONDS
    notify_enqueue(chat_push_task, key=f"chat:{group_id}", delay=delay, group_id=group_id)


def _own_message(*, message_id: int, alumnus: Alumnus) -> Message:
    message = _message(message_id)
    membership = _membership(group_id=message.group_id, alumnus=alumnus)
    if message.author_id != alumnus.pk:
        raise NotAllowed("ご自分のメッセージだけを変更できます。")
    if membership.status == MembershipStatus.SUSPENDED:
        raise NotAllowed("このグループでの投稿は停止されています。")
    return message


def message_edit(*, message_id: int, alumnus: Alumnus, body: str) -> Message:
    """Change the text of one's own message within the edit window."""
    message = _own_message(message_id=message_id, alumnus=alumnus)
    if message.hidden_at is not None:
        raise NotAllowed("非表示になったメッセージは編集できません。")
    if timezone.now() > message.editable_until:
        raise NotAllowed(
            f"投稿から{settings.CHAT_EDIT_MINUTES}分を過ぎたメッセージは編集できません。"
        )
    text = message_body_clean(body)
    with transaction.atomic():
        message.revision = _group_bump(group_id=message.group_id)
        message.body = text
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at", "revision"])
    return message


def message_delete(*, message_id: int, alumnus: Alumnus) -> None:
    """Delete one's own message: its text is erased, a placeholder stays in the conversation."""
    message = _own_message(message_id=message_id, alumnus=alumnus)
    with transaction.atomic():
        version = _group_bump(group_id=message.group_id)
        Message.objects.filter(pk=message.pk).update(
            body="", deleted_at=timezone.now(), revision=version
        )


def message_report(*, message_id: int, alumnus: Alumnus, reason: str) -> tuple[Report, bool]:
    """Report someone else's message to the moderators; once per person and message."""
    message = _message(message_id)
    _membership(group_id=message.group_id, alumnus=alumnus)
    if message.author_id == alumnus.pk:
        raise ChatError("ご自分のメッセージは通報できません。")
    # get_or_create answers a parallel duplicate (the unique constraint) with the stored one.
    return Report.objects.get_or_create(
        message=message, reporter=alumnus, defaults={"reason": reason.strip()[:500]}
    )


# --- moderation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moderator:
    """Who acts: a member of staff, or an alumnus appointed moderator of the group."""

    user: Any
    label: str
    by_staff: bool


def moderator_for(*, user: Any, group_id: int) -> Moderator:
    """Who may moderate the group: HR with the permission and staff named for it (`staff_groups`);
    an alumnus who is its active moderator. Non-members get 404, everyone else 403."""
    if staff_groups(user).filter(pk=group_id).exists():
        return Moderator(user=user, label=f"人事課: {user.get_username()}", by_staff=True)
    alumnus = getattr(user, "alumnus", None) if user.is_authenticated else None
    if alumnus is None:
        raise NotAllowed("この操作は許可されていません。")
    membership = _membership(group_id=group_id, alumnus=alumnus)
    if not membership.is_moderator:
        raise NotAllowed("モデレーターだけが行える操作です。")
    return Moderator(user=user, label=f"モデレーター（メンバー #{membership.pk}）", by_staff=False)


def _moderate[S: (Message, Membership)](
    moderator: Moderator, action: str, subject: S, note: str = "", **changes: Any
) -> S:
    """Every moderation action: its changes and its log entry, together. A changed message is a
    change members see: it takes the group's next version."""
    with transaction.atomic():
        if isinstance(subject, Message) and changes:
            changes["revision"] = _group_bump(group_id=subject.group_id)
        for name, value in changes.items():
            setattr(subject, name, value)
        subject.save(update_fields=list(changes))
        ModerationLogEntry.objects.create(
            group_id=subject.group_id,
            action=action,
            actor=moderator.user,
            actor_label=moderator.label[:150],
            message=subject if isinstance(subject, Message) else None,
            membership=subject if isinstance(subject, Membership) else None,
            note=note[:500],
        )
    return subject


def message_hide(*, message_id: int, user: Any, note: str = "") -> Message:
    """Hide a message: its text is no longer served to anyone; open reports are closed. A
    deleted message has nothing left to hide (404)."""
    message = _message(message_id)
    moderator = moderator_for(user=user, group_id=message.group_id)
    if message.hidden_at is not None:
        return message
    with transaction.atomic():
        _moderate(moderator, ModerationAction.HIDE, message, note, hidden_at=timezone.now())
        message.reports.filter(status=ReportStatus.OPEN).update(
            status=ReportStatus.ACTIONED, resolved_at=message.hidden_at
        )
    return message


def message_unhide(*, message_id: int, user: Any) -> Message:
    message = _message(message_id)
    moderator = moderator_for(user=user, group_id=message.group_id)
    if message.hidden_at is None:
        return message
    return _moderate(moderator, ModerationAction.UNHIDE, message, hidden_at=None)


def report_dismiss(*, message_id: int, user: Any) -> None:
    """The reports of a message need no action (問題なし)."""
    message = _message(message_id)
    moderator = moderator_for(user=user, group_id=message.group_id)
    with transaction.atomic():
        message.reports.filter(status=ReportStatus.OPEN).update(
            status=ReportStatus.DISMISSED, resolved_at=timezone.now()
        )
        _moderate(moderator, ModerationAction.DISMISS, message)


def _member(*, group_id: int, user: Any, **member: Any) -> tuple[Membership, Moderator]:
    """A membership of the group (by `pk` or `alumnus_id`), and who acts on it."""
    moderator = moderator_for(user=user, group_id=group_id)
    rows = Membership.objects.select_related("alumnus").filter(group_id=group_id, **member)
    return _found(rows), moderator


def _suspend(membership: Membership, moderator: Moderator) -> Membership:
    if membership.status not in READING_STATUSES:
        raise NotFound()
    if membership.alumnus.user_id == moderator.user.pk:
        raise ChatError("ご自分を停止することはできません。")
    if membership.role == MembershipRole.MODERATOR and not moderator.by_staff:
        raise NotAllowed("モデレーターの停止は人事課が行います。")
    if membership.status == MembershipStatus.SUSPENDED:
        return membership
    return _moderate(
        moderator,
        ModerationAction.SUSPEND,
        membership,
        status=MembershipStatus.SUSPENDED,
        role=MembershipRole.MEMBER,
        suspended_at=timezone.now(),
    )


def member_suspend(*, group_id: int, member_id: int, user: Any) -> Membership:
    """Stop a member posting in the group (they still read it); only staff suspend moderators."""
    return _suspend(*_member(group_id=group_id, pk=member_id, user=user))


def member_suspend_and_hide(*, message_id: int, user: Any) -> None:
    """Suspend a message's author in its group and hide the message: both or neither."""
    message = _message(message_id)
    with transaction.atomic():
        message_hide(message_id=message_id, user=user)
        # An erased author (None) has no membership: 404, and the hide is rolled back.
        _suspend(*_member(group_id=message.group_id, alumnus_id=message.author_id, user=user))


def member_reinstate(*, group_id: int, member_id: int, user: Any) -> Membership:
    membership, moderator = _member(group_id=group_id, pk=member_id, user=user)
    if membership.suspended_at is None:
        return membership
    was = membership.status
    return _moderate(
        moderator,
        ModerationAction.REINSTATE,
        membership,
        status=MembershipStatus.ACTIVE if was == MembershipStatus.SUSPENDED else was,
        suspended_at=None,
    )


def member_approve(*, group_id: int, member_id: int, user: Any) -> Membership:
    membership, moderator = _member(group_id=group_id, pk=member_id, user=user)
    if membership.status != MembershipStatus.PENDING:
        raise ChatError("承認待ちのメンバーではありません。")
    return _moderate(
        moderator,
        ModerationAction.APPROVE,
        membership,
        status=MembershipStatus.ACTIVE,
        joined_at=timezone.now(),
    )


def member_appoint_moderator(*, group_id: int, member_id: int, user: Any) -> Membership:
    """HR appoints an active member as a moderator of the group."""
    membership, moderator = _member(group_id=group_id, pk=member_id, user=user)
    if membership.status != MembershipStatus.ACTIVE:
        raise ChatError("参加中のメンバーだけをモデレーターにできます。")
    return _moderate(moderator, ModerationAction.APPOINT, membership, role=MembershipRole.MODERATOR)


# --- personal data ----------------------------------------------------------------------------


def alumnus_messages_erase(*, alumnus: Alumnus) -> int:
    """Account deletion (called by it, in its transaction): the person's messages lose their
    text and their author; the conversation keeps a placeholder. Returns how many."""
    erased = 0
    now = timezone.now()
    mine = Message.objects.filter(author=alumnus)
    with transaction.atomic():
        for group_id in mine.values_list("group_id", flat=True).distinct().order_by("group_id"):
            version = _group_bump(group_id=group_id)
            erased += mine.filter(group_id=group_id).update(
                body="", author=None, deleted_at=now, revision=version
            )
    return erased


def messages_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete messages (with their reports) and moderation records past the retention period."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.CHAT_RETENTION_DAYS)
    with transaction.atomic():
        _, messages = Message.objects.filter(created_at__lt=cutoff).delete()
        _, log = ModerationLogEntry.objects.filter(at__lt=cutoff).delete()
    return {
        "messages": messages.get("chat.Message", 0),
        "reports": messages.get("chat.Report", 0),
        "moderation_log": log.get("chat.ModerationLogEntry", 0),
    }


# --- push for new messages --------------------------------------------------------------------


def chat_push_payload(*, group: CommunityGroup) -> dict[str, object]:
    """A Declarative Web Push message; never the text or the author (lock screens are public)."""
    return declarative_push(
        title=group.name,
        body="新しいメッセージがあります。",
        navigate=f"{settings.PWA_BASE_URL}/app/chat/?group={group.pk}",
        tag=f"chat-{group.pk}",
        data={"group": group.pk},
    )


def _waiting(group: CommunityGroup) -> QuerySet[Membership]:
    """Members with unread messages who accept pushes of the group."""
    return Membership.objects.filter(
        group=group,
        status__in=READING_STATUSES,
        muted=False,
        last_read_message_id__lt=group.last_message_id,
        alumnus__status="active",
        alumnus__consent_push=True,
    )


def chat_push_new_messages(*, group_id: int) -> NotifyReport:
    """Tell members with unread messages of a group, on their devices, that there is news: at
    most once per member within CHAT_PUSH_MIN_INTERVAL_SECONDS, only for messages newer than
    the last push, never to the muted, never without push consent (cms.push.notify)."""
    group = CommunityGroup.objects.filter(pk=group_id, is_active=True).first()
    if group is None or group.last_message_id == 0:
        return NotifyReport()
    return notify_waiting(
        waiting=_waiting(group),
        newest=group.last_message_id,
        interval=dt.timedelta(seconds=settings.CHAT_PUSH_MIN_INTERVAL_SECONDS),
        payload=chat_push_payload(group=group),
    )


def chat_push_retry(*, group_id: int, retry: list[tuple[int, int]]) -> NotifyReport:
    """Try again the pushes of a group that failed for a while, to members still waiting."""
    group = CommunityGroup.objects.filter(pk=group_id, is_active=True).first()
    if group is None or not retry:
        return NotifyReport()
    return notify_retry(
        waiting=_waiting(group), retry=retry, payload=chat_push_payload(group=group)
    )
