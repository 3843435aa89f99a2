"""The chat JSON API: one view per operation; the rules live in services and selectors."""

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import CSRFCheck
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from cms.alumni.api import AlumniAPIView
from cms.alumni.models import Alumnus
from cms.alumni.permissions import IsAlumnus, request_alumnus
from cms.api_errors import body_too_large

from . import selectors, services
from .errors import ChatError, NotFound
from .models import Membership, MembershipStatus
from .serializers import (
    DetailOutput,
    GroupsOutput,
    HideInput,
    JoinInput,
    MembershipInput,
    MembershipOutput,
    MessageEditInput,
    MessageOutput,
    MessagePostInput,
    MessagesOutput,
    ReportInput,
)

ERRORS = {
    400: OpenApiResponse(DetailOutput, description="入力の誤り（detail と errors）"),
    401: OpenApiResponse(DetailOutput, description="ログインしていない"),
    403: OpenApiResponse(DetailOutput, description="許可されていない操作（投稿停止中など）"),
    404: OpenApiResponse(DetailOutput, description="グループのメンバーではない、または存在しない"),
}


class ChatAPIView(AlumniAPIView):
    """Signed-in alumni only; `alumnus()` is the signed-in alumnus."""

    permission_classes = [IsAlumnus]


def message_data(row: selectors.MessageRow, *, viewer_id: int) -> dict[str, Any]:
    """A message as members see it: hidden or deleted ones keep their place, not their text."""
    if row["deleted_at"] is not None:
        state, body = "deleted", None
    elif row["hidden_at"] is not None:
        state, body = "hidden", None
    else:
        state, body = "visible", row["body"]
    author_id = row["author_id"]
    mine = author_id is not None and author_id == viewer_id
    return {
        "id": row["id"],
        "member_id": row["member_id"],
        "author_name": "退会したメンバー"
        if author_id is None
        else f"{row['author_family_name']} {row['author_given_name']}",
        "mine": mine,
        "state": state,
        "body": body,
        "created_at": row["created_at"],
        "edited_at": row["edited_at"],
        "editable_until": selectors.editable_until(row["created_at"])
        if mine and state == "visible"
        else None,
    }


def membership_fields(
    *, group_id: int, group_name: str, status: str, role: str, muted: bool, house_rules: str
) -> dict[str, Any]:
    return {
        "group": group_id,
        "group_name": group_name,
        "status": status,
        "role": role,
        "muted": muted,
        "can_post": status == MembershipStatus.ACTIVE,
        "house_rules": house_rules,
    }


def membership_data(membership: Membership) -> dict[str, Any]:
    return membership_fields(
        group_id=membership.group_id,
        group_name=membership.group.name,
        status=membership.status,
        role=membership.role,
        muted=membership.muted,
        house_rules=membership.group.house_rules,
    )


class GroupListView(ChatAPIView):
    @extend_schema(
        responses={200: GroupsOutput, **ERRORS},
        summary="自分のグループ（未読数つき）と参加できるグループ",
    )
    def get(self, request: Request) -> Response:
        response = Response(selectors.groups_overview(alumnus=self.alumnus()))
        response["Cache-Control"] = "no-store"
        return response


class GroupJoinView(ChatAPIView):
    @extend_schema(
        request=JoinInput,
        responses={200: MembershipOutput, **ERRORS},
        summary="グループに参加する（ルールへの同意が必要。承認制のグループは承認待ち）",
    )
    def post(self, request: Request, group_id: int) -> Response:
        data = JoinInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_join(
            group_id=group_id,
            alumnus=self.alumnus(),
            accept_rules=data.validated_data["accept_rules"],
        )
        return Response(membership_data(membership))


class GroupLeaveView(ChatAPIView):
    @extend_schema(request=None, responses={204: None, **ERRORS}, summary="グループから退出する")
    def post(self, request: Request, group_id: int) -> Response:
        services.membership_leave(group_id=group_id, alumnus=self.alumnus())
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupMembershipView(ChatAPIView):
    @extend_schema(
        request=MembershipInput,
        responses={200: MembershipOutput, **ERRORS},
        summary="グループごとの通知のオン・オフ",
    )
    def patch(self, request: Request, group_id: int) -> Response:
        data = MembershipInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_set_muted(
            group_id=group_id, alumnus=self.alumnus(), muted=data.validated_data["muted"]
        )
        return Response(membership_data(membership))


TICKET_HEADER = "X-Chat-Poll-Ticket"


class GroupMessagesView(ChatAPIView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        answered = None
        if request.method == "GET":
            answered = _poll_by_ticket(request, group_id=kwargs["group_id"])
        elif request.method == "POST":
            answered = _post_by_ticket(request, group_id=kwargs["group_id"])
        if answered is not None:
            return answered
        return super().dispatch(request, *args, **kwargs)

    def get_permissions(self) -> Any:
        # The poll checks "active alumnus" in its one membership query (see poll_state).
        if self.request is not None and self.request.method in ("GET", "HEAD"):
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="このIDより新しいメッセージ"),
            OpenApiParameter("before", int, description="このIDより古いメッセージ"),
            OpenApiParameter("since", int, description="この版以降に変わったメッセージも返す"),
            OpenApiParameter("limit", int, description=f"件数（最大 {settings.CHAT_PAGE_SIZE}）"),
        ],
        responses={200: MessagesOutput, 304: None, **ERRORS},
        summary="メッセージ（既定は最新のページ。If-None-Match で変化がなければ 304）",
    )
    def get(self, request: Request, group_id: int) -> Response:
        query = selectors.messages_cursors(request.query_params)
        state = selectors.poll_state(group_id=group_id, user_id=int(request.user.pk or 0))
        if state is None:
            if request_alumnus(request) is None:
                raise exceptions.PermissionDenied(IsAlumnus.message)
            raise NotFound()
        etag, data = _poll_answer(request, reader=state, query=query)
        response = Response(status=status.HTTP_304_NOT_MODIFIED) if data is None else Response(data)
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        session_key = request._request.session.session_key
        user = request.user
        if session_key and isinstance(user, AbstractBaseUser):
            # Django's login check has just verified the session's auth hash against this.
            response[TICKET_HEADER] = selectors.poll_ticket_issue(
                state=state, session_key=session_key, session_auth_hash=user.get_session_auth_hash()
            )
        return response

    @extend_schema(
        request=MessagePostInput,
        responses={
            201: MessageOutput,
            200: MessageOutput,
            409: DetailOutput,
            429: OpenApiResponse(
                DetailOutput, description="続けて投稿しすぎ（Retry-After 秒後に）"
            ),
            **ERRORS,
        },
        summary="投稿する（client_id が同じ再送は最初のメッセージを返す）",
    )
    def post(self, request: Request, group_id: int) -> Response:
        data = MessagePostInput(data=request.data)
        data.is_valid(raise_exception=True)
        answer, code = _posted(group_id=group_id, alumnus=self.alumnus(), data=data)
        return Response(answer, status=code)


def _posted(
    *, group_id: int, alumnus: Alumnus, data: MessagePostInput
) -> tuple[dict[str, Any], int]:
    """Post a valid message; the answer and its status (201, or 200 for a retry)."""
    posted = services.message_post(
        group_id=group_id,
        alumnus=alumnus,
        body=data.validated_data["body"],
        client_id=data.validated_data["client_id"],
        posts_per_minute=settings.CHAT_POSTS_PER_MINUTE,
    )
    row = selectors.message_row(posted.message, author=alumnus, member_id=posted.member_id)
    code = status.HTTP_201_CREATED if posted.created else status.HTTP_200_OK
    return message_data(row, viewer_id=alumnus.pk), code


def _poll_answer(
    request: Request | HttpRequest, *, reader: selectors.PollReader, query: dict[str, int]
) -> tuple[str, dict[str, Any] | None]:
    """The poll's ETag, and its page (None when the poller has it already: 304)."""
    etag = selectors.messages_etag(state=reader, query=query)
    if etag in _if_none_match(request):
        return etag, None
    page = selectors.messages_page(group_id=reader.group_id, version=reader.version, **query)
    if page.messages and "before" not in query:
        services.membership_mark_read(
            membership_id=reader.membership_id,
            last_read_message_id=reader.last_read_message_id,
            message_id=page.messages[-1]["id"],
        )
    viewer = reader.alumnus_id
    return etag, {
        "version": reader.version,
        "membership": membership_fields(
            group_id=reader.group_id,
            group_name=reader.group_name,
            status=reader.status,
            role=reader.role,
            muted=reader.muted,
            house_rules=reader.house_rules,
        ),
        "messages": [message_data(m, viewer_id=viewer) for m in page.messages],
        "changed": [message_data(m, viewer_id=viewer) for m in page.changed],
        "has_more_before": page.has_more_before,
        "has_more_after": page.has_more_after,
    }


def _poll_by_ticket(request: HttpRequest, *, group_id: int) -> HttpResponse | None:
    """The short way for a poll with a valid ticket, instead of Django's session and user
    look-ups; None sends the poll the long way (which answers errors and issues tickets).

    The checked way: one query re-checks everything those look-ups would (the session exists
    and has not expired, the user is active and their session auth hash is the ticket's, the
    membership still reads the group in the ticket's state; see poll_state_for_ticket). Its
    answer brings a renewed ticket. Renewing is safe because the checks run on every such
    request: a sign-out, an expired session, a password change, a deactivated account, leaving
    the group or a suspension fails the very next checked poll, and a failed check renews
    nothing. Without renewal every poller would take the long way once a minute, and pollers
    whose tickets were issued together would all do so at once.

    The unchecked way (Redis, or sessions outside the database): an unchanged group answers
    304 from the group's version with no query, and no new ticket. A 304 tells nothing but
    "unchanged"; it is served at most CHAT_POLL_TICKET_SECONDS after the last full check,
    because the ticket is only ever renewed by a check. Past half its life, a ticket takes
    the checked way to be renewed before it expires."""
    try:
        query = selectors.messages_cursors(request.GET)
    except ChatError:
        return None
    ticket, session_key = _ticket(request, group_id=group_id)
    if ticket is None:
        return None
    tags = _if_none_match(request)
    sessions_in_database = _sessions_in_database()
    unchecked_allowed = settings.REDIS_URL or not sessions_in_database
    if tags and unchecked_allowed and not selectors.poll_ticket_due_for_renewal(ticket):
        state = selectors.poll_state_with_version(ticket.state)
        if state is None:
            return None
        etag = selectors.messages_etag(state=state, query=query)
        if etag in tags:
            return _poll_response(etag, None)
    if not sessions_in_database:
        return None
    reader = selectors.poll_state_for_ticket(ticket=ticket, session_key=session_key)
    if reader is None:
        return None
    response = _poll_response(*_poll_answer(request, reader=reader, query=query))
    response[TICKET_HEADER] = selectors.poll_ticket_renew(
        ticket=ticket, state=reader, session_key=session_key
    )
    return response


def _ticket(request: HttpRequest, *, group_id: int) -> tuple[selectors.PollTicket | None, str]:
    """The request's valid ticket for this group and session, if any, and the session key."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    ticket_text = request.headers.get(TICKET_HEADER, "")
    if not ticket_text:
        return None, session_key
    ticket = selectors.poll_ticket_read(
        ticket=ticket_text, group_id=group_id, session_key=session_key
    )
    return ticket, session_key


def _sessions_in_database() -> bool:
    # The ticket's check of the session reads the database's session table.
    return bool(settings.SESSION_ENGINE == "django.contrib.sessions.backends.db")


def _post_by_ticket(request: HttpRequest, *, group_id: int) -> HttpResponse | None:
    """The short way for a post from a chat on screen (it holds the poll's ticket): the poll's
    one checking query (session, user, membership; see poll_state_for_ticket) instead of
    Django's session, user and alumnus look-ups. CSRF is checked as DRF checks it.

    Only a clean post is answered here. Anything else (no valid ticket, a CSRF failure, a
    body too large or not valid, a refusal by the service) returns None, and the long way
    answers it with the API's errors. Nothing is written before a refusal, and a post that
    did land is returned again for its client_id, so taking the long way after this one is
    safe."""
    ticket, session_key = _ticket(request, group_id=group_id)
    if ticket is None or not _sessions_in_database():
        return None
    if body_too_large(request.META):
        return None
    if request.content_type != "application/json" or not _csrf_passes(request):
        return None
    reader = selectors.poll_state_for_ticket(ticket=ticket, session_key=session_key)
    if reader is None or reader.status != MembershipStatus.ACTIVE:
        return None
    try:
        data = MessagePostInput(data=json.loads(request.body))
    except ValueError:
        return None
    if not data.is_valid():
        return None
    # The author as the checking query read them (the answer shows their name).
    author = Alumnus(
        pk=reader.alumnus_id, family_name=reader.family_name, given_name=reader.given_name
    )
    try:
        answer, code = _posted(group_id=group_id, alumnus=author, data=data)
    except ChatError:
        return None
    return HttpResponse(JSONRenderer().render(answer), status=code, content_type="application/json")


def _csrf_passes(request: HttpRequest) -> bool:
    """Django's CSRF check, as DRF's session authentication runs it on a signed-in request."""
    check = CSRFCheck(_no_view)
    check.process_request(request)
    return check.process_view(request, _no_view, (), {}) is None


def _no_view(request: HttpRequest) -> HttpResponse:
    """The middleware's `get_response` and view arguments, which the check never calls."""
    return HttpResponse()


def _poll_response(etag: str, data: dict[str, Any] | None) -> HttpResponse:
    if data is None:
        response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = HttpResponse(JSONRenderer().render(data), content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _if_none_match(request: Request | HttpRequest) -> set[str]:
    header = request.headers.get("If-None-Match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


class MessageView(ChatAPIView):
    @extend_schema(
        request=MessageEditInput,
        responses={200: MessageOutput, **ERRORS},
        summary="自分のメッセージを編集する（投稿から一定時間内）",
    )
    def patch(self, request: Request, message_id: int) -> Response:
        data = MessageEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        alumnus = self.alumnus()
        services.message_edit(
            message_id=message_id, alumnus=alumnus, body=data.validated_data["body"]
        )
        [row] = selectors.messages_with_author(ids=[message_id])
        return Response(message_data(row, viewer_id=alumnus.pk))

    @extend_schema(
        request=None, responses={204: None, **ERRORS}, summary="自分のメッセージを削除する"
    )
    def delete(self, request: Request, message_id: int) -> Response:
        services.message_delete(message_id=message_id, alumnus=self.alumnus())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageReportView(ChatAPIView):
    @extend_schema(
        request=ReportInput,
        responses={202: DetailOutput, **ERRORS},
        summary="メッセージをモデレーターに通報する",
    )
    def post(self, request: Request, message_id: int) -> Response:
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.message_report(
            message_id=message_id, alumnus=self.alumnus(), reason=data.validated_data["reason"]
        )
        return Response(
            {"detail": "通報を受け付けました。モデレーターが確認します。"},
            status=status.HTTP_202_ACCEPTED,
        )


class MessageHideView(ChatAPIView):
    @extend_schema(
        request=HideInput,
        responses={200: MessageOutput, **ERRORS},
        summary="メッセージを非表示にする（モデレーター）",
    )
    def post(self, request: Request, message_id: int) -> Response:
        data = HideInput(data=request.data)
        data.is_valid(raise_exception=True)
        alumnus = self.alumnus()
        message, _ = selectors.message_for_member(message_id=message_id, alumnus=alumnus)
        moderator = services.moderator_for_alumnus(group_id=message.group_id, alumnus=alumnus)
        if message.deleted_at is not None:
            raise NotFound()
        services.message_hide(
            message=message, moderator=moderator, note=data.validated_data["note"]
        )
        [row] = selectors.messages_with_author(ids=[message_id])
        return Response(message_data(row, viewer_id=alumnus.pk))


class MemberSuspendView(ChatAPIView):
    @extend_schema(
        request=None,
        responses={200: DetailOutput, **ERRORS},
        summary="メンバーの投稿を停止する（モデレーター）",
    )
    def post(self, request: Request, group_id: int, member_id: int) -> Response:
        alumnus = self.alumnus()
        moderator = services.moderator_for_alumnus(group_id=group_id, alumnus=alumnus)
        membership = selectors.membership_in_group(group_id=group_id, member_id=member_id)
        services.member_suspend(membership=membership, moderator=moderator, by_staff=False)
        return Response({"detail": "このメンバーの投稿を停止しました。"})
