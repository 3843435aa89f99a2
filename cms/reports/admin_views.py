"""HR's screens of the reports: the dashboard of a month and the report downloads (aggregates
only, so nothing here is written to the audit log)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cms.staff_roles import ROLES

from .charts import chart_svg
from .exports import csv_cp932, csv_utf8, xlsx_file
from .pdf import completion_pdf
from .periods import (
    Period,
    PeriodError,
    fiscal_year_of,
    fiscal_year_period,
    month_period,
    parse_fiscal_year,
    parse_month,
)
from .selectors import Figures, fiscal_year_figures, month_figures

MONTHLY_FORMATS = {"xlsx": xlsx_file, "csv": csv_utf8, "csv-sjis": csv_cp932}
COMPLETION_FORMATS = {"pdf": completion_pdf, "xlsx": xlsx_file}


def may_see_reports(user: Any) -> bool:
    """Superusers and the staff of HR's roles."""
    return bool(
        user.is_active and (user.is_superuser or user.groups.filter(name__in=list(ROLES)).exists())
    )


def _require_hr(request: HttpRequest) -> None:
    if not may_see_reports(request.user):
        raise PermissionDenied("実績と報告は人事課の職員だけが見られます。")


def figures_context(figures: Figures) -> dict[str, Any]:
    """What templates/reports/figures.html shows: the summary, then each table with its chart."""
    return {
        "figures": figures,
        "summary": figures.table("summary"),
        "sections": [
            {"table": table, "chart": chart_svg(table)}
            for table in figures.tables
            if table.key != "summary"
        ],
    }


def _month(request: HttpRequest) -> tuple[Period, str]:
    text = request.GET.get("month", "")
    if not text:
        return month_period(timezone.localdate()), ""
    try:
        return parse_month(text), ""
    except PeriodError as error:
        return month_period(timezone.localdate()), str(error)


def dashboard_view(request: HttpRequest) -> HttpResponse:
    _require_hr(request)
    period, error = _month(request)
    context = figures_context(month_figures(period))
    context.update(
        month_value=f"{period.start:%Y-%m}",
        year=fiscal_year_period(fiscal_year_of(period.start)),
        error=error,
    )
    return render(request, "reports/dashboard.html", context, status=400 if error else 200)


def _attachment(file: Any) -> HttpResponse:
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    return response


def monthly_download_view(request: HttpRequest, fmt: str) -> HttpResponse:
    _require_hr(request)
    if fmt not in MONTHLY_FORMATS:
        raise Http404
    period, error = _month(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    return _attachment(MONTHLY_FORMATS[fmt](month_figures(period)))


def completion_download_view(request: HttpRequest, fmt: str) -> HttpResponse:
    _require_hr(request)
    if fmt not in COMPLETION_FORMATS:
        raise Http404
    try:
        period = parse_fiscal_year(request.GET.get("year", ""))
    except PeriodError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    return _attachment(COMPLETION_FORMATS[fmt](fiscal_year_figures(period)))
