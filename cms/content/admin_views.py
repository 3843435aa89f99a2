"""The admin's list of pages the static build could not render (サイト生成の失敗)."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView

from cms.admin_listing import time_column

from .models import BuildFailure
from .selectors import build_failures


def _state(failure: BuildFailure) -> str:
    if failure.kept_previous:
        return "以前の版を公開中（変更は未反映）"
    return "未公開（サイトに出ていません）"


class BuildFailuresView(ReportView):
    """Each page the last build could not render: which, why, since when, and what the public
    site shows meanwhile. A page leaves the list once a build renders it again."""

    page_title = "サイト生成の失敗"
    header_icon = "warning"
    index_url_name = "content_build_failures"
    index_results_url_name = "content_build_failures_results"
    paginate_by = 50
    columns = [
        TitleColumn(
            "page",
            label="ページ",
            accessor=lambda f: f.page.title,
            get_url=lambda f: reverse("wagtailadmin_pages:edit", args=[f.page_id]),
        ),
        Column("path", label="公開URL"),
        Column("reason", label="理由"),
        Column("state", label="サイトの状態", accessor=_state),
        time_column("since", "失敗した日時"),
        time_column("last_seen", "最後に試した日時"),
    ]

    def get_queryset(self) -> QuerySet[BuildFailure]:
        return build_failures()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["no_results_message"] = "失敗しているページはありません。すべて公開されています。"
        return context


build_failures_view = BuildFailuresView.as_view()
build_failures_results_view = BuildFailuresView.as_view(results_only=True)
