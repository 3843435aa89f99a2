"""The comeback estimate in the Wagtail admin: the 「カムバック推計」 menu (the list of estimates,
seasons, the import of who applied, the model versions) and the audit log's names."""

from typing import Any

from django.db import models
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet

from cms.admin_forms import AdminModelForm, field_panels, japanese_dates
from cms.admin_menu import ShownMenuItem, holding
from cms.alumni.admin_views import AuditTarget
from cms.alumni.models import Alumnus
from cms.alumni.normalise import wareki

from . import admin_views
from .models import Season

MENU_HOOK = "register_comeback_menu_item"
SEASON_DATES = ("applications_open", "applications_close", "selection_on", "appointment_on")


class SeasonForm(AdminModelForm):
    """A season's dates typed and shown in 和暦, as its name (令和9年度) is."""

    class Meta:
        model = Season
        fields: tuple[str, ...] = ()
        field_classes = japanese_dates(*SEASON_DATES)


def wareki_column(name: str) -> Column:
    """A date column of a listing in 和暦 (the season's own name is in 和暦 beside it)."""
    field = Season._meta.get_field(name)
    assert isinstance(field, models.DateField)
    return Column(
        name,
        label=field.verbose_name,
        accessor=lambda season: wareki(getattr(season, name)),
        sort_key=name,
    )


class SeasonViewSet(ModelViewSet):
    """募集年度: each year's application period, selection, appointment and rules."""

    model = Season
    icon = "date"
    menu_label = "募集年度"
    add_to_admin_menu = False
    list_display = ["__str__", *(wareki_column(name) for name in SEASON_DATES)]
    edit_handler = field_panels(
        [
            "year",
            *SEASON_DATES,
            "min_service_years",
            "max_years_since_leaving",
            "min_age",
            "max_age",
        ],
        base_form_class=SeasonForm,
    )


season_viewset = SeasonViewSet("comeback_season")


@hooks.register("register_admin_viewset")
def register_season_viewset() -> SeasonViewSet:
    return season_viewset


@hooks.register("register_admin_urls")
def register_urls() -> list[Any]:
    return [
        path("comeback/", admin_views.EstimateListView.as_view(), name="comeback_estimates"),
        path(
            "comeback/results/",
            admin_views.EstimateListView.as_view(results_only=True),
            name="comeback_estimates_results",
        ),
        path(
            "comeback/estimates.<str:format_key>",
            admin_views.estimates_export_view,
            name="comeback_export",
        ),
        path("comeback/people/<int:alumnus_id>/", admin_views.person_view, name="comeback_person"),
        path(
            "comeback/outcomes/import/",
            admin_views.outcomes_import_view,
            name="comeback_outcomes_import",
        ),
        path("comeback/models/", admin_views.model_versions_view, name="comeback_model_versions"),
        path(
            "comeback/models/<int:version_id>/",
            admin_views.model_version_view,
            name="comeback_model_version",
        ),
        path(
            "comeback/models/<int:version_id>/reliability.png",
            admin_views.reliability_png_view,
            name="comeback_reliability_png",
        ),
    ]


@hooks.register("register_audit_targets")
def register_audit_targets() -> dict[str, AuditTarget]:
    return {
        "comeback_estimates": AuditTarget("カムバック推計（一覧）", Alumnus),
        "comeback_person": AuditTarget("カムバック推計（個人別）", Alumnus),
        "comeback_export": AuditTarget("カムバック推計（出力）", Alumnus),
        "comeback_outcome": AuditTarget("カムバック採用の応募結果", Alumnus),
        "comeback_outcomes_import": AuditTarget("カムバック採用の応募結果の取り込み", Alumnus),
        "comeback_model": AuditTarget("カムバック推計のモデル切り替え"),
    }


@hooks.register(MENU_HOOK)
def menu_estimates() -> MenuItem:
    return ShownMenuItem(
        "推計の一覧",
        reverse("comeback_estimates"),
        shown=holding(admin_views.ESTIMATE_PERMISSION),
        icon_name="view",
        order=10,
    )


@hooks.register(MENU_HOOK)
def menu_seasons() -> MenuItem:
    return ShownMenuItem(
        "募集年度",
        reverse(season_viewset.get_url_name("index")),
        shown=holding("comeback.view_season"),
        icon_name="date",
        order=20,
    )


@hooks.register(MENU_HOOK)
def menu_outcomes_import() -> MenuItem:
    return ShownMenuItem(
        "応募結果の取り込み",
        reverse("comeback_outcomes_import"),
        shown=holding(admin_views.OUTCOME_PERMISSION),
        icon_name="upload",
        order=30,
    )


@hooks.register(MENU_HOOK)
def menu_model_versions() -> MenuItem:
    return ShownMenuItem(
        "推計モデル",
        reverse("comeback_model_versions"),
        shown=holding("comeback.view_modelversion"),
        icon_name="cogs",
        order=40,
    )


@hooks.register("register_admin_menu_item")
def menu_comeback() -> MenuItem:
    return SubmenuMenuItem(
        "カムバック推計", Menu(register_hook_name=MENU_HOOK), icon_name="view", order=260
    )
