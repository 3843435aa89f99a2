"""Reads of community chat: group lists with unread counts, message pages, polls, exports."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from cms.alumni.models import Alumnus

from .errors import NotFound
from .models import (
    READING_STATUSES,
    CommunityGroup,
    Membership,
    MembershipStatus,
    Message,
    Report,
    ReportStatus,
)

LISTED_STATUSES = (*READING_STATUSES, MembershipStatus.PENDING)


def membership_for_reading(*, group_id: int, alumnus: Alumnus) -> Membership:
    """The alumnus's membership of an active group they may read (one query), or 404."""
    membership = (
        Membership.objects.select_related("group")
        .filter(
            group_id=group_id,
            alumnus=alumnus,
            status__in=READING_STATUSES,
            group__is_active=True,
        )
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


@dataclass(frozen=True)
class PollState:
    """Just what a poll compares: read in one query, no model built."""

    membership_id: int
    alumnus_id: int
    group_id: int
    version: int
    status: str
    role: str
    muted: bool


def poll_state(*, group_id: int, user_id: int) -> PollState | None:
    """The signed-in user's reading membership of an active group, as an active alumnus, in
    one query (the poll's hot path: no separate look-up of the alumnus)."""
    row = (
        Membership.objects.filter(
            group_id=group_id,
            alumnus__user_id=user_id,
            alumnus__status="active",
            status__in=READING_STATUSES,
            group__is_active=True,
        )
        .order_by()
        .values_list("pk", "alumnus_id", "group_id", "group__version", "status", "role", "muted")
        .first()
    )
    return None if row is None else PollState(*row)


_TICKET_SALT = "cms.groups.chat.poll-ticket"


def _session_digest(session_key: str) -> str:
    return hashlib.blake2s(session_key.encode(), digest_size=12).hexdigest()


def poll_ticket_issue(*, state: PollState, session_key: str) -> str:
    """A signed, short-lived note of who polls which group in which membership state, bound
    to the session: with it, an unchanged poll needs neither the session nor the user row."""
    value = (
        f"{state.membership_id}.{state.alumnus_id}.{state.group_id}.{state.status}."
        f"{state.role}.{int(state.muted)}.{_session_digest(session_key)}"
    )
    return signing.TimestampSigner(salt=_TICKET_SALT).sign(value)


def poll_state_from_ticket(*, ticket: str, group_id: int, session_key: str) -> PollState | None:
    """The state a valid ticket vouches for, with the group's current version (one query);
    None when the ticket is forged, expired, of another group or of another session."""
    try:
        value = signing.TimestampSigner(salt=_TICKET_SALT).unsign(
            ticket, max_age=settings.CHAT_POLL_TICKET_SECONDS
        )
    except signing.BadSignature:
        return None
    parts = value.split(".")
    if len(parts) != 7 or not session_key or parts[6] != _session_digest(session_key):
        return None
    membership_id, alumnus_id, ticket_group, status, role, muted = parts[:6]
    if int(ticket_group) != group_id:
        return None
    version = (
        CommunityGroup.objects.filter(pk=group_id, is_active=True)
        .values_list("version", flat=True)
        .first()
    )
    if version is None:
        return None
    return PollState(
        int(membership_id), int(alumnus_id), group_id, version, status, role, muted == "1"
    )


def messages_etag(*, state: PollState, query: dict[str, Any]) -> str:
    """What a page of messages depends on: the group's version, the reader's membership and
    the cursors asked for. Equal tags mean an identical answer."""
    cursor = "&".join(f"{name}={query[name]}" for name in sorted(query) if query[name] is not None)
    digest = hashlib.blake2s(cursor.encode(), digest_size=6).hexdigest()
    return (
        f'"g{state.group_id}.v{state.version}.'
        f'{state.status[0]}{state.role[0]}{int(state.muted)}.{digest}"'
    )


def messages_cursors(params: Any) -> dict[str, int]:
    """`after`, `before`, `since`, `limit` from a query string: non-negative integers."""
    from .errors import ChatError

    cursors: dict[str, int] = {}
    for name in ("after", "before", "since", "limit"):
        raw = params.get(name)
        if raw is None:
            continue
        if not raw.isdigit() or len(raw) > 18:
            raise ChatError("0 以上の整数で指定してください。", field=name)
        cursors[name] = int(raw)
    if "after" in cursors and "before" in cursors:
        raise ChatError("after と before は同時に指定できません。", field="before")
    if cursors.get("limit") == 0:
        raise ChatError("1 以上の整数で指定してください。", field="limit")
    return cursors


def _unread(alumnus: Alumnus) -> Subquery:
    return Subquery(
        Message.objects.filter(
            group_id=OuterRef("group_id"),
            pk__gt=OuterRef("last_read_message_id"),
            deleted_at__isnull=True,
            hidden_at__isnull=True,
        )
        .exclude(author=alumnus)
        .order_by()
        .values("group_id")
        .annotate(count=Count("pk"))
        .values("count"),
        output_field=IntegerField(),
    )


def groups_overview(*, alumnus: Alumnus) -> dict[str, list[dict[str, Any]]]:
    """My groups (with unread counts) and the ones I may join (with their house rules)."""
    memberships = (
        Membership.objects.filter(
            alumnus=alumnus, status__in=LISTED_STATUSES, group__is_active=True
        )
        .select_related("group")
        .annotate(unread=Coalesce(_unread(alumnus), Value(0)))
        .order_by("group__name")
    )
    mine = [
        {
            "id": m.group_id,
            "name": m.group.name,
            "description": m.group.description,
            "status": m.status,
            "role": m.role,
            "muted": m.muted,
            "unread": m.unread if m.status != MembershipStatus.PENDING else 0,
        }
        for m in memberships
    ]
    closed = Membership.objects.filter(alumnus=alumnus).filter(
        Q(status__in=LISTED_STATUSES) | Q(suspended_at__isnull=False)
    )
    joinable = [
        {
            "id": group.pk,
            "name": group.name,
            "description": group.description,
            "join_policy": group.join_policy,
            "house_rules": group.house_rules,
        }
        for group in CommunityGroup.objects.filter(is_active=True)
        .exclude(pk__in=closed.values("group_id"))
        .order_by("name")
    ]
    return {"groups": mine, "joinable": joinable}


@dataclass
class MessagesPage:
    messages: list[Message]
    changed: list[Message] = field(default_factory=list)
    has_more_before: bool = False
    has_more_after: bool = False


def _with_author(queryset: QuerySet[Message]) -> QuerySet[Message]:
    member_id = Membership.objects.filter(
        group_id=OuterRef("group_id"), alumnus_id=OuterRef("author_id")
    ).values("pk")[:1]
    return queryset.select_related("author").annotate(member_id=Subquery(member_id))


def messages_page(
    *,
    group: CommunityGroup,
    after: int | None = None,
    before: int | None = None,
    since: int | None = None,
    limit: int | None = None,
) -> MessagesPage:
    """A page in ascending order: the newest (default), older than `before`, or newer than
    `after`; with `since` (a version), also the older messages changed after that version."""
    size = min(limit or settings.CHAT_PAGE_SIZE, settings.CHAT_PAGE_SIZE)
    base = _with_author(Message.objects.filter(group=group))
    page = MessagesPage(messages=[])
    if after is not None:
        rows = list(base.filter(pk__gt=after).order_by("pk")[: size + 1])
        page.has_more_after = len(rows) > size
        page.messages = rows[:size]
        if since is not None and since < group.version:
            page.changed = list(base.filter(pk__lte=after, revision__gt=since).order_by("pk"))
        return page
    newest_first = base.order_by("-pk")
    if before is not None:
        newest_first = newest_first.filter(pk__lt=before)
    rows = list(newest_first[: size + 1])
    page.has_more_before = len(rows) > size
    page.messages = list(reversed(rows[:size]))
    return page


def messages_with_author(*, ids: list[int]) -> list[Message]:
    return list(_with_author(Message.objects.filter(pk__in=ids)).order_by("pk"))


def membership_in_group(*, group_id: int, member_id: int) -> Membership:
    """A member of the group by membership id (as messages show it), or 404."""
    membership = (
        Membership.objects.select_related("alumnus")
        .filter(pk=member_id, group_id=group_id, status__in=READING_STATUSES)
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


def message_for_member(*, message_id: int, alumnus: Alumnus) -> tuple[Message, Membership]:
    """A message of a group the alumnus reads, with their membership; 404 otherwise."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        raise NotFound()
    return message, membership_for_reading(group_id=message.group_id, alumnus=alumnus)


def editable_until(message: Message) -> dt.datetime:
    return message.created_at + dt.timedelta(minutes=settings.CHAT_EDIT_MINUTES)


def reports_open() -> QuerySet[Report]:
    """The admin's queue: open reports, oldest first, with the message and its group."""
    return (
        Report.objects.filter(status=ReportStatus.OPEN)
        .select_related("message__group", "message__author", "reporter")
        .order_by("created_at")
    )


def alumnus_chat_export(*, alumnus: Alumnus) -> dict[str, Any]:
    """The person's chat data for `GET /api/v1/me/export`."""
    return {
        "community_groups": [
            {
                "group": m.group.name,
                "status": m.status,
                "role": m.role,
                "muted": m.muted,
                "rules_accepted_at": _iso(m.rules_accepted_at),
                "joined_at": _iso(m.joined_at),
            }
            for m in alumnus.community_memberships.select_related("group").order_by("created_at")
        ],
        "community_messages": [
            {
                "id": message.pk,
                "group": message.group.name,
                "body": message.body,
                "created_at": _iso(message.created_at),
                "edited_at": _iso(message.edited_at),
                "deleted_at": _iso(message.deleted_at),
                "hidden_by_moderator": message.hidden_at is not None,
            }
            for message in alumnus.community_messages.select_related("group").order_by("pk")
        ],
        "community_reports": [
            {
                "message": report.message_id,
                "reason": report.reason,
                "status": report.status,
                "created_at": _iso(report.created_at),
            }
            for report in alumnus.community_reports.order_by("pk")
        ],
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
