"""The benchmark's baseline: a bare Django JSON view (routed only when CHAT_BENCH_BASELINE)."""

from django.http import HttpRequest, JsonResponse


def bare_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
