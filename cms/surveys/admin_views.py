"""HR's results screen of a survey (response rate, tallies as charts beside their tables, free
text, small-cell-safe cross-tabs) and its three exports, each written to the audit log.

Who sees what: anyone who may edit the survey page sees the aggregates; only staff who may view
alumni (`alumni.view_alumnus`) see the free-text answers (their content can name a person) and
may download the exports (a row per person)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from cms.alumni.models import AuditAction
from cms.alumni.services import audit_log_record

from .exports import EXPORT_FORMATS, export_csv_cp932
from .models import SurveyPage
from .results import (
    BELOW_SMALL,
    HIDDEN,
    SMALL_CELL,
    QuestionTally,
    survey_catalogue,
    survey_response_records,
    survey_results,
)

PEOPLE_PERMISSION = "alumni.view_alumnus"
EXPORT_TARGET = "survey_export"
FREE_TEXT_TARGET = "survey_free_text"
# The bar chart's geometry (SVG user units): a label line, then the bar and its number.
CHART_WIDTH = 440
BAR_MAX = 280
ROW_HEIGHT = 44


def may_see_people(user: Any) -> bool:
    return bool(user.has_perm(PEOPLE_PERMISSION))


def _survey_for(request: HttpRequest, survey_id: int) -> SurveyPage:
    survey = get_object_or_404(SurveyPage, pk=survey_id)
    if not (survey.permissions_for_user(request.user).can_edit() or may_see_people(request.user)):
        raise PermissionDenied
    return survey


def _chart(tally: QuestionTally) -> dict[str, Any]:
    """The bars of a choice question, drawn as SVG by the template (no script, no library)."""
    top = max((o.count for o in tally.options), default=0)
    bars = []
    for index, option in enumerate(tally.options):
        width = round(BAR_MAX * option.count / top) if top else 0
        y = index * ROW_HEIGHT
        bars.append(
            {
                "label": option.option.label,
                "count": option.count,
                "percent": option.percent,
                "label_y": y + 15,
                "bar_y": y + 22,
                "width": max(width, 1 if option.count else 0),
                "number_x": width + 6,
                "number_y": y + 35,
            }
        )
    return {"bars": bars, "height": ROW_HEIGHT * len(bars), "width": CHART_WIDTH}


def survey_results_view(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey_for(request, survey_id)
    results = survey_results(survey=survey)
    people = may_see_people(request.user)
    questions = [
        {"number": number, "tally": tally, "chart": _chart(tally) if tally.options else None}
        for number, tally in enumerate(results.tallies, start=1)
    ]
    cp932_replaced = ""
    if people:
        shown = [t.alumnus_id for tally in results.tallies for t in tally.texts]
        if shown:
            audit_log_record(
                actor=request.user,
                action=AuditAction.VIEW,
                target=FREE_TEXT_TARGET,
                record_ids=sorted(set(shown)),
                detail=f"{survey.title}（ID {survey.pk}）",
            )
        # Said before the download: which characters the CP932 file will not have.
        cp932_replaced = export_csv_cp932(
            title=survey.title,
            catalogue=survey_catalogue(survey=survey),
            records=survey_response_records(survey=survey),
        ).replaced_text
    return TemplateResponse(
        request,
        "surveys/admin/results.html",
        {
            "survey": survey,
            "results": results,
            "questions": questions,
            "numbers": {tally.question.id: n for n, tally in enumerate(results.tallies, 1)},
            "may_see_people": people,
            "cp932_replaced": cp932_replaced,
            "small_cell": SMALL_CELL,
            "below_small": BELOW_SMALL,
            "hidden": HIDDEN,
            "exports": [(key, label) for key, (label, _) in EXPORT_FORMATS.items()],
        },
    )


def survey_export_view(request: HttpRequest, survey_id: int, format_key: str) -> HttpResponse:
    survey = _survey_for(request, survey_id)
    if not may_see_people(request.user):
        raise PermissionDenied
    if format_key not in EXPORT_FORMATS:
        raise Http404
    label, writer = EXPORT_FORMATS[format_key]
    records = survey_response_records(survey=survey)
    exported = writer(
        title=f"{survey.title}_{timezone.localdate():%Y%m%d}",
        catalogue=survey_catalogue(survey=survey),
        records=records,
    )
    detail = f"{survey.title}（ID {survey.pk}） {label}"
    if exported.replaced:
        detail += f" 置き換えた文字: {exported.replaced_text}"
    audit_log_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        target=EXPORT_TARGET,
        record_ids=[r.alumnus_id for r in records],
        detail=detail,
    )
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=exported.filename
    )
    response["Cache-Control"] = "no-store"
    return response
