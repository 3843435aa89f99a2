"""JSON API of surveys for the signed-in alumnus: the surveys open to me, one survey's current
version, and my one response (read, or put to create or replace it)."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from cms.alumni.permissions import IsAlumnus
from cms.api_errors import ServiceAPIView

from .models import SurveyPage, SurveyResponse
from .selectors import (
    survey_current_version,
    survey_for_alumnus,
    survey_is_open,
    survey_response_of,
    survey_responses_by_survey,
    surveys_listed_for,
)
from .services import survey_response_save

NOT_ANSWERED = "まだ回答していません。"

_ERROR = inline_serializer(
    "SurveyError",
    {
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(), required=False),
    },
)


def _alumnus(request: Request) -> Any:
    return request.user.alumnus  # type: ignore[union-attr]


def _survey_or_404(request: Request, survey_id: int) -> SurveyPage:
    survey = survey_for_alumnus(survey_id=survey_id, alumnus=_alumnus(request))
    if survey is None:
        raise NotFound("アンケートが見つかりません。")
    return survey


class SurveyItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="公開サイトでの説明ページのパス")
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    is_open = serializers.SerializerMethodField()
    answered = serializers.SerializerMethodField()
    answered_at = serializers.SerializerMethodField()

    def get_url(self, survey: SurveyPage) -> str:
        return survey.get_url() or ""

    def get_is_open(self, survey: SurveyPage) -> bool:
        return survey_is_open(survey=survey, now=self.context["now"])

    def _response(self, survey: SurveyPage) -> SurveyResponse | None:
        responses: dict[int, SurveyResponse] = self.context["responses"]
        return responses.get(survey.pk)

    def get_answered(self, survey: SurveyPage) -> bool:
        return self._response(survey) is not None

    @extend_schema(responses=serializers.DateTimeField(allow_null=True))
    def get_answered_at(self, survey: SurveyPage) -> str | None:
        response = self._response(survey)
        return response.updated_at.isoformat() if response else None


class SurveyListView(ServiceAPIView):
    """The surveys open to me (answered or not), then those closed in the last 30 days."""

    permission_classes = [IsAlumnus]

    class Output(serializers.Serializer):
        results = SurveyItemSerializer(many=True)

    @extend_schema(
        responses=Output, summary="回答できるアンケートの一覧", operation_id="survey_list"
    )
    def get(self, request: Request) -> Response:
        alumnus = _alumnus(request)
        now = timezone.now()
        surveys = list(surveys_listed_for(alumnus=alumnus, now=now))
        context = {"now": now, "responses": survey_responses_by_survey(alumnus=alumnus)}
        return Response({"results": SurveyItemSerializer(surveys, many=True, context=context).data})


class SurveyDetailView(ServiceAPIView):
    """One survey's current version: its questions, options and conditions (404 when it is not
    live or not for me)."""

    permission_classes = [IsAlumnus]

    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        intro = serializers.CharField(help_text="HTML")
        thank_you_text = serializers.CharField(help_text="HTML")
        version = serializers.IntegerField()
        opens_at = serializers.DateTimeField(allow_null=True)
        closes_at = serializers.DateTimeField(allow_null=True)
        is_open = serializers.BooleanField()
        questions = serializers.ListField(child=serializers.DictField())

        class Meta:
            ref_name = "SurveyDetail"

    @extend_schema(
        responses={200: Output, 404: _ERROR}, summary="アンケート", operation_id="survey_detail"
    )
    def get(self, request: Request, survey_id: int) -> Response:
        survey = _survey_or_404(request, survey_id)
        version = survey_current_version(survey=survey)
        if version is None:
            raise NotFound("アンケートが見つかりません。")
        return Response(
            self.Output(
                {
                    "id": survey.pk,
                    "title": survey.title,
                    "intro": str(survey.intro),
                    "thank_you_text": str(survey.thank_you_text),
                    "version": version.number,
                    "opens_at": survey.opens_at,
                    "closes_at": survey.closes_at,
                    "is_open": survey_is_open(survey=survey),
                    "questions": version.questions,
                }
            ).data
        )


class SurveyResponseOutput(serializers.Serializer):
    version = serializers.IntegerField(source="version.number")
    answers = serializers.DictField()
    targeting_consent = serializers.ListField(child=serializers.CharField())
    submitted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SurveyResponseView(ServiceAPIView):
    """My one response: GET reads it; PUT creates (201) or replaces (200) it until the survey
    closes, checked against the current version's rules."""

    permission_classes = [IsAlumnus]

    class Input(serializers.Serializer):
        version = serializers.IntegerField(min_value=1)
        answers = serializers.DictField()
        targeting_consent = serializers.ListField(
            child=serializers.CharField(max_length=64), required=False, default=list, max_length=200
        )

        class Meta:
            ref_name = "SurveyResponseInput"

    @extend_schema(
        responses={200: SurveyResponseOutput, 404: _ERROR},
        summary="自分の回答",
        operation_id="survey_response_get",
    )
    def get(self, request: Request, survey_id: int) -> Response:
        survey = _survey_or_404(request, survey_id)
        response = survey_response_of(survey=survey, alumnus=_alumnus(request))
        if response is None:
            raise NotFound(NOT_ANSWERED)
        return Response(SurveyResponseOutput(response).data)

    @extend_schema(
        request=Input,
        responses={
            200: SurveyResponseOutput,
            201: SurveyResponseOutput,
            400: OpenApiResponse(_ERROR, description="回答に誤りがあります（質問 id ごとの理由）"),
            403: OpenApiResponse(_ERROR, description="回答の受付期間外"),
            404: _ERROR,
            409: OpenApiResponse(_ERROR, description="アンケートの内容が更新された"),
        },
        summary="回答する（作成または置き換え）",
        operation_id="survey_response_put",
    )
    def put(self, request: Request, survey_id: int) -> Response:
        survey = _survey_or_404(request, survey_id)
        data = self.validated(self.Input)
        response, created = survey_response_save(
            survey=survey,
            alumnus=_alumnus(request),
            version_number=data["version"],
            answers=data["answers"],
            targeting_consent=data["targeting_consent"],
        )
        return Response(
            SurveyResponseOutput(response).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
