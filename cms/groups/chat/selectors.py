"""Reads of community chat: group lists with unread counts, message pages, polls, exports."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.converters import ID_DIGITS

from .errors import ChatError
from .models import (
    LISTED_STATUSES,
    READING_STATUSES,
    CommunityGroup,
    Membership,
    MembershipStatus,
    Message,
    ModerationLogEntry,
    Report,
    ReportStatus,
)

# Hiding a message is changing it: the role 人事課（交流グループ） has this permission.
MODERATE_PERMISSION = "chat.change_message"
LOG_PERMISSION = "chat.view_moderationlogentry"


def poll_membership(*, group_id: int, user_id: int) -> Membership | None:
    """The user's reading membership of an active group as an active alumnus, with the group
    and the alumnus: one query, the whole of an unchanged poll's own work."""
    found = (
        Membership.objects.select_related("group")
        .only(*POLL_FIELDS)
        .filter(
            group_id=group_id,
            alumnus__user_id=user_id,
            alumnus__status=AlumnusStatus.ACTIVE,
            status__in=READING_STATUSES,
            group__is_active=True,
        )
        .order_by()[:1]
    )
    return next(iter(found), None)


# What a poll reads of the membership and its group (the rest is never shown by a poll).
POLL_FIELDS = (
    "alumnus_id",
    "status",
    "role",
    "muted",
    "last_read_message_id",
    "group__name",
    "group__house_rules",
    "group__version",
)


def messages_etag(*, membership: Membership, query: dict[str, int]) -> str:
    """What a page of messages depends on: the group's version, the reader's membership and
    the cursors asked for. Equal tags mean an identical answer."""
    m = membership
    cursors = urlencode(sorted(query.items()))
    return f'"g{m.group_id}.v{m.group.version}.{m.status[0]}{m.role[0]}{int(m.muted)}.{cursors}"'


def messages_cursors(params: Any) -> dict[str, int]:
    """`after`, `before`, `since`, `limit` from a query string: non-negative integers."""
    cursors: dict[str, int] = {}
    for name in ("after", "before", "since", "limit"):
        raw = params.get(name)
        if raw is None:
            continue
        if not raw.isdigit() or len(raw) > ID_DIGITS:
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


def groups_overview(*, alumnus: Alumnus) -> dict[str, QuerySet[Any]]:
    """My groups (with unread counts; none while pending) and the ones I may join."""
    unread = Coalesce(_unread(alumnus), Value(0))
    memberships = (
        Membership.objects.filter(
            alumnus=alumnus, status__in=LISTED_STATUSES, group__is_active=True
        )
        .select_related("group")
        .annotate(unread=Case(When(status=MembershipStatus.PENDING, then=0), default=unread))
        .order_by("group__name")
    )
    closed = Membership.objects.filter(alumnus=alumnus).filter(
        Q(status__in=LISTED_STATUSES) | Q(suspended_at__isnull=False)
    )
    joinable = CommunityGroup.objects.filter(is_active=True).exclude(
        pk__in=closed.values("group_id")
    )
    return {"groups": memberships, "joinable": joinable.order_by("name")}


def messages_with_author() -> QuerySet[Message]:
    """Messages with their author and the author's membership id (`member_id`), as shown."""
    member = Membership.objects.filter(
        group_id=OuterRef("group_id"), alumnus_id=OuterRef("author_id")
    )
    return Message.objects.select_related("author").annotate(
        member_id=Subquery(member.values("pk"))
    )


@dataclass
class MessagesPage:
    """The poll's answer: the group's version, the reader's membership and a page."""

    version: int
    membership: Membership
    messages: list[Message]
    changed: list[Message] = field(default_factory=list)
    has_more_before: bool = False
    has_more_after: bool = False


def messages_page(
    *,
    membership: Membership,
    after: int | None = None,
    before: int | None = None,
    since: int | None = None,
    limit: int | None = None,
) -> MessagesPage:
    """A page of the reader's group in ascending order: the newest (default), older than
    `before`, or newer than `after`; with `since` (a version), also the older messages changed
    after that version."""
    size = min(limit or settings.CHAT_PAGE_SIZE, settings.CHAT_PAGE_SIZE)
    version = membership.group.version
    messages = messages_with_author().filter(group_id=membership.group_id)
    if after is not None:
        rows = list(messages.filter(pk__gt=after).order_by("pk")[: size + 1])
        page = MessagesPage(version, membership, rows[:size], has_more_after=len(rows) > size)
        if since is not None and since < version and not _changes_all_new(rows, since, version):
            page.changed = list(messages.filter(pk__lte=after, revision__gt=since).order_by("pk"))
        return page
    if before is not None:
        messages = messages.filter(pk__lt=before)
    rows = list(messages.order_by("-pk")[: size + 1])
    newest = rows[:size][::-1]
    return MessagesPage(version, membership, newest, has_more_before=len(rows) > size)


def _changes_all_new(rows: list[Message], since: int, version: int) -> bool:
    """Whether every change between the two versions is one of these (new) messages, so that
    no older message can have changed: each change takes the next version and stamps it on the
    one message it touches (only erasing an account stamps several, all of them deleted)."""
    stamped = {
        row.revision for row in rows if since < row.revision <= version and row.deleted_at is None
    }
    return len(stamped) == version - since


def staff_groups(user: Any) -> QuerySet[CommunityGroup]:
    """The groups a member of staff moderates: all of them with the moderation permission
    (the role 人事課（交流グループ）), else those they are named moderator of. Wagtail's roles
    never set `is_staff`: it is not asked for."""
    if not getattr(user, "is_authenticated", False):
        return CommunityGroup.objects.none()
    if user.has_perm(MODERATE_PERMISSION):
        return CommunityGroup.objects.all()
    return CommunityGroup.objects.filter(staff_moderators=user)


def staff_may_moderate(user: Any) -> bool:
    """HR with the moderation permission (even before the first group), or staff named
    moderator of a group."""
    return staff_groups(user).exists() or bool(user.has_perm(MODERATE_PERMISSION))


def staff_may_read_log(user: Any) -> bool:
    """The moderation log: HR with its view permission, and whoever moderates (their groups)."""
    return bool(user.has_perm(LOG_PERMISSION)) or staff_may_moderate(user)


def reports_open(*, user: Any) -> QuerySet[Report]:
    """The admin's queue: open reports of the groups the user moderates, oldest first."""
    return (
        Report.objects.filter(status=ReportStatus.OPEN, message__group__in=staff_groups(user))
        .select_related("message__group", "message__author", "reporter")
        .order_by("created_at")
    )


def moderation_log(*, user: Any) -> QuerySet[ModerationLogEntry]:
    """Moderation actions the user may read, newest first: all with the log's permission."""
    entries = ModerationLogEntry.objects.select_related(
        "group", "actor", "message__author", "membership__alumnus"
    ).order_by("-at", "-pk")
    if user.has_perm(LOG_PERMISSION):
        return entries
    return entries.filter(group__in=staff_groups(user))


def alumnus_chat_export(*, alumnus: Alumnus) -> dict[str, Any]:
    """The person's chat data for `GET /api/v1/me/export`."""
    return {
        "community_groups": _plain_rows(
            alumnus.community_memberships.order_by("created_at"),
            *("group__name", "status", "role", "muted", "rules_accepted_at", "joined_at"),
        ),
        "community_messages": _plain_rows(
            alumnus.community_messages.annotate(
                hidden_by_moderator=Q(hidden_at__isnull=False)
            ).order_by("pk"),
            *("id", "group__name", "body", "created_at", "edited_at", "deleted_at"),
            "hidden_by_moderator",
        ),
        "community_reports": _plain_rows(
            alumnus.community_reports.order_by("pk"), "message", "reason", "status", "created_at"
        ),
    }


def _plain_rows(rows: QuerySet[Any], *lookups: str) -> list[dict[str, Any]]:
    """Each row's `lookups` as JSON-ready data, named by their first part (`group__name` is
    `group`); times in ISO 8601."""
    return [
        {
            name.split("__")[0]: value.isoformat() if isinstance(value, dt.datetime) else value
            for name, value in row.items()
        }
        for row in rows.values(*lookups)
    ]
