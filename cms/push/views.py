"""The delivery monitor in the admin: how each notice reached its audience, and who was missed."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cms.content.models import NoticePage

from .selectors import alumni_under_reached, notice_delivery_figures


def delivery_monitor(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("push.view_delivery"):
        raise PermissionDenied
    today = timezone.localdate()
    try:
        month = dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        month = today.replace(day=1)
    notices = NoticePage.objects.live().order_by("-first_published_at")[:30]
    under_reached = list(alumni_under_reached(month=month)[:500])
    return render(
        request,
        "push/delivery_monitor.html",
        {
            "rows": notice_delivery_figures(notices=notices),
            "month": month,
            "under_reached": under_reached,
        },
    )
