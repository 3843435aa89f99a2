"""One shape for every API error: {"detail": "<Japanese message>", "errors": {field: [...]}}."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from cms.api_parsers import RequestTooLarge
from cms.errors import ServiceError

_MESSAGES_JA = {
    status.HTTP_400_BAD_REQUEST: "入力内容に誤りがあります。",
    status.HTTP_401_UNAUTHORIZED: "ログインしてください。",
    status.HTTP_403_FORBIDDEN: "この操作は許可されていません。",
    status.HTTP_404_NOT_FOUND: "見つかりませんでした。",
    status.HTTP_405_METHOD_NOT_ALLOWED: "この操作には対応していません。",
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: str(RequestTooLarge.default_detail),
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "JSON 形式で送信してください。",
    status.HTTP_429_TOO_MANY_REQUESTS: "操作が多すぎます。しばらく待ってからお試しください。",
    status.HTTP_500_INTERNAL_SERVER_ERROR: (
        "サーバーでエラーが発生しました。時間をおいて、もう一度お試しください。"
    ),
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a Japanese `detail` the PWA can show and field errors under `errors`."""
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        exc = exceptions.NotAuthenticated()
        exc.status_code = status.HTTP_401_UNAUTHORIZED
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    body: dict[str, Any] = {
        "detail": _MESSAGES_JA.get(response.status_code, "エラーが発生しました。")
    }
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        body["errors"] = {name: _messages(value) for name, value in fields.items()}
    elif (
        isinstance(data, dict)
        and isinstance(data.get("detail"), str)
        and _is_japanese(data["detail"])
    ):
        body["detail"] = data["detail"]
    response.data = body
    return response


def _messages(value: Any) -> list[str]:
    """A field's errors as the flat list of messages the contract promises. A list's item (its
    index as the key, from a ListField's child) or a nested field names where it is: the PWA
    shows the list as text, and an object there read 「[object Object]」."""
    if isinstance(value, dict):
        return [
            f"{_item_name(key)}: {message}"
            for key, inner in value.items()
            for message in _messages(inner)
        ]
    if isinstance(value, list | tuple):
        if all(isinstance(item, str) for item in value):
            return [str(item) for item in value]
        return _messages({index: item for index, item in enumerate(value) if item})
    return [str(value)]


def _item_name(key: Any) -> str:
    return f"{int(key) + 1} 番目" if str(key).isdigit() else str(key)


def _is_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def body_too_large(meta: dict[str, Any]) -> bool:
    """The request announces a body over API_MAX_REQUEST_BYTES, or no readable length."""
    length = meta.get("CONTENT_LENGTH") or "0"
    return not length.isdigit() or int(length) > settings.API_MAX_REQUEST_BYTES


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json_error(code: int) -> JsonResponse:
    return JsonResponse(
        {"detail": _MESSAGES_JA[code]}, status=code, json_dumps_params={"ensure_ascii": False}
    )


@csrf_exempt
def api_not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """The last route under /api/: an unknown API path is a JSON 404 (in DEBUG too)."""
    return _json_error(status.HTTP_404_NOT_FOUND)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: JSON under /api/ (e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    if _wants_json(request):
        return _json_error(status.HTTP_400_BAD_REQUEST)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: JSON under /api/."""
    if _wants_json(request):
        return _json_error(status.HTTP_403_FORBIDDEN)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON under /api/."""
    if _wants_json(request):
        return _json_error(status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/, so the PWA can show its message."""
    if _wants_json(request):
        return _json_error(status.HTTP_500_INTERNAL_SERVER_ERROR)
    return defaults.server_error(request)


class ServiceAPIView(APIView):
    """Base of the domains' API views: refuses oversized bodies before parsing, reads a body
    through its input serializer, and turns a service's refusal (`ServiceError`) into the
    API's error shape."""

    def validated(self, serializer: type[Serializer], *, partial: bool = False) -> dict[str, Any]:
        """The request's body as `serializer` reads it; when it does not, a 400 whose `errors`
        give each field's Japanese messages (see `exception_handler`)."""
        data = serializer(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if body_too_large(request.META):
            raise RequestTooLarge()
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ServiceError):
            body: dict[str, Any] = {"detail": exc.message}
            if exc.field_errors:
                body["errors"] = exc.field_errors
            response = Response(body, status=exc.status_code)
            if exc.retry_after is not None:
                response["Retry-After"] = str(exc.retry_after)
            return response
        return super().handle_exception(exc)
