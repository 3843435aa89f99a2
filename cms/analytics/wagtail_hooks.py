"""The analytics domain in the Wagtail admin: 利用状況 and 個人情報ファイル簿."""

from typing import Any

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from cms.alumni.admin_views import AuditTarget
from cms.alumni.models import Alumnus

from . import admin_views


@hooks.register("register_admin_urls")
def register_urls() -> list[Any]:
    return [
        path("analytics/", admin_views.activity_view, name="analytics_activity"),
        path(
            "analytics/people/<int:alumnus_id>/",
            admin_views.person_activity_view,
            name="analytics_person",
        ),
        path("analytics/inventory/", admin_views.inventory_view, name="analytics_inventory"),
    ]


@hooks.register("register_audit_targets")
def register_audit_targets() -> dict[str, AuditTarget]:
    return {
        "signal_people": AuditTarget("利用状況（登録者の一覧）", Alumnus),
        "signal_person": AuditTarget("利用状況（個人別）", Alumnus),
    }


@hooks.register("register_admin_menu_item")
def register_activity_menu_item() -> MenuItem:
    return MenuItem("利用状況", reverse("analytics_activity"), icon_name="view", order=270)


@hooks.register("register_admin_menu_item")
def register_inventory_menu_item() -> MenuItem:
    return MenuItem(
        "個人情報ファイル簿", reverse("analytics_inventory"), icon_name="list-ul", order=280
    )
