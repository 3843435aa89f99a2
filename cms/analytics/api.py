"""The analytics JSON API: the PWA's batched beacon and the person's consent to analysis."""

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from cms.alumni.models import Alumnus
from cms.alumni.permissions import HasFreshSignIn, IsAlumnus, request_alumnus
from cms.api_errors import ServiceAPIView

from . import services
from .models import SIGNAL_PURPOSES, SignalChannel, SignalType
from .my_data import my_data_collect, my_data_csv

ERRORS = {400: OpenApiResponse(description="入力の誤り（detail と errors）")}
SIGNED_IN = {401: OpenApiResponse(description="ログインしていない")}
BAD_TYPE = "記録できない種類です（{input}）。"
STOP_EFFECT = (
    "分析への利用を止めると、次の操作から記録しなくなり、これまでに記録した利用状況"
    "（ログイン・閲覧などの記録と月ごとの回数）はすべて削除されます。"
)


class PlainTextJSONParser(JSONParser):
    """`navigator.sendBeacon` with a string sends `text/plain`: the same JSON under that type."""

    media_type = "text/plain"


class SessionWithoutToken(SessionAuthentication):
    """The session, without DRF's CSRF token: a beacon cannot set headers. `SameOrigin` checks
    the Origin header instead, which browsers always send on a POST."""

    def enforce_csrf(self, request: Any) -> None:
        return None


class SessionWithoutTokenScheme(OpenApiAuthenticationExtension):
    """The beacon's authentication in the OpenAPI schema: the session cookie."""

    target_class = SessionWithoutToken
    name = "beaconCookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


def _origin_allowed(request: Request) -> bool:
    origin = request.META.get("HTTP_ORIGIN", "")
    allowed = {settings.PWA_BASE_URL, settings.API_ORIGIN, *settings.CSRF_TRUSTED_ORIGINS}
    return bool(origin) and origin in allowed


class SignalInput(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=[SignalType.PAGE_VIEW, SignalType.NOTICE_OPENED],
        error_messages={"invalid_choice": BAD_TYPE},
    )
    id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    channel = serializers.ChoiceField(
        choices=[SignalChannel.PUSH, SignalChannel.EMAIL, SignalChannel.DIGEST], required=False
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["type"] == SignalType.NOTICE_OPENED and not attrs.get("channel"):
            raise serializers.ValidationError({"channel": ["通知かメールかを指定してください。"]})
        return attrs


class SignalBatchInput(serializers.Serializer):
    signals = serializers.ListField(
        child=SignalInput(),
        allow_empty=False,
        max_length=settings.SIGNALS_PER_BATCH,
        error_messages={
            "empty": "記録を 1 件以上送ってください。",
            "max_length": "一度に送れるのは {max_length} 件までです。",
            "not_a_list": "signals には記録の配列を送ってください。",
            "required": "signals に記録の配列を送ってください。",
        },
    )


class SignalsCreateView(ServiceAPIView):
    """The PWA's batched beacon: what a signed-in alumnus viewed or opened."""

    authentication_classes = [SessionWithoutToken]
    permission_classes = [IsAlumnus]
    parser_classes = [JSONParser, PlainTextJSONParser]

    @extend_schema(
        request=SignalBatchInput,
        responses={
            204: None,
            **ERRORS,
            **SIGNED_IN,
            403: OpenApiResponse(description="このサイト以外からの送信"),
        },
        summary="閲覧・開封の記録（分析に同意した方のみ個人として記録、ほかは匿名の閲覧数）",
    )
    def post(self, request: Request) -> Response:
        if not _origin_allowed(request):
            raise exceptions.PermissionDenied("このサイトの画面からのみ送信できます。")
        signals = self.validated(SignalBatchInput)["signals"]
        alumnus = request_alumnus(request)
        assert alumnus is not None
        services.signals_ingest(alumnus=alumnus, items=signals)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
            message = _first_message(response.data.get("errors"))
            if message:
                response.data["detail"] = message
        return response


def _first_message(errors: Any) -> str:
    """The first Japanese message among nested field errors, to say what was wrong."""
    if isinstance(errors, str):
        return errors if not errors.isascii() else ""
    if isinstance(errors, dict):
        errors = list(errors.values())
    if isinstance(errors, list):
        for item in errors:
            message = _first_message(item)
            if message:
                return message
    return ""


class ConsentOutput(serializers.Serializer):
    analysis = serializers.BooleanField()
    email = serializers.BooleanField()
    push = serializers.BooleanField()
    analysis_purposes = serializers.ListField(child=serializers.CharField())
    stopping_analysis = serializers.CharField()


class ConsentInput(serializers.Serializer):
    analysis = serializers.BooleanField()


def consent_data(alumnus: Alumnus) -> dict[str, Any]:
    purposes = {purpose.text for values in SIGNAL_PURPOSES.values() for purpose in values}
    return {
        "analysis": alumnus.consent_analytics,
        "email": alumnus.consent_email,
        "push": alumnus.consent_push,
        "analysis_purposes": sorted(purposes),
        "stopping_analysis": STOP_EFFECT,
    }


class ConsentsView(ServiceAPIView):
    permission_classes = [IsAlumnus]

    def _alumnus(self) -> Alumnus:
        alumnus = request_alumnus(self.request)
        assert alumnus is not None
        return alumnus

    @extend_schema(responses={200: ConsentOutput, **SIGNED_IN}, summary="同意の状態")
    def get(self, request: Request) -> Response:
        return Response(consent_data(self._alumnus()))

    @extend_schema(
        request=ConsentInput,
        responses={200: ConsentOutput, **ERRORS, **SIGNED_IN},
        summary="分析への利用の同意・停止（停止すると記録した利用状況を削除）",
    )
    def patch(self, request: Request) -> Response:
        given = self.validated(ConsentInput)["analysis"]
        alumnus = services.analysis_consent_set(alumnus=self._alumnus(), given=given)
        return Response(consent_data(alumnus))


class MyDataView(ServiceAPIView):
    """「自分のデータ」: on screen (JSON), as a JSON download, or as a CSV Excel opens; like
    開示, only on a session signed in within the last day."""

    permission_classes = [IsAlumnus, HasFreshSignIn]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # `?format=csv|json` chooses the download here, not DRF's renderer (there is one).
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=["json", "csv"],
                required=False,
                description="json: JSON のダウンロード、csv: Excel で開ける CSV（UTF-8, BOM 付き）",
            )
        ],
        responses={
            200: OpenApiResponse(description="保有するすべてのデータと利用目的・保存期間"),
            **SIGNED_IN,
        },
        summary="自分のデータ（保有する全項目と利用目的・保存期間、JSON/CSV のダウンロード）",
    )
    def get(self, request: Request) -> HttpResponse:
        data = my_data_collect(alumnus=self._alumnus())
        wanted = request._request.GET.get("format", "")
        stamp = f"{timezone.localdate():%Y%m%d}"
        response: HttpResponse
        if wanted == "csv":
            response = HttpResponse(my_data_csv(data=data), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.csv"'
        else:
            response = Response(data)
            if wanted == "json":
                response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
        response["Cache-Control"] = "no-store"
        return response

    def _alumnus(self) -> Alumnus:
        alumnus = request_alumnus(self.request)
        assert alumnus is not None
        return alumnus
