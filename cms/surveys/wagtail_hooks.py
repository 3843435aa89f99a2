"""The surveys domain in the Wagtail admin: the results screen and its exports, reached from the
survey's page header and its page listing, and their names in the audit log."""

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, path, reverse
from wagtail import hooks
from wagtail.admin.widgets import Button

from cms.alumni.admin_views import AuditTarget
from cms.alumni.models import Alumnus

from .admin_views import (
    EXPORT_TARGET,
    FREE_TEXT_TARGET,
    may_see_people,
    survey_export_view,
    survey_results_view,
)
from .models import SurveyPage

RESULTS_LABEL = "集計結果"


@hooks.register("register_admin_urls")
def register_survey_results_urls() -> list[URLPattern]:
    return [
        path("surveys/<int:survey_id>/", survey_results_view, name="surveys_results"),
        path(
            "surveys/<int:survey_id>/responses.xlsx",
            survey_export_view,
            {"format_key": "xlsx"},
            name="surveys_export_xlsx",
        ),
        path(
            "surveys/<int:survey_id>/responses.csv",
            survey_export_view,
            {"format_key": "csv"},
            name="surveys_export_csv",
        ),
        path(
            "surveys/<int:survey_id>/responses-sjis.csv",
            survey_export_view,
            {"format_key": "csv-sjis"},
            name="surveys_export_csv_sjis",
        ),
    ]


def _results_button(page: Any, user: Any, priority: int) -> Iterator[Button]:
    if isinstance(page.specific_deferred, SurveyPage) and (
        page.permissions_for_user(user).can_edit() or may_see_people(user)
    ):
        yield Button(
            RESULTS_LABEL,
            reverse("surveys_results", args=[page.pk]),
            icon_name="list-ul",
            priority=priority,
        )


@hooks.register("register_page_header_buttons")
def survey_results_header_button(
    page: Any, user: Any, view_name: str, next_url: str | None = None
) -> Iterator[Button]:
    yield from _results_button(page, user, 5)


@hooks.register("register_page_listing_more_buttons")
def survey_results_listing_button(
    page: Any, user: Any, next_url: str | None = None
) -> Iterator[Button]:
    yield from _results_button(page, user, 5)


@hooks.register("register_audit_targets")
def register_audit_targets() -> dict[str, AuditTarget]:
    return {
        EXPORT_TARGET: AuditTarget("アンケート回答の出力", Alumnus),
        FREE_TEXT_TARGET: AuditTarget("アンケートの自由記述", Alumnus),
    }
