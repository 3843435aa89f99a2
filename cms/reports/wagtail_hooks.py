"""The reports in the Wagtail admin: the month's figures as the home of HR's staff, the page
to pick a month and download the reports, and the incidents HR records."""

from typing import Any

from django.forms import Media
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.admin_menu import ShownMenuItem

from . import admin_views
from .models import Incident
from .periods import month_period
from .selectors import month_figures


@hooks.register("register_admin_urls")
def register_urls() -> list[Any]:
    return [
        path("reports/", admin_views.dashboard_view, name="reports_dashboard"),
        path(
            "reports/monthly/<str:fmt>/",
            admin_views.monthly_download_view,
            name="reports_monthly_download",
        ),
        path(
            "reports/completion/<str:fmt>/",
            admin_views.completion_download_view,
            name="reports_completion_download",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_menu_item() -> MenuItem:
    return ShownMenuItem(
        "実績と報告",
        reverse("reports_dashboard"),
        shown=admin_views.may_see_reports,
        icon_name="table",
        order=90,
    )


class MonthFiguresPanel(Component):
    """This month's figures, first on the admin's home of HR's staff."""

    name = "report_dashboard"
    order = 10
    template_name = "reports/home_panel.html"

    @property
    def media(self) -> Media:
        return Media(css={"all": [static("reports/dashboard.css")]})

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        return admin_views.figures_context(month_figures(month_period(timezone.localdate())))


@hooks.register("construct_homepage_panels")
def add_month_figures(request: HttpRequest, panels: list[Any]) -> None:
    if admin_views.may_see_reports(request.user):
        panels.insert(0, MonthFiguresPanel())


class IncidentViewSet(SnippetViewSet):
    model = Incident
    icon = "warning"
    menu_label = "セキュリティ事故"
    menu_order = 95
    add_to_admin_menu = False
    list_display = ("occurred_on", "title", "recorded_at")


register_snippet(IncidentViewSet)


@hooks.register("after_create_snippet")
def incident_recorded_by(request: HttpRequest, instance: Any) -> None:
    if isinstance(instance, Incident) and instance.recorded_by_id is None:
        Incident.objects.filter(pk=instance.pk).update(recorded_by=request.user)
