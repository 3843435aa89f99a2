"""Reads of community chat: group lists with unread counts, message pages, polls, exports."""

import dataclasses
import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.db import prepared_cursor

from . import shared_cache
from .errors import ChatError, NotFound
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


@dataclass(frozen=True)
class PollReader(PollState):
    """The full poll's reader: the state, how far they read, and the group as they see it."""

    last_read_message_id: int = 0
    group_name: str = ""
    house_rules: str = ""
    family_name: str = ""
    given_name: str = ""


# The poll's own queries are plain SQL: Django's query compiler costs several times what
# PostgreSQL needs to answer them, and a chat keeps every member polling.
_READER_COLUMNS = """ms.id, ms.alumnus_id, ms.group_id, g.version, ms.status, ms.role, ms.muted,
       ms.last_read_message_id, g.name, g.house_rules, a.family_name, a.given_name"""
_READER_JOINS = """
FROM chat_membership ms
JOIN chat_communitygroup g ON g.id = ms.group_id
JOIN alumni_alumnus a ON a.id = ms.alumnus_id"""
_READER_WHERE = """
WHERE ms.group_id = %s AND a.status = %s AND ms.status IN (%s, %s) AND g.is_active = %s"""
_BY_USER_SQL = f"SELECT {_READER_COLUMNS}{_READER_JOINS}{_READER_WHERE} AND a.user_id = %s"
# A ticket names the membership; the same query checks what Django's session and user
# look-ups would have: the user is still active, the session row still exists and has not
# expired (a sign-out deletes it); and it brings the user's password hash, from which the
# session auth hash is computed (a password change alters it, see poll_state_for_ticket).
_BY_TICKET_SQL = (
    f"SELECT {_READER_COLUMNS}, u.password{_READER_JOINS}"  # noqa: S608 (constant text only)
    + "\nJOIN auth_user u ON u.id = a.user_id"
    + _READER_WHERE
    + """
AND ms.id = %s AND ms.alumnus_id = %s AND u.is_active = %s
AND EXISTS (SELECT 1 FROM django_session s WHERE s.session_key = %s AND s.expire_date > %s)"""
)


def _reader_from(row: tuple[Any, ...]) -> PollReader:
    pk, alumnus_id, group, version, status, role, muted, last_read, name, rules = row[:10]
    family_name, given_name = row[10:12]
    return PollReader(
        pk,
        alumnus_id,
        group,
        version,
        status,
        role,
        bool(muted),
        last_read,
        name,
        rules,
        family_name,
        given_name,
    )


def _fetch(sql: str, group_id: int, *params: Any) -> tuple[Any, ...] | None:
    with prepared_cursor() as cursor:
        cursor.execute(sql, [group_id, AlumnusStatus.ACTIVE, *READING_STATUSES, True, *params])
        row: tuple[Any, ...] | None = cursor.fetchone()
    return row


def poll_state(*, group_id: int, user_id: int) -> PollReader | None:
    """The signed-in user's reading membership of an active group, as an active alumnus, in
    one query (the poll's hot path: no separate look-up of the alumnus or the group)."""
    row = _fetch(_BY_USER_SQL, group_id, user_id)
    return None if row is None else _reader_from(row)


@dataclass(frozen=True)
class PollTicket:
    """What a valid ticket vouches for: the membership state (`version` 0, the ticket does not
    know it), a digest of the session's auth hash, and when it was issued (epoch seconds)."""

    state: PollState
    auth_digest: str
    issued_at: int


def poll_state_for_ticket(*, ticket: PollTicket, session_key: str) -> PollReader | None:
    """What `poll_state` reads, for the membership a ticket names, in one query that also
    checks everything the skipped session and user look-ups would have: the session exists
    and has not expired, the user is active and their session auth hash (which changes with
    the password) is the one the ticket was issued with. The membership must also still be in
    the state the ticket names (a suspension or a role change takes the long way and gets a
    new ticket). None sends the poll the long way (which answers errors)."""
    claim = ticket.state
    row = _fetch(
        _BY_TICKET_SQL,
        claim.group_id,
        claim.membership_id,
        claim.alumnus_id,
        True,
        session_key,
        timezone.now(),
    )
    if row is None:
        return None
    reader = _reader_from(row)
    password = row[12]
    if not constant_time_compare(_auth_digest(_session_auth_hash(password)), ticket.auth_digest):
        return None
    if (reader.status, reader.role, reader.muted) != (claim.status, claim.role, claim.muted):
        return None
    return reader


def _session_auth_hash(password: str) -> str:
    """Django's session auth hash for a user with this password hash, computed as the login
    check computes it (an unsaved user costs no query)."""
    return str(get_user_model()(password=password).get_session_auth_hash())


_TICKET_SALT = "cms.groups.chat.poll-ticket"
_TICKET_FIELDS = 9


def _session_digest(session_key: str) -> str:
    return hashlib.blake2s(session_key.encode(), digest_size=12).hexdigest()


def _auth_digest(session_auth_hash: str) -> str:
    # The ticket is in the client's hands: it carries a digest, never the auth hash itself.
    return hashlib.blake2s(session_auth_hash.encode(), digest_size=12).hexdigest()


def _ticket(*, state: PollState, session_key: str, auth_digest: str) -> str:
    value = (
        f"{state.membership_id}.{state.alumnus_id}.{state.group_id}.{state.status}."
        f"{state.role}.{int(state.muted)}.{_session_digest(session_key)}."
        f"{auth_digest}.{int(time.time())}"
    )
    return signing.Signer(salt=_TICKET_SALT).sign(value)


def poll_ticket_issue(*, state: PollState, session_key: str, session_auth_hash: str) -> str:
    """A signed, short-lived note of who polls which group in which membership state, bound
    to the session and to the user's session auth hash (as Django's login check verified it
    on this request): with it, a poll needs neither the session nor the user look-up (see
    poll_state_for_ticket)."""
    return _ticket(
        state=state, session_key=session_key, auth_digest=_auth_digest(session_auth_hash)
    )


def poll_ticket_renew(*, ticket: PollTicket, state: PollState, session_key: str) -> str:
    """A fresh ticket for one that `poll_state_for_ticket` has just checked in full (its auth
    digest matched the user's current one); only ever after that check."""
    return _ticket(state=state, session_key=session_key, auth_digest=ticket.auth_digest)


def poll_ticket_read(*, ticket: str, group_id: int, session_key: str) -> PollTicket | None:
    """The ticket's claim; None when it is forged, older than CHAT_POLL_TICKET_SECONDS, of
    another group or of another session."""
    try:
        value = signing.Signer(salt=_TICKET_SALT).unsign(ticket)
    except signing.BadSignature:
        return None
    parts = value.split(".")
    if len(parts) != _TICKET_FIELDS or not session_key:
        return None
    membership_id, alumnus_id, ticket_group, status, role, muted, session, auth, issued = parts
    if not constant_time_compare(session, _session_digest(session_key)):
        return None
    if int(ticket_group) != group_id:
        return None
    age = time.time() - int(issued)
    if not 0 <= age <= settings.CHAT_POLL_TICKET_SECONDS:
        return None
    state = PollState(int(membership_id), int(alumnus_id), group_id, 0, status, role, muted == "1")
    return PollTicket(state=state, auth_digest=auth, issued_at=int(issued))


def poll_ticket_due_for_renewal(ticket: PollTicket) -> bool:
    """Past half its life: the poll then takes the checked way (one query) and gets a renewed
    ticket, instead of the long way once the ticket has expired."""
    return time.time() - ticket.issued_at > settings.CHAT_POLL_TICKET_SECONDS / 2


def poll_state_with_version(claim: PollState) -> PollState | None:
    """The ticket's state with the group's current version (from Redis, else one query);
    None when the group is closed."""
    version = shared_cache.group_version(group_id=claim.group_id)
    return None if version is None else dataclasses.replace(claim, version=version)


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


# A message as the API shows it, read with its author's name and membership in one query.
MessageRow = dict[str, Any]

_ROW_FIELDS = (
    "id",
    "body",
    "created_at",
    "edited_at",
    "deleted_at",
    "hidden_at",
    "revision",
    "author_id",
    "author_family_name",
    "author_given_name",
    "member_id",
)
_ROWS_SQL = """
SELECT m.id, m.body, m.created_at, m.edited_at, m.deleted_at, m.hidden_at, m.revision,
       m.author_id, a.family_name, a.given_name,
       (SELECT ms.id FROM chat_membership ms
        WHERE ms.group_id = m.group_id AND ms.alumnus_id = m.author_id)
FROM chat_message m
LEFT JOIN alumni_alumnus a ON a.id = m.author_id
WHERE {where}
ORDER BY m.id {order}{limit}
"""
_DATETIME_FIELDS = ("created_at", "edited_at", "deleted_at", "hidden_at")


@dataclass
class MessagesPage:
    messages: list[MessageRow]
    changed: list[MessageRow] = field(default_factory=list)
    has_more_before: bool = False
    has_more_after: bool = False


def _rows(
    where: str, params: list[Any], *, newest_first: bool = False, limit: int | None = None
) -> list[MessageRow]:
    sql = _ROWS_SQL.format(
        where=where,
        order="DESC" if newest_first else "ASC",
        limit="" if limit is None else f" LIMIT {int(limit)}",
    )
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(_ROW_FIELDS, values, strict=True)) for values in cursor.fetchall()]
    if connection.vendor == "sqlite":  # SQLite hands back naive datetimes (UTC)
        for row in rows:
            for name in _DATETIME_FIELDS:
                if row[name] is not None:
                    row[name] = row[name].replace(tzinfo=dt.UTC)
    return rows


def message_row(message: Message, *, author: Alumnus | None, member_id: int | None) -> MessageRow:
    """The row of a message already in hand (no query)."""
    return {
        "id": message.pk,
        "body": message.body,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "deleted_at": message.deleted_at,
        "hidden_at": message.hidden_at,
        "revision": message.revision,
        "author_id": None if author is None else author.pk,
        "author_family_name": None if author is None else author.family_name,
        "author_given_name": None if author is None else author.given_name,
        "member_id": member_id,
    }


def messages_page(
    *,
    group_id: int,
    version: int,
    after: int | None = None,
    before: int | None = None,
    since: int | None = None,
    limit: int | None = None,
) -> MessagesPage:
    """A page in ascending order: the newest (default), older than `before`, or newer than
    `after`; with `since` (a version), also the older messages changed after that version."""
    size = min(limit or settings.CHAT_PAGE_SIZE, settings.CHAT_PAGE_SIZE)
    page = MessagesPage(messages=[])
    if after is not None:
        rows = _rows("m.group_id = %s AND m.id > %s", [group_id, after], limit=size + 1)
        page.has_more_after = len(rows) > size
        page.messages = rows[:size]
        if since is not None and since < version and not _changes_all_new(rows, since, version):
            page.changed = _rows(
                "m.group_id = %s AND m.id <= %s AND m.revision > %s", [group_id, after, since]
            )
        return page
    if before is None:
        rows = _rows("m.group_id = %s", [group_id], newest_first=True, limit=size + 1)
    else:
        rows = _rows(
            "m.group_id = %s AND m.id < %s", [group_id, before], newest_first=True, limit=size + 1
        )
    page.has_more_before = len(rows) > size
    page.messages = list(reversed(rows[:size]))
    return page


def _changes_all_new(rows: list[MessageRow], since: int, version: int) -> bool:
    """Whether every change between the two versions is one of these (new) messages, so that
    no older message can have changed: each change takes the next version and stamps it on the
    one message it touches (only erasing an account stamps several, all of them deleted)."""
    stamped = {
        row["revision"]
        for row in rows
        if since < row["revision"] <= version and row["deleted_at"] is None
    }
    return len(stamped) == version - since


def messages_with_author(*, ids: list[int]) -> list[MessageRow]:
    if not ids:
        return []
    return _rows(f"m.id IN ({', '.join(['%s'] * len(ids))})", list(ids))


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


def editable_until(created_at: dt.datetime) -> dt.datetime:
    return created_at + dt.timedelta(minutes=settings.CHAT_EDIT_MINUTES)


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
