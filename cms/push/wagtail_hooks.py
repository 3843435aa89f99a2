"""Admin of the push domain: the delivery monitor (配信状況) and its drill-downs in the menu, and
the names of its audited listings in the audit log."""

from typing import Any

from django.urls import URLPattern, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from cms.alumni.admin_views import AuditTarget
from cms.alumni.models import Alumnus

from .views import (
    NoticeRecipientsView,
    PeopleSearchView,
    PersonDeliveriesView,
    UnderReachedView,
    delivery_monitor,
)


def _listing(view: Any, route: str, name: str) -> list[URLPattern]:
    """A report's page and the results fragment its filters and search refresh."""
    return [
        path(route, view.as_view(), name=name),
        path(f"{route}results/", view.as_view(results_only=True), name=f"{name}_results"),
    ]


@hooks.register("register_admin_urls")
def register_delivery_monitor_url() -> list[URLPattern]:
    return [
        path("delivery-monitor/", delivery_monitor, name="push_delivery_monitor"),
        *_listing(PeopleSearchView, "delivery-monitor/people/", "push_delivery_people"),
        *_listing(
            PersonDeliveriesView,
            "delivery-monitor/people/<int:alumnus_id>/",
            "push_delivery_person",
        ),
        *_listing(
            NoticeRecipientsView,
            "delivery-monitor/notices/<int:notice_id>/",
            "push_delivery_notice",
        ),
        *_listing(
            UnderReachedView, "delivery-monitor/under-reached/", "push_delivery_under_reached"
        ),
    ]


@hooks.register("register_audit_targets")
def register_audit_targets() -> dict[str, AuditTarget]:
    return {
        "delivery_people": AuditTarget("配信状況（人の検索）", Alumnus),
        "delivery_person": AuditTarget("配信状況（個人別）", Alumnus),
        "delivery_recipients": AuditTarget("配信状況（お知らせの受信者）", Alumnus),
        "delivery_under_reached": AuditTarget("配信状況（届いていない登録者）", Alumnus),
    }


class DeliveryMonitorMenuItem(MenuItem):
    def is_shown(self, request: object) -> bool:
        user = getattr(request, "user", None)
        return bool(user and user.has_perm("push.view_delivery"))


@hooks.register("register_admin_menu_item")
def register_delivery_monitor_menu_item() -> MenuItem:
    return DeliveryMonitorMenuItem(
        "配信状況", reverse("push_delivery_monitor"), icon_name="mail", order=260
    )
