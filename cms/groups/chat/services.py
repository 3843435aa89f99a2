"""Writes of community chat: joining, posting (idempotent), editing, reports, moderation, purge."""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.db import prepared_cursor

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

# Directional formatting characters are kept (they are text), but these can never be text.
_REFUSED_CHARACTERS = {"\x00"}


def message_body_clean(body: str) -> str:
    """The text as stored: line ends unified, outer blank space dropped; refused if empty,
    too long or not valid Unicode text."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ChatError("メッセージを入力してください。", field="body")
    if len(text) > settings.CHAT_MESSAGE_MAX_CHARS:
        raise ChatError(
            f"メッセージは{settings.CHAT_MESSAGE_MAX_CHARS:,}文字以内で入力してください。",
            field="body",
        )
    if any(ch in _REFUSED_CHARACTERS or "\ud800" <= ch <= "\udfff" for ch in text):
        raise ChatError("使えない文字が含まれています。", field="body")
    return text


def _group_bump(*, group_id: int) -> int:
    """Count one visible change of the group; returns the new version.

    The UPDATE takes the group's row lock until commit, so changes of one group are serialised
    (on SQLite the immediate transaction does the same).
    """
    CommunityGroup.objects.filter(pk=group_id).update(version=F("version") + 1)
    version = int(CommunityGroup.objects.filter(pk=group_id).values_list("version", flat=True)[0])
    shared_cache.group_version_publish(group_id=group_id, version=version)
    return version


def _membership(*, group_id: int, alumnus: Alumnus, statuses: tuple[str, ...]) -> Membership:
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
            group=group,
            alumnus=alumnus,
            defaults={"status": MembershipStatus.LEFT},
        )
        if membership.status != MembershipStatus.LEFT:
            return membership
        if membership.suspended_at is not None:
            raise NotAllowed("このグループへの参加は停止されています。")
        membership.status = (
            MembershipStatus.ACTIVE
            if group.join_policy == JoinPolicy.OPEN
            else MembershipStatus.PENDING
        )
        membership.rules_accepted_at = now
        membership.joined_at = now if membership.status == MembershipStatus.ACTIVE else None
        membership.last_read_message_id = group.last_message_id
        membership.save()
    return membership


def membership_leave(*, group_id: int, alumnus: Alumnus) -> None:
    membership = _membership(
        group_id=group_id,
        alumnus=alumnus,
        statuses=(*READING_STATUSES, MembershipStatus.PENDING),
    )
    membership.status = MembershipStatus.LEFT
    membership.role = MembershipRole.MEMBER
    membership.save(update_fields=["status", "role"])


def membership_set_muted(*, group_id: int, alumnus: Alumnus, muted: bool) -> Membership:
    """Per-group mute of new-message pushes."""
    membership = _membership(group_id=group_id, alumnus=alumnus, statuses=READING_STATUSES)
    membership.muted = muted
    membership.save(update_fields=["muted"])
    return membership


def membership_mark_read(*, membership_id: int, last_read_message_id: int, message_id: int) -> None:
    """One UPDATE, and only when the reader got further than before."""
    if message_id > last_read_message_id:
        with prepared_cursor() as cursor:
            cursor.execute(
                "UPDATE chat_membership SET last_read_message_id = %s"
                " WHERE id = %s AND last_read_message_id < %s",
                [message_id, membership_id, message_id],
            )


# --- messages ---------------------------------------------------------------------------------


def _same_post(*, existing: Message, group_id: int) -> Message:
    if existing.group_id != group_id:
        raise Conflict("この client_id は別のグループで使われています。", field="client_id")
    return existing


# Posting is the chat's hot write: plain SQL, as the poll's reads (see selectors).
_POSTING_MEMBERSHIP_SQL = """
SELECT ms.id, ms.status, ms.last_read_message_id,
       (SELECT m.id FROM chat_message m WHERE m.author_id = %s AND m.client_id = %s),
       (SELECT count(*) FROM chat_message r WHERE r.author_id = %s AND r.created_at > %s)
FROM chat_membership ms
JOIN chat_communitygroup g ON g.id = ms.group_id
WHERE ms.group_id = %s AND ms.alumnus_id = %s AND ms.status IN (%s, %s) AND g.is_active = %s
"""


_GROUP_VERSION_SQL = "SELECT version FROM chat_communitygroup WHERE id = %s "


@dataclass(frozen=True)
class Posted:
    """A message as posted: with its author and the author's membership (the API's answer)."""

    message: Message
    created: bool
    member_id: int


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
    of a post that landed is not a new post and is always answered.

    The unique constraint on (author, client_id) is the guarantee against a second message: a
    parallel retry fails its insert and returns the first. The group's row lock is held for
    three statements only (lock, insert, version): ids of a group are committed in order, so a
    poll that saw message n never misses a message below n.
    """
    client_key = Message._meta.get_field("client_id").get_db_prep_value(client_id, connection)
    created_field = Message._meta.get_field("created_at")
    minute_ago = timezone.now() - dt.timedelta(minutes=1)
    with prepared_cursor() as cursor:
        cursor.execute(
            _POSTING_MEMBERSHIP_SQL,
            [
                alumnus.pk,
                client_key,
                alumnus.pk,
                created_field.get_db_prep_value(minute_ago, connection),
                group_id,
                alumnus.pk,
                *READING_STATUSES,
                True,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    member_id, status, last_read, landed_id, last_minute = row
    if status == MembershipStatus.SUSPENDED:
        raise NotAllowed("このグループでの投稿は停止されています。")
    text = message_body_clean(body)
    if landed_id is not None:
        first = Message.objects.get(pk=landed_id)
        return Posted(_same_post(existing=first, group_id=group_id), False, member_id)
    if posts_per_minute is not None and last_minute >= posts_per_minute:
        raise TooManyPosts(retry_after=_flood_retry_after(alumnus=alumnus, since=minute_ago))
    message = Message(
        group_id=group_id,
        author=alumnus,
        client_id=client_id,
        body=text,
        created_at=timezone.now(),
    )
    created_at = created_field.get_db_prep_value(message.created_at, connection)
    lock = connection.ops.for_update_sql() if connection.features.has_select_for_update else ""
    try:
        with transaction.atomic(), prepared_cursor() as cursor:
            cursor.execute(_GROUP_VERSION_SQL + lock, [group_id])
            message.revision = 1 + cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO chat_message (group_id, author_id, client_id, body, created_at, revision)"
                " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                [group_id, alumnus.pk, client_key, text, created_at, message.revision],
            )
            message.pk = cursor.fetchone()[0]
            cursor.execute(
                "UPDATE chat_communitygroup SET version = %s, last_message_id = %s WHERE id = %s",
                [message.revision, message.pk, group_id],
            )
            shared_cache.group_version_publish(group_id=group_id, version=message.revision)
            transaction.on_commit(lambda: _push_enqueue(group_id=group_id))
    except IntegrityError:
        # A parallel retry with the same client_id committed first.
        winner = Message.objects.filter(author=alumnus, client_id=client_id).first()
        if winner is None:
            raise
        return Posted(_same_post(existing=winner, group_id=group_id), False, member_id)
    message._state.adding = False
    membership_mark_read(
        membership_id=member_id, last_read_message_id=last_read, message_id=message.pk
    )
    return Posted(message, True, member_id)


def _flood_retry_after(*, alumnus: Alumnus, since: dt.datetime) -> int:
    """Seconds until the oldest of the member's posts of the last minute is a minute old."""
    oldest = (
        Message.objects.filter(author=alumnus, created_at__gt=since)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if oldest is None:
        return 1
    return max(1, int((oldest - since).total_seconds()) + 1)


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


def _own_message(*, message_id: int, alumnus: Alumnus) -> tuple[Message, Membership]:
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        raise NotFound()
    membership = _membership(group_id=message.group_id, alumnus=alumnus, statuses=READING_STATUSES)
    if message.author_id != alumnus.pk:
        raise NotAllowed("ご自分のメッセージだけを変更できます。")
    if message.deleted_at is not None:
        raise NotFound()
    if membership.status == MembershipStatus.SUSPENDED:
        raise NotAllowed("このグループでの投稿は停止されています。")
    return message, membership


def message_edit(*, message_id: int, alumnus: Alumnus, body: str) -> Message:
    """Change the text of one's own message within the edit window."""
    message, _ = _own_message(message_id=message_id, alumnus=alumnus)
    if message.hidden_at is not None:
        raise NotAllowed("非表示になったメッセージは編集できません。")
    window = dt.timedelta(minutes=settings.CHAT_EDIT_MINUTES)
    if timezone.now() > message.created_at + window:
        raise NotAllowed(
            f"投稿から{settings.CHAT_EDIT_MINUTES}分を過ぎたメッセージは編集できません。"
        )
    text = message_body_clean(body)
    with transaction.atomic():
        version = _group_bump(group_id=message.group_id)
        message.body = text
        message.edited_at = timezone.now()
        message.revision = version
        message.save(update_fields=["body", "edited_at", "revision"])
    return message


def message_delete(*, message_id: int, alumnus: Alumnus) -> None:
    """Delete one's own message: its text is erased, a placeholder stays in the conversation."""
    message, _ = _own_message(message_id=message_id, alumnus=alumnus)
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
    _membership(group_id=message.group_id, alumnus=alumnus, statuses=READING_STATUSES)
    if message.author_id == alumnus.pk:
        raise ChatError("ご自分のメッセージは通報できません。")
    try:
        with transaction.atomic():
            report, created = Report.objects.get_or_create(
                message=message, reporter=alumnus, defaults={"reason": reason.strip()[:500]}
            )
    except IntegrityError:
        report, created = Report.objects.get(message=message, reporter=alumnus), False
    return report, created


# --- moderation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moderator:
    """Who acts: a staff user in the admin, or an alumnus appointed moderator of the group."""

    user: Any
    label: str


def moderator_for_alumnus(*, group_id: int, alumnus: Alumnus) -> Moderator:
    """The alumnus as moderator of this group; 404 for non-members, 403 for other members."""
    membership = _membership(group_id=group_id, alumnus=alumnus, statuses=READING_STATUSES)
    if not membership.is_moderator:
        raise NotAllowed("モデレーターだけが行える操作です。")
    return Moderator(user=alumnus.user, label=f"モデレーター（メンバー #{membership.pk}）")


def moderator_for_staff(*, user: Any) -> Moderator:
    return Moderator(user=user, label=f"人事課: {user.get_username()}")


def _log(
    *,
    group_id: int,
    action: str,
    moderator: Moderator,
    message: Message | None = None,
    membership: Membership | None = None,
    note: str = "",
) -> None:
    ModerationLogEntry.objects.create(
        group_id=group_id,
        action=action,
        actor=moderator.user,
        actor_label=moderator.label[:150],
        message=message,
        membership=membership,
        note=note[:500],
    )


def message_hide(*, message: Message, moderator: Moderator, note: str = "") -> Message:
    """Hide a message: its text is no longer served to anyone; open reports are closed."""
    if message.hidden_at is not None:
        return message
    now = timezone.now()
    with transaction.atomic():
        version = _group_bump(group_id=message.group_id)
        message.hidden_at = now
        message.revision = version
        message.save(update_fields=["hidden_at", "revision"])
        message.reports.filter(status=ReportStatus.OPEN).update(
            status=ReportStatus.ACTIONED, resolved_at=now
        )
        _log(
            group_id=message.group_id,
            action=ModerationAction.HIDE,
            moderator=moderator,
            message=message,
            note=note,
        )
    return message


def message_unhide(*, message: Message, moderator: Moderator) -> Message:
    if message.hidden_at is None:
        return message
    with transaction.atomic():
        version = _group_bump(group_id=message.group_id)
        message.hidden_at = None
        message.revision = version
        message.save(update_fields=["hidden_at", "revision"])
        _log(
            group_id=message.group_id,
            action=ModerationAction.UNHIDE,
            moderator=moderator,
            message=message,
        )
    return message


def report_dismiss(*, report: Report, moderator: Moderator) -> None:
    with transaction.atomic():
        Report.objects.filter(message=report.message, status=ReportStatus.OPEN).update(
            status=ReportStatus.DISMISSED, resolved_at=timezone.now()
        )
        _log(
            group_id=report.message.group_id,
            action=ModerationAction.DISMISS,
            moderator=moderator,
            message=report.message,
        )


def member_suspend(*, membership: Membership, moderator: Moderator, by_staff: bool) -> Membership:
    """Stop a member posting in the group (they still read it); staff may suspend moderators."""
    if membership.status not in READING_STATUSES:
        raise NotFound()
    if membership.alumnus.user_id == moderator.user.pk:
        raise ChatError("ご自分を停止することはできません。")
    if membership.role == MembershipRole.MODERATOR and not by_staff:
        raise NotAllowed("モデレーターの停止は人事課が行います。")
    if membership.status == MembershipStatus.SUSPENDED:
        return membership
    with transaction.atomic():
        membership.status = MembershipStatus.SUSPENDED
        membership.role = MembershipRole.MEMBER
        membership.suspended_at = timezone.now()
        membership.save(update_fields=["status", "role", "suspended_at"])
        _log(
            group_id=membership.group_id,
            action=ModerationAction.SUSPEND,
            moderator=moderator,
            membership=membership,
        )
    return membership


def member_reinstate(*, membership: Membership, moderator: Moderator) -> Membership:
    if membership.suspended_at is None:
        return membership
    with transaction.atomic():
        if membership.status == MembershipStatus.SUSPENDED:
            membership.status = MembershipStatus.ACTIVE
        membership.suspended_at = None
        membership.save(update_fields=["status", "suspended_at"])
        _log(
            group_id=membership.group_id,
            action=ModerationAction.REINSTATE,
            moderator=moderator,
            membership=membership,
        )
    return membership


def member_approve(*, membership: Membership, moderator: Moderator) -> Membership:
    if membership.status != MembershipStatus.PENDING:
        raise ChatError("承認待ちのメンバーではありません。")
    with transaction.atomic():
        membership.status = MembershipStatus.ACTIVE
        membership.joined_at = timezone.now()
        membership.save(update_fields=["status", "joined_at"])
        _log(
            group_id=membership.group_id,
            action=ModerationAction.APPROVE,
            moderator=moderator,
            membership=membership,
        )
    return membership


def member_appoint_moderator(*, membership: Membership, moderator: Moderator) -> Membership:
    """HR appoints an active member as a moderator of the group."""
    if membership.status != MembershipStatus.ACTIVE:
        raise ChatError("参加中のメンバーだけをモデレーターにできます。")
    with transaction.atomic():
        membership.role = MembershipRole.MODERATOR
        membership.save(update_fields=["role"])
        _log(
            group_id=membership.group_id,
            action=ModerationAction.APPOINT,
            moderator=moderator,
            membership=membership,
        )
    return membership


# --- personal data ----------------------------------------------------------------------------


def alumnus_messages_erase(*, alumnus: Alumnus) -> int:
    """Account deletion: the person's messages lose their text and their author; the
    conversation keeps a placeholder. Returns how many messages were erased."""
    erased = 0
    now = timezone.now()
    group_ids = list(
        Message.objects.filter(author=alumnus).values_list("group_id", flat=True).distinct()
    )
    with transaction.atomic():
        for group_id in group_ids:
            version = _group_bump(group_id=group_id)
            erased += Message.objects.filter(author=alumnus, group_id=group_id).update(
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
