"""The alumnus's comeback API: GET /api/v1/me/comeback (the eligibility clock, their band and
reasons — what HR sees — and the reminder choice) and PATCH for the reminder opt-in."""

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cms.alumni.api import ERRORS, SIGNED_IN, AlumniAPIView
from cms.alumni.models import Alumnus
from cms.alumni.permissions import IsAlumnus

from .person import person_comeback
from .reminders import reminder_opt_in_get, reminder_opt_in_set


class ComebackOutput(serializers.Serializer):
    eligible = serializers.BooleanField(help_text="次の募集の受験資格があるか")
    reason = serializers.CharField(help_text="推計がない理由（対象外・同意なし）。ある場合は空")
    window_closes_on = serializers.DateField(allow_null=True, help_text="受験資格の期限")
    window_closes_on_wareki = serializers.CharField(help_text="和暦の期限（例: 令和11年3月31日）")
    clock = serializers.CharField(
        help_text="「応募資格はあと3年2か月（令和11年3月31日まで）」。期限がなければ空"
    )
    band = serializers.CharField(help_text="high・medium・low（推計がなければ空）")
    band_label = serializers.CharField(help_text="高・中・低（推計がなければ空）")
    probability = serializers.FloatField(allow_null=True, help_text="応募の見込み（0〜1）")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="主な理由（上位3つ、向き付き）"
    )
    model_label = serializers.CharField(help_text="推計の方法（「事前設定による推計」など）")
    is_prior = serializers.BooleanField()
    computed_on = serializers.DateField(allow_null=True)
    season_year = serializers.IntegerField(allow_null=True, help_text="次の募集の年度")
    applications_open = serializers.DateField(allow_null=True)
    applications_close = serializers.DateField(allow_null=True)
    policy = serializers.CharField()
    reminders = serializers.BooleanField(help_text="カムバック採用のお知らせを受け取るか")


class ComebackInput(serializers.Serializer):
    reminders = serializers.BooleanField(
        help_text="受験資格の期限が近づいたとき・申込受付が始まったときのお知らせを受け取る"
    )


def comeback_data(alumnus: Alumnus) -> dict[str, Any]:
    return {
        **asdict(person_comeback(alumnus=alumnus)),
        "reminders": reminder_opt_in_get(alumnus=alumnus),
    }


class MyComebackView(AlumniAPIView):
    permission_classes = [IsAlumnus]

    @extend_schema(
        responses={
            200: ComebackOutput,
            **SIGNED_IN,
            403: OpenApiResponse(description="アルムナイではない"),
        },
        summary="カムバック採用: 受験資格の期限・推計の区分と理由・お知らせの希望",
        operation_id="me_comeback",
    )
    def get(self, request: Request) -> Response:
        response = Response(ComebackOutput(comeback_data(self.alumnus())).data)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        request=ComebackInput,
        responses={200: ComebackOutput, **ERRORS, **SIGNED_IN},
        summary="カムバック採用のお知らせを受け取る・受け取らない",
        operation_id="me_comeback_update",
    )
    def patch(self, request: Request) -> Response:
        data = self.validated(ComebackInput)
        alumnus = self.alumnus()
        reminder_opt_in_set(alumnus=alumnus, opted_in=data["reminders"])
        response = Response(ComebackOutput(comeback_data(alumnus)).data)
        response["Cache-Control"] = "no-store"
        return response
