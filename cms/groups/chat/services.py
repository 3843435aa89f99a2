"""Writes of community chat: joining, posting (idempotent), editing, reports, moderation, erasure,
purge, and who may moderate."""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.analytics.models import ContentKind, SignalType
from cms.analytics.services import signal_record

from . import shared_cache
from .errors import ChatError, Conflict, NotAllowed, NotFound, TooManyPosts
from .models import (
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

logger = logging.getLogger(__name__)

# Hiding a message is changing it: the role 人事課（交流グループ） has this permission.
MODERATE_PERMISSION = "chat.change_message"
LOG_PERMISSION = "chat.view_moderationlogentry"


def message_body_clean(body: str) -> str:
    """The text as stored: line ends unified, outer blank space dropped; refused if empty,
    too long or not valid Unicode text (a NUL or a lone surrogate)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ChatError("メッセージを入力してください。", field="body")
    if len(text) > settings.CHAT_MESSAGE_MAX_CHARS:
        raise ChatError(
            f"メッセージは{settings.CHAT_MESSAGE_MAX_CHARS:,}文字以内で入力してください。",
            field="body",
        )
    if any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in text):
        raise ChatError("使えない文字が含まれています。", field="body")
    return text


def _group_bump(*, group_id: int) -> int:
    """Count one visible change of the group; returns the new version. The UPDATE holds the
    group's row lock until commit: changes of one group are serialised."""
    CommunityGroup.objects.filter(pk=group_id).update(version=F("version") + 1)
    return int(CommunityGroup.objects.values_list("version", flat=True).get(pk=group_id))


def _membership(
    *, group_id: int, alumnus: Alumnus, statuses: tuple[str, ...] = READING_STATUSES
) -> Membership:
    membership = (
        Membership.objects.select_related("group")
        .filter(group_id=group_id, alumnus=alumnus, status__in=statuses, group__is_active=True)
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


# --- membership -------------------------------------------------------------------------------


def membership_join(*, group_id: int, alumnus: Alumnus, accept_rules: bool) -> Membership:
    """Join an open group at once, or ask to join one by approval; the house rules must be
    accepted. Joining again changes nothing; leaving does not lift a suspension."""
    group = CommunityGroup.objects.filter(pk=group_id, is_active=True).first()
    if group is None:
        raise NotFound()
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
    statuses = (*READING_STATUSES, MembershipStatus.PENDING)
    membership = _membership(group_id=group_id, alumnus=alumnus, statuses=statuses)
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


@dataclass(frozen=True)
class Posted:
    """A message as posted, whether it is new, and the author's membership (the API's answer)."""

    message: Message
    created: bool
    member_id: int


def _same_post(*, message: Message, group_id: int, member_id: int) -> Posted:
    if message.group_id != group_id:
        raise Conflict("この client_id は別のグループで使われています。", field="client_id")
    return Posted(message, False, member_id)


def message_post(
    *,
    group_id: int,
    alumnus: Alumnus,
    body: str,
    client_id: uuid.UUID,
    posts_per_minute: int | None = None,
) -> Posted:
    """Post a message; a retry with the same `client_id` returns the first one (not `created`).

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
        return _same_post(message=landed, group_id=group_id, member_id=membership.pk)
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
            transaction.on_commit(lambda: _push_enqueue(group_id=group_id))
    except IntegrityError:
        # A parallel retry with the same client_id committed first.
        winner = Message.objects.filter(author=alumnus, client_id=client_id).first()
        if winner is None:
            raise
        return _same_post(message=winner, group_id=group_id, member_id=membership.pk)
    membership_mark_read(membership=membership, message_id=message.pk)
    # How active the person is in the chat: a count a day, never what they wrote.
    signal_record(alumnus=alumnus, type=SignalType.CHAT_ACTIVE, content_kind=ContentKind.GROUP)
    return Posted(message, True, membership.pk)


def _push_enqueue(*, group_id: int) -> None:
    from django.tasks import default_task_backend

    from .tasks import chat_push_task

    task = chat_push_task
    delay = settings.CHAT_PUSH_DELAY_SECONDS
    if delay and default_task_backend.supports_defer:
        # A task queued less than half the delay ago has not run yet and will see this message
        # too (it pushes up to the group's last message when it runs): one task per group and
        # half-delay, not one per message.
        if shared_cache.push_batch_join(group_id=group_id, seconds=delay // 2):
            return
        # Members reading the chat right now mark the message read within a poll or two.
        task = chat_push_task.using(run_after=timezone.now() + dt.timedelta(seconds=delay))
    try:
        task.enqueue(group_id=group_id)
    except Exception:
        # The message is stored; a missing push must not turn the post into an error.
        logger.exception("chat push for group %s could not be queued", group_id)
        shared_cache.push_batch_leave(group_id=group_id)


def _own_message(*, message_id: int, alumnus: Alumnus) -> Message:
    message = Message.objects.filter(pk=message_id, deleted_at__isnull=True).first()
    if message is None:
        raise NotFound()
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
    if timezone.now() > message.created_at + dt.timedelta(minutes=settings.CHAT_EDIT_MINUTES):
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
    message = Message.objects.filter(pk=message_id, deleted_at__isnull=True).first()
    if message is None:
        raise NotFound()
    _membership(group_id=message.group_id, alumnus=alumnus)
    if message.author_id == alumnus.pk:
        raise ChatError("ご自分のメッセージは通報できません。")
    try:
        with transaction.atomic():
            return Report.objects.get_or_create(
                message=message, reporter=alumnus, defaults={"reason": reason.strip()[:500]}
            )
    except IntegrityError:
        return Report.objects.get(message=message, reporter=alumnus), False


# --- moderation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moderator:
    """Who acts: a staff user in the admin, or an alumnus appointed moderator of the group."""

    user: Any
    label: str
    by_staff: bool


def staff_may_moderate(user: Any, group: CommunityGroup | None = None) -> bool:
    """HR with the moderation permission, or a member of staff named moderator of the group
    (of any group, without one). Wagtail's roles never set `is_staff`: it is not asked for."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_perm(MODERATE_PERMISSION):
        return True
    if group is not None:
        return bool(group.staff_moderators.filter(pk=user.pk).exists())
    return bool(user.moderated_community_groups.exists())


def staff_may_read_log(user: Any) -> bool:
    """The moderation log: HR with its view permission, and whoever may moderate (their groups)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.has_perm(LOG_PERMISSION)) or staff_may_moderate(user)


def moderator_for_staff(*, user: Any, group: CommunityGroup | None = None) -> Moderator:
    """A member of staff as moderator (of `group`, when given: refused if they may not)."""
    if group is not None and not staff_may_moderate(user, group):
        raise NotAllowed("この操作は許可されていません。")
    return Moderator(user=user, label=f"人事課: {user.get_username()}", by_staff=True)


def moderator_for_alumnus(*, group_id: int, alumnus: Alumnus) -> Moderator:
    """The alumnus as moderator of this group; 404 for non-members, 403 for other members."""
    membership = _membership(group_id=group_id, alumnus=alumnus)
    if not membership.is_moderator:
        raise NotAllowed("モデレーターだけが行える操作です。")
    label = f"モデレーター（メンバー #{membership.pk}）"
    return Moderator(user=alumnus.user, label=label, by_staff=False)


def _log(
    moderator: Moderator,
    action: str,
    *,
    message: Message | None = None,
    membership: Membership | None = None,
    note: str = "",
) -> None:
    subject = message or membership
    assert subject is not None
    ModerationLogEntry.objects.create(
        group_id=subject.group_id,
        action=action,
        actor=moderator.user,
        actor_label=moderator.label[:150],
        message=message,
        membership=membership,
        note=note[:500],
    )


def message_hide(*, message: Message, moderator: Moderator, note: str = "") -> Message:
    """Hide a message: its text is no longer served to anyone; open reports are closed. A
    deleted message has nothing left to hide (404)."""
    if message.deleted_at is not None:
        raise NotFound()
    if message.hidden_at is not None:
        return message
    now = timezone.now()
    with transaction.atomic():
        message.revision = _group_bump(group_id=message.group_id)
        message.hidden_at = now
        message.save(update_fields=["hidden_at", "revision"])
        message.reports.filter(status=ReportStatus.OPEN).update(
            status=ReportStatus.ACTIONED, resolved_at=now
        )
        _log(moderator, ModerationAction.HIDE, message=message, note=note)
    return message


def message_unhide(*, message: Message, moderator: Moderator) -> Message:
    if message.hidden_at is None:
        return message
    with transaction.atomic():
        message.revision = _group_bump(group_id=message.group_id)
        message.hidden_at = None
        message.save(update_fields=["hidden_at", "revision"])
        _log(moderator, ModerationAction.UNHIDE, message=message)
    return message


def report_dismiss(*, report: Report, moderator: Moderator) -> None:
    with transaction.atomic():
        Report.objects.filter(message=report.message, status=ReportStatus.OPEN).update(
            status=ReportStatus.DISMISSED, resolved_at=timezone.now()
        )
        _log(moderator, ModerationAction.DISMISS, message=report.message)


def _membership_moderate(
    *, membership: Membership, moderator: Moderator, action: str, **changes: Any
) -> Membership:
    """The shape of every action on a membership: the changes and their log entry, together."""
    with transaction.atomic():
        for name, value in changes.items():
            setattr(membership, name, value)
        membership.save(update_fields=list(changes))
        _log(moderator, action, membership=membership)
    return membership


def member_suspend(*, membership: Membership, moderator: Moderator) -> Membership:
    """Stop a member posting in the group (they still read it); only staff suspend moderators."""
    if membership.status not in READING_STATUSES:
        raise NotFound()
    if membership.alumnus.user_id == moderator.user.pk:
        raise ChatError("ご自分を停止することはできません。")
    if membership.role == MembershipRole.MODERATOR and not moderator.by_staff:
        raise NotAllowed("モデレーターの停止は人事課が行います。")
    if membership.status == MembershipStatus.SUSPENDED:
        return membership
    return _membership_moderate(
        membership=membership,
        moderator=moderator,
        action=ModerationAction.SUSPEND,
        status=MembershipStatus.SUSPENDED,
        role=MembershipRole.MEMBER,
        suspended_at=timezone.now(),
    )


def member_suspend_and_hide(*, message: Message, moderator: Moderator) -> None:
    """Suspend a message's author in its group and hide the message: both or neither."""
    author = Membership.objects.filter(group_id=message.group_id, alumnus_id=message.author_id or 0)
    if not author.exists():
        raise NotFound()
    with transaction.atomic():
        member_suspend(membership=author.get(), moderator=moderator)
        message_hide(message=message, moderator=moderator)


def member_reinstate(*, membership: Membership, moderator: Moderator) -> Membership:
    if membership.suspended_at is None:
        return membership
    status = membership.status
    return _membership_moderate(
        membership=membership,
        moderator=moderator,
        action=ModerationAction.REINSTATE,
        status=MembershipStatus.ACTIVE if status == MembershipStatus.SUSPENDED else status,
        suspended_at=None,
    )


def member_approve(*, membership: Membership, moderator: Moderator) -> Membership:
    if membership.status != MembershipStatus.PENDING:
        raise ChatError("承認待ちのメンバーではありません。")
    return _membership_moderate(
        membership=membership,
        moderator=moderator,
        action=ModerationAction.APPROVE,
        status=MembershipStatus.ACTIVE,
        joined_at=timezone.now(),
    )


def member_appoint_moderator(*, membership: Membership, moderator: Moderator) -> Membership:
    """HR appoints an active member as a moderator of the group."""
    if membership.status != MembershipStatus.ACTIVE:
        raise ChatError("参加中のメンバーだけをモデレーターにできます。")
    return _membership_moderate(
        membership=membership,
        moderator=moderator,
        action=ModerationAction.APPOINT,
        role=MembershipRole.MODERATOR,
    )


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


@dataclass
class ChatPushReport:
    members: int = 0
    pushes_sent: int = 0
    pushes_failed: int = 0
    pushes_expired: int = 0
    next_run_at: dt.datetime | None = None
    # Pushes left for a later try (subscription id, tries so far) and when it is due.
    retry: list[tuple[int, int]] = field(default_factory=list)
    retry_at: dt.datetime | None = None


def chat_push_payload(*, group: CommunityGroup) -> dict[str, object]:
    """A Declarative Web Push message; never the text or the author (lock screens are public)."""
    return {
        "web_push": 8030,
        "notification": {
            "title": group.name,
            "body": "新しいメッセージがあります。",
            "navigate": f"{settings.PWA_BASE_URL}/app/chat/?group={group.pk}",
            "lang": "ja",
            "dir": "ltr",
            "tag": f"chat-{group.pk}",
            "data": {"group": group.pk},
        },
    }


def chat_push_new_messages(*, group_id: int) -> ChatPushReport:
    """Tell members with unread messages of a group, on their devices, that there is news.

    At most one push per member and group within CHAT_PUSH_MIN_INTERVAL_SECONDS, only for
    messages newer than the last push, never to the muted, never without push consent. Members
    still inside the interval are reported in `next_run_at` (the task runs again then).
    """
    from django.db.models import Min, Q

    from cms.push.models import PushSubscription
    from cms.push.services import PushNotConfigured, send_options

    report = ChatPushReport()
    group = CommunityGroup.objects.filter(pk=group_id, is_active=True).first()
    if group is None or group.last_message_id == 0:
        return report
    try:
        send_options()
    except PushNotConfigured:
        logger.warning("chat push for group %s skipped: no VAPID key", group_id)
        return report
    now = timezone.now()
    interval = dt.timedelta(seconds=settings.CHAT_PUSH_MIN_INTERVAL_SECONDS)
    waiting = Membership.objects.filter(
        group=group,
        status__in=READING_STATUSES,
        muted=False,
        last_read_message_id__lt=group.last_message_id,
        last_pushed_message_id__lt=group.last_message_id,
        alumnus__status="active",
        alumnus__consent_push=True,
    ).filter(alumnus__in=PushSubscription.objects.values("alumnus_id"))
    due = Q(last_pushed_at__isnull=True) | Q(last_pushed_at__lte=now - interval)
    later = waiting.exclude(due).aggregate(first=Min("last_pushed_at"))["first"]
    if later is not None:
        report.next_run_at = later + interval
    token = uuid.uuid4().hex
    # The conditions are checked again by the UPDATE itself: two tasks never claim one member.
    Membership.objects.filter(pk__in=list(waiting.filter(due).values_list("pk", flat=True))).filter(
        due, last_pushed_message_id__lt=group.last_message_id
    ).update(push_claim=token, last_pushed_at=now, last_pushed_message_id=group.last_message_id)
    claimed = Membership.objects.filter(push_claim=token)
    subscriptions = list(
        PushSubscription.objects.filter(alumnus_id__in=claimed.values("alumnus_id")).values_list(
            "pk", "endpoint", "p256dh", "auth"
        )
    )
    report.members = claimed.count()
    try:
        _chat_push_send(group=group, subscriptions=subscriptions, attempts={}, report=report)
    finally:
        claimed.update(push_claim="")
    return report


def chat_push_retry(*, group_id: int, retry: list[tuple[int, int]]) -> ChatPushReport:
    """Try again the pushes of a group that failed for a while (a 429, 5xx, timeout or reset),
    with their tries so far: only to members who still have unread messages, are not muted
    and still accept push. The same retry rule as notices (`push_retry_wait`)."""
    from cms.push.models import PushSubscription
    from cms.push.services import PushNotConfigured

    report = ChatPushReport()
    group = CommunityGroup.objects.filter(pk=group_id, is_active=True).first()
    if group is None or not retry:
        return report
    attempts = dict(retry)
    still_waiting = Membership.objects.filter(
        group=group,
        status__in=READING_STATUSES,
        muted=False,
        last_read_message_id__lt=group.last_message_id,
        alumnus__status="active",
        alumnus__consent_push=True,
    ).values("alumnus_id")
    subscriptions = list(
        PushSubscription.objects.filter(
            pk__in=list(attempts), alumnus_id__in=still_waiting
        ).values_list("pk", "endpoint", "p256dh", "auth")
    )
    report.members = len({pk for pk, *_ in subscriptions})
    try:
        _chat_push_send(group=group, subscriptions=subscriptions, attempts=attempts, report=report)
    except PushNotConfigured:
        logger.warning("chat push retry for group %s skipped: no VAPID key", group_id)
    return report


def _chat_push_send(
    *,
    group: CommunityGroup,
    subscriptions: list[tuple[int, str, str, str]],
    attempts: dict[int, int],
    report: ChatPushReport,
) -> None:
    import json

    from cms.push.sender import PushMessage
    from cms.push.services import push_send_retrying

    payload = json.dumps(
        chat_push_payload(group=group), ensure_ascii=False, separators=(",", ":")
    ).encode()
    messages = [
        PushMessage(pk, endpoint, p256dh, auth, payload, payload)
        for pk, endpoint, p256dh, auth in subscriptions
    ]
    if not messages:
        return
    outcome = push_send_retrying(messages=messages, attempts=attempts)
    report.pushes_sent += len(outcome.sent)
    report.pushes_expired += len(outcome.expired)
    report.pushes_failed += len(outcome.failed)
    report.retry = sorted(outcome.retry.items())
    report.retry_at = outcome.retry_at
