"""The chat JSON API: one DRF view per operation, behind Django's session authentication and
CSRF; the rules live in services and selectors."""

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cms.alumni import api as alumni_api
from cms.alumni.permissions import IsAlumnus, request_alumnus
from cms.alumni.serializers import AlumniMessageOutput as DetailOutput

from . import selectors, services
from .errors import NotFound
from .models import Membership
from .serializers import (
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
    **alumni_api.ERRORS,
    **alumni_api.SIGNED_IN,
    403: OpenApiResponse(DetailOutput, description="許可されていない操作（投稿停止中など）"),
    404: OpenApiResponse(DetailOutput, description="グループのメンバーではない、または存在しない"),
}


class ChatAPIView(alumni_api.AlumniAPIView):
    """Signed-in alumni only; `alumnus()` is the signed-in alumnus. Ids in the URL are at most
    18 digits (`<id:…>`), so they fit the database."""

    permission_classes = [IsAlumnus]


def _shown(message_id: int, *, viewer_id: int, code: int = status.HTTP_200_OK) -> Response:
    message = selectors.messages_with_author().get(pk=message_id)
    return Response(MessageOutput(message, context={"viewer_id": viewer_id}).data, status=code)


class GroupListView(ChatAPIView):
    @extend_schema(
        responses={200: GroupsOutput, **ERRORS},
        summary="自分のグループ（未読数つき）と参加できるグループ",
    )
    def get(self, request: Request) -> Response:
        response = Response(GroupsOutput(selectors.groups_overview(alumnus=self.alumnus())).data)
        response["Cache-Control"] = "no-store"
        return response


class GroupJoinView(ChatAPIView):
    @extend_schema(
        request=JoinInput,
        responses={200: MembershipOutput, **ERRORS},
        summary="グループに参加する（ルールへの同意が必要。承認制のグループは承認待ち）",
    )
    def post(self, request: Request, group_id: int) -> Response:
        data = self.validated(JoinInput)
        membership = services.membership_join(
            group_id=group_id,
            alumnus=self.alumnus(),
            accept_rules=data["accept_rules"],
        )
        return Response(MembershipOutput(membership).data)


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
        data = self.validated(MembershipInput)
        membership = services.membership_set_muted(
            group_id=group_id, alumnus=self.alumnus(), muted=data["muted"]
        )
        return Response(MembershipOutput(membership).data)


class GroupMessagesView(ChatAPIView):
    def get_permissions(self) -> Any:
        # A poll checks "active alumnus" in its one membership query (see poll_membership).
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
    def get(self, request: Request, group_id: int) -> HttpResponse:
        query = selectors.messages_cursors(request.query_params)
        membership = selectors.poll_membership(group_id=group_id, user_id=int(request.user.pk or 0))
        if membership is None:
            if request_alumnus(request) is None:
                raise exceptions.PermissionDenied(IsAlumnus.message)
            raise NotFound()
        etag = selectors.messages_etag(membership=membership, query=query)
        response = get_conditional_response(request, etag=etag) or _page(membership, query)
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
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
        data = self.validated(MessagePostInput)
        alumnus = self.alumnus()
        message, created = services.message_post(
            group_id=group_id,
            alumnus=alumnus,
            body=data["body"],
            client_id=data["client_id"],
            posts_per_minute=settings.CHAT_POSTS_PER_MINUTE,
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return _shown(message.pk, viewer_id=alumnus.pk, code=code)


def _page(membership: Membership, query: dict[str, int]) -> Response:
    """The poll's answer; reading the newest messages moves the reader's read mark."""
    page = selectors.messages_page(membership=membership, **query)
    if page.messages and "before" not in query:
        services.membership_mark_read(membership=membership, message_id=page.messages[-1].pk)
    return Response(MessagesOutput(page, context={"viewer_id": membership.alumnus_id}).data)


class MessageView(ChatAPIView):
    @extend_schema(
        request=MessageEditInput,
        responses={200: MessageOutput, **ERRORS},
        summary="自分のメッセージを編集する（投稿から一定時間内）",
    )
    def patch(self, request: Request, message_id: int) -> Response:
        data = self.validated(MessageEditInput)
        alumnus = self.alumnus()
        services.message_edit(message_id=message_id, alumnus=alumnus, body=data["body"])
        return _shown(message_id, viewer_id=alumnus.pk)

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
        data = self.validated(ReportInput)
        services.message_report(
            message_id=message_id, alumnus=self.alumnus(), reason=data["reason"]
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
        note = self.validated(HideInput)["note"]
        services.message_hide(message_id=message_id, user=request.user, note=note)
        return _shown(message_id, viewer_id=self.alumnus().pk)


class MemberSuspendView(ChatAPIView):
    @extend_schema(
        request=None,
        responses={200: DetailOutput, **ERRORS},
        summary="メンバーの投稿を停止する（モデレーター）",
    )
    def post(self, request: Request, group_id: int, member_id: int) -> Response:
        services.member_suspend(group_id=group_id, member_id=member_id, user=request.user)
        return Response({"detail": "このメンバーの投稿を停止しました。"})
