"""Admin of the push domain: the delivery monitor (配信状況) in the menu."""

from django.urls import URLPattern, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .views import delivery_monitor


@hooks.register("register_admin_urls")
def register_delivery_monitor_url() -> list[URLPattern]:
    return [path("delivery-monitor/", delivery_monitor, name="push_delivery_monitor")]


class DeliveryMonitorMenuItem(MenuItem):
    def is_shown(self, request: object) -> bool:
        user = getattr(request, "user", None)
        return bool(user and user.has_perm("push.view_delivery"))


@hooks.register("register_admin_menu_item")
def register_delivery_monitor_menu_item() -> MenuItem:
    return DeliveryMonitorMenuItem(
        "配信状況", reverse("push_delivery_monitor"), icon_name="mail", order=260
    )
