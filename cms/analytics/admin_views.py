"""HR's screens of the analytics domain: activity (per person for staff who may see alumni,
audited; per page for everyone else) and the inventory of personal data (個人情報ファイル簿)."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import F, Max, Sum, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from cms.alumni.models import Alumnus, AuditAction
from cms.alumni.services import audit_log_record
from cms.reports.periods import wareki_month

from .inventory import inventory_entries
from .models import (
    MONTHLY_TYPE_FIELDS,
    MONTHLY_VIEW_FIELDS,
    SIGNAL_PURPOSES,
    Signal,
    SignalMonthly,
    SignalType,
)
from .selectors import alumnus_activity, page_view_totals

PEOPLE_PERMISSION = "alumni.view_alumnus"
TOTALS_DAYS = 90
PEOPLE_SHOWN = 200


def _may_see_people(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(PEOPLE_PERMISSION))


def activity_view(request: HttpRequest) -> HttpResponse:
    """Views per page for every member of staff; the activity of each consenting alumnus for
    staff with the alumni permission (that listing is written to the audit log)."""
    since = timezone.localdate() - dt.timedelta(days=TOTALS_DAYS)
    # A person's counts are kept a month at a time: the months that hold the 90 days, said so.
    people_since = since.replace(day=1)
    people: list[dict[str, object]] = []
    if _may_see_people(request):
        month = timezone.localdate().replace(day=1)
        months = SignalMonthly.objects.filter(month__gte=people_since)
        every_type = sum((F(field) for field in MONTHLY_TYPE_FIELDS.values()), Value(0))
        views_only = sum((F(field) for field in MONTHLY_VIEW_FIELDS.values()), Value(0))
        rows = (
            months.values("alumnus_id")
            .annotate(total=Sum(every_type), views=Sum(views_only))
            .order_by("-total")[:PEOPLE_SHOWN]
        )
        totals = {row["alumnus_id"]: row["total"] for row in rows}
        views = {row["alumnus_id"]: row["views"] for row in rows}
        logins = dict(
            SignalMonthly.objects.filter(alumnus_id__in=totals, month=month).values_list(
                "alumnus_id", "logins"
            )
        )
        last = dict(
            Signal.objects.filter(alumnus_id__in=totals)
            .values("alumnus_id")
            .annotate(last=Max("occurred_at"))
            .values_list("alumnus_id", "last")
        )
        alumni = Alumnus.objects.in_bulk(list(totals))
        people = [
            {
                "alumnus": alumni[pk],
                "logins": logins.get(pk, 0),
                "views": views.get(pk, 0),
                "last": last.get(pk),
            }
            for pk in totals
            if pk in alumni
        ]
        audit_log_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target="signal_people",
            record_ids=list(totals),
        )
    return render(
        request,
        "analytics/activity.html",
        {
            "pages": page_view_totals(since=since)[:100],
            "days": TOTALS_DAYS,
            "people": people,
            "may_see_people": _may_see_people(request),
            "people_since": wareki_month(people_since),
            "people_shown": PEOPLE_SHOWN,
        },
    )


def person_activity_view(request: HttpRequest, alumnus_id: int) -> HttpResponse:
    """One alumnus: logins a month, views by kind of content, last active (audited)."""
    if not _may_see_people(request):
        raise PermissionDenied
    alumnus = get_object_or_404(Alumnus, pk=alumnus_id)
    activity = alumnus_activity(alumnus=alumnus)
    audit_log_record(
        actor=request.user, action=AuditAction.VIEW, target="signal_person", record_ids=[alumnus.pk]
    )
    return render(
        request,
        "analytics/person_activity.html",
        {"alumnus": alumnus, "activity": activity},
    )


def inventory_view(request: HttpRequest) -> HttpResponse:
    """個人情報ファイル簿: every table of personal data, its items, purpose, retention, readers."""
    purposes = sorted({(p.code, p.text) for values in SIGNAL_PURPOSES.values() for p in values})
    signal_types = [
        (label, [p.code for p in SIGNAL_PURPOSES.get(value, ())])
        for value, label in SignalType.choices
    ]
    return render(
        request,
        "analytics/inventory.html",
        {
            "entries": [entry.as_dict() for entry in inventory_entries()],
            "purposes": purposes,
            "signal_types": signal_types,
        },
    )
