"""The member home's API operation (GET /api/v1/me/home): the home screen and the tab bar's badges."""

from dataclasses import asdict

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cms.alumni.api import AlumniAPIView
from cms.alumni.home import member_home
from cms.alumni.permissions import IsAlumnus
from cms.alumni.serializers import AlumniMessageOutput


class HomeItemOutput(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField(help_text="PWA 内のパス（/ で始まる）")
    date = serializers.CharField(help_text="日付（YYYY-MM-DD、ない場合は空）")
    count = serializers.IntegerField(help_text="グループの未読件数（その他は 0）")


class HomeSectionOutput(serializers.Serializer):
    count = serializers.IntegerField()
    items = HomeItemOutput(many=True)


class MemberHomeOutput(serializers.Serializer):
    display_name = serializers.CharField()
    initial = serializers.CharField()
    notices = HomeSectionOutput(
        help_text="未読のお知らせ（この端末で一覧・本文を開いていないもの）"
    )
    jobs = HomeSectionOutput(help_text="募集中のカムバック採用")
    surveys = HomeSectionOutput(help_text="回答を受け付けているアンケート")
    chat = HomeSectionOutput(help_text="参加しているグループの未読メッセージ")


class MemberHomeView(AlumniAPIView):
    permission_classes = [IsAlumnus]

    @extend_schema(
        responses={
            200: MemberHomeOutput,
            401: OpenApiResponse(AlumniMessageOutput, description="ログインしていない"),
            403: OpenApiResponse(AlumniMessageOutput, description="アルムナイではない"),
        },
        summary="会員ホーム（未読のお知らせ・募集中の求人・アンケート・未読のメッセージ）",
        operation_id="member_home",
    )
    def get(self, request: Request) -> Response:
        home = member_home(alumnus=self.alumnus(), session=request.session)
        response = Response(MemberHomeOutput(asdict(home)).data)
        response["Cache-Control"] = "no-store"
        return response
