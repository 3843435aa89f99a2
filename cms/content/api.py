"""JSON API of notices for the signed-in alumnus: the feed (cursor-paginated) and one notice."""

import base64
import binascii
import datetime as dt
import json
from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cms.alumni.home import notice_opened_mark, notices_seen_mark
from cms.alumni.permissions import IsAlumnus
from cms.groups.selectors import notice_visible_to, notices_for_alumnus

from .models import NoticePage

PAGE_SIZE = 20


def _encode_cursor(notice: NoticePage) -> str:
    raw = json.dumps([notice.date.isoformat(), notice.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.date, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        date_text, pk = json.loads(raw)
        return dt.date.fromisoformat(date_text), int(pk)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValidationError({"cursor": ["カーソルの値が正しくありません。"]}) from exc


def _after(notices: QuerySet[NoticePage], cursor: str | None) -> QuerySet[NoticePage]:
    if not cursor:
        return notices
    date, pk = _decode_cursor(cursor)
    return notices.filter(Q(date__lt=date) | Q(date=date, pk__lt=pk))


class NoticeItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    date = serializers.DateField()
    category = serializers.CharField(source="category.name")
    summary = serializers.CharField()
    visibility = serializers.CharField()


class NoticeFeedOutputSerializer(serializers.Serializer):
    results = NoticeItemSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class NoticeFeedView(APIView):
    """Newest first: public notices, notices for members, and those for the alumnus's groups."""

    permission_classes = [IsAlumnus]

    class NoticeFeedQuery(serializers.Serializer):
        cursor = serializers.CharField(required=False, max_length=200)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=50)

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, required=False),
            OpenApiParameter("limit", int, required=False),
        ],
        responses=NoticeFeedOutputSerializer,
        summary="お知らせのフィード（新しい順）",
        operation_id="notice_feed",
    )
    def get(self, request: Request) -> Response:
        query = self.NoticeFeedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data.get("limit", PAGE_SIZE)
        notices = notices_for_alumnus(alumnus=request.user.alumnus)  # type: ignore[union-attr]
        if not query.validated_data.get("cursor"):
            notices_seen_mark(session=request.session)  # the list's top: the home's badge clears
        page = list(
            _after(notices, query.validated_data.get("cursor"))
            .select_related("category")
            .order_by("-date", "-pk")[: limit + 1]
        )
        more = len(page) > limit
        page = page[:limit]
        return Response(
            {
                "results": NoticeItemSerializer(page, many=True).data,
                "next": _encode_cursor(page[-1]) if more else None,
            }
        )


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


class NoticeDetailView(APIView):
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
