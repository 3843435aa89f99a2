"""Admin views of the content domain: the notice editor's reach preview as JSON."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from wagtail.permission_policies.pages import PagePermissionPolicy

from cms.groups.models import AudienceGroup

from .models import Visibility
from .reach import notice_reach_text


@require_GET
def notice_reach(request: HttpRequest) -> JsonResponse:
    """`?visibility=groups&audience_groups=3&audience_groups=5&notify_alumni=on`: the editor's
    unsaved choices. Only counts leave this view, never who the people are."""
    if not PagePermissionPolicy().user_has_any_permission(request.user, ["add", "change"]):
        raise PermissionDenied
    visibility = request.GET.get("visibility", "")
    if visibility not in Visibility.values:
        return JsonResponse({"detail": "公開範囲の指定が正しくありません。"}, status=400)
    ids = [value for value in request.GET.getlist("audience_groups") if value.isdigit()]
    groups = AudienceGroup.objects.filter(pk__in=ids)
    text = notice_reach_text(
        visibility=visibility,
        audience_groups=groups,
        notify_alumni=request.GET.get("notify_alumni") in ("on", "true", "1"),
    )
    return JsonResponse({"text": text})
