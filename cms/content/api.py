"""JSON API of notices for the signed-in alumnus: the feed (cursor-paginated) and one notice."""

import datetime as dt
import re
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from cms.alumni.home import notice_opened_mark, notices_seen_mark
from cms.alumni.permissions import IsAlumnus
from cms.api_errors import ServiceAPIView
from cms.groups.selectors import notice_visible_to, notices_for_alumnus

from .models import NoticePage

PAGE_SIZE = 20
_CURSOR = re.compile(r"[A-Za-z0-9+/=]{1,200}")  # what DRF's cursors are made of, bounded


class NoticeFeedPagination(CursorPagination):
    """DRF's cursor over (date, id), newest first; a cursor that is not one of ours is a 400."""

    ordering = ("-date", "-pk")
    page_size = PAGE_SIZE
    page_size_query_param = "limit"
    max_page_size = 50
    invalid_cursor_message = "カーソルの値が正しくありません。"

    def decode_cursor(self, request: Request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            if not _CURSOR.fullmatch(encoded):
                raise NotFound()
            cursor = super().decode_cursor(request)
            if cursor is not None and cursor.position is not None:
                dt.date.fromisoformat(str(cursor.position))  # compared with NoticePage.date
        except (NotFound, ValueError):
            raise ValidationError({"cursor": [self.invalid_cursor_message]}) from None
        return cursor


class NoticeItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    date = serializers.DateField()
    category = serializers.CharField(source="category.name")
    summary = serializers.CharField()
    visibility = serializers.CharField()


class NoticeFeedView(ServiceAPIView, generics.ListAPIView):
    """Newest first: public notices, notices for members, and those for the alumnus's groups.
    `next` is the URL of the following page (null on the last one)."""

    permission_classes = [IsAlumnus]
    serializer_class = NoticeItemSerializer
    pagination_class = NoticeFeedPagination

    def get_queryset(self) -> QuerySet[NoticePage]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view
            return NoticePage.objects.none()
        alumnus = self.request.user.alumnus  # type: ignore[union-attr]
        return notices_for_alumnus(alumnus=alumnus).select_related("category")

    @extend_schema(summary="お知らせのフィード（新しい順）", operation_id="notice_feed")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = self.list(request, *args, **kwargs)
        if not request.query_params.get("cursor"):
            notices_seen_mark(session=request.session)  # the list's top: the home's badge clears
        return response


def _body_blocks(notice: NoticePage) -> list[dict[str, Any]]:
    """The body as plain data for the PWA: HTML of text blocks, link buttons, images."""
    blocks: list[dict[str, Any]] = []
    for block in notice.body:
        if block.block_type == "paragraph":
            blocks.append({"type": "paragraph", "html": str(block.value)})
        elif block.block_type == "button":
            page = block.value.get("page")
            blocks.append(
                {
                    "type": "button",
                    "label": block.value.get("label"),
                    "url": page.get_url() if page else block.value.get("url"),
                }
            )
        elif block.block_type == "image":
            image = block.value
            rendition = image.get_rendition("max-1200x1200|format-webp")
            blocks.append(
                {
                    "type": "image",
                    "url": rendition.url,
                    "width": rendition.width,
                    "height": rendition.height,
                    "alt": getattr(image, "contextual_alt_text", "") or "",
                }
            )
    return blocks


class NoticeDetailView(ServiceAPIView):
    """One notice, only for an alumnus in its audience (404 for anyone else)."""

    permission_classes = [IsAlumnus]

    class NoticeDetailOutput(NoticeItemSerializer):
        body = serializers.SerializerMethodField()

        def get_body(self, notice: NoticePage) -> list[dict[str, Any]]:
            return _body_blocks(notice)

    @extend_schema(responses=NoticeDetailOutput, summary="お知らせ", operation_id="notice_detail")
    def get(self, request: Request, notice_id: int) -> Response:
        notice = notice_visible_to(notice_id=notice_id, alumnus=request.user.alumnus)  # type: ignore[union-attr]
        if notice is None:
            raise NotFound()
        notice_opened_mark(session=request.session, notice_id=notice.pk)
        return Response(self.NoticeDetailOutput(notice).data)
