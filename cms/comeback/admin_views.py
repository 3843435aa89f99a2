"""HR's screens of the comeback estimate: the list of latest estimates (filtered, sorted and
paginated in the database, each page audited), one person's panel, the export, the import and
recording of who applied, and the model versions with their metrics.

Every screen and every export states the policy (`POLICY`). Staff who may not view alumni
(`alumni.view_alumnus`) see the band counts only, never a name."""

import base64
import binascii
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView

from cms.admin_forms import focus_first_error
from cms.alumni.admin_views import AuditedListingMixin
from cms.alumni.models import Alumnus, AuditAction
from cms.alumni.normalise import wareki, wareki_with_year
from cms.alumni.services import audit_log_record
from cms.errors import ServiceError

from . import services
from .exports import EXPORT_FORMATS, estimate_rows
from .models import Band, Estimate, ModelVersion, Season
from .selectors import (
    comeback_band_counts,
    comeback_estimate,
    estimate_as_result,
    estimates_listed,
    estimates_not_listed_count,
    model_version_active,
)

POLICY = "推計は情報提供の優先付けのためのもので、選考には用いません"
ESTIMATE_PERMISSION = "comeback.view_estimate"
PEOPLE_PERMISSION = "alumni.view_alumnus"
OUTCOME_PERMISSION = "comeback.add_outcome"
MODEL_PERMISSION = "comeback.change_modelversion"
# The previewed file travels back signed in the confirmation form, within Django's
# DATA_UPLOAD_MAX_MEMORY_SIZE; an applicants' list of thousands of rows is far smaller.
MAX_UPLOAD_BYTES = 1024 * 1024
HISTORY_SHOWN = 24
NO_BAND = "none"


def may_see_people(user: Any) -> bool:
    return bool(user.has_perm(ESTIMATE_PERMISSION) and user.has_perm(PEOPLE_PERMISSION))


def _needs(request: HttpRequest, *permissions: str) -> None:
    if not all(request.user.has_perm(p) for p in permissions):
        raise PermissionDenied


def percent(probability: float | None) -> str:
    return "—" if probability is None else f"{probability * 100:.1f}%"


def model_context() -> dict[str, Any]:
    """The policy and how the estimates are made, for the head of every screen."""
    version = model_version_active()
    is_prior = version is None or version.kind == "prior"
    return {
        "policy": POLICY,
        "model_label": "事前設定による推計" if is_prior else version.label,  # type: ignore[union-attr]
        "is_prior": is_prior,
    }


# --- the list ----------------------------------------------------------------------------------


def _departments(request: HttpRequest | None = None) -> list[tuple[str, str]]:
    names = (
        Alumnus.objects.exclude(former_department="")
        .order_by("former_department")
        .values_list("former_department", flat=True)
        .distinct()
    )
    return [(name, name) for name in names]


class EstimateFilterSet(WagtailFilterSet):
    band = django_filters.ChoiceFilter(
        label="区分",
        choices=[(b.value, b.label) for b in (Band.HIGH, Band.MEDIUM, Band.LOW)]
        + [(NO_BAND, "推計なし")],
        method="filter_band",
        empty_label="すべて",
        widget=forms.RadioSelect,
    )
    eligible = django_filters.ChoiceFilter(
        label="受験資格",
        choices=[("yes", "対象"), ("no", "対象外")],
        method="filter_eligible",
        empty_label="すべて",
        widget=forms.RadioSelect,
    )
    department = django_filters.ChoiceFilter(
        label="退職時の所属",
        field_name="alumnus__former_department",
        choices=_departments,
        empty_label="すべて",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Estimate
        fields: list[str] = []

    def filter_band(self, queryset: QuerySet[Estimate], name: str, value: str) -> Any:
        return queryset.filter(band="" if value == NO_BAND else value)

    def filter_eligible(self, queryset: QuerySet[Estimate], name: str, value: str) -> Any:
        return queryset.filter(eligible=value == "yes")


def _reasons(row: Estimate) -> str:
    result = row.result  # type: ignore[attr-defined]
    if result.probability is None:
        return str(result.reason or result.eligibility.reason)
    return "、".join(result.top_reasons)


def _eligibility(row: Estimate) -> str:
    return "対象" if row.eligible else "対象外"


ESTIMATE_COLUMNS = [
    TitleColumn(
        "name",
        label="氏名",
        accessor=lambda row: str(row.alumnus),
        get_url=lambda row: reverse("comeback_person", args=[row.alumnus_id]),
        sort_key="alumnus__family_name_kana",
    ),
    Column(
        "department",
        label="退職時の所属",
        accessor=lambda row: row.alumnus.former_department or "—",
        sort_key="alumnus__former_department",
    ),
    Column("eligible", label="受験資格", accessor=_eligibility, sort_key="eligible"),
    Column(
        "band",
        label="区分",
        accessor=lambda row: row.get_band_display() if row.band else "—",
        sort_key="probability",
    ),
    Column(
        "probability",
        label="応募の見込み",
        accessor=lambda row: percent(row.probability),
        sort_key="probability",
    ),
    Column("reasons", label="主な理由（上位3つ）／推計しない理由", accessor=_reasons),
    Column(
        "window",
        label="受験資格の期限",
        accessor=lambda row: wareki(row.window_closes_on) if row.window_closes_on else "—",
        sort_key="window_closes_on",
    ),
]


def estimates_ordered(queryset: QuerySet[Estimate], ordering: str) -> QuerySet[Estimate]:
    """By one column (`-` first: descending), people without that value last on every
    database (PostgreSQL puts NULL first when descending), then by name."""
    field = ordering.lstrip("-")
    expression = (
        F(field).desc(nulls_last=True)
        if ordering.startswith("-")
        else F(field).asc(nulls_last=True)
    )
    return queryset.order_by(expression, "alumnus__family_name_kana", "pk")


class EstimateListView(AuditedListingMixin, ReportView):
    """カムバック推計: the latest estimate of each registered alumnus (names: audited)."""

    page_title = "カムバック推計"
    header_icon = "view"
    index_url_name = "comeback_estimates"
    index_results_url_name = "comeback_estimates_results"
    template_name = "comeback/admin/estimates.html"
    filterset_class = EstimateFilterSet
    paginate_by = 50
    audit_target = "comeback_estimates"
    columns = ESTIMATE_COLUMNS
    default_ordering = "-probability"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _needs(request, ESTIMATE_PERMISSION)
        if not may_see_people(request.user):
            return TemplateResponse(
                request,
                "comeback/admin/summary.html",
                {**model_context(), "counts": comeback_band_counts()},
            )
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Estimate]:
        return estimates_listed()

    def order_queryset(self, queryset: QuerySet[Estimate]) -> QuerySet[Estimate]:
        return estimates_ordered(queryset, self.ordering or self.default_ordering)

    def decorate_paginated_queryset(self, object_list: Any) -> list[Estimate]:
        rows = list(object_list)
        for row in rows:
            row.result = estimate_as_result(row)
        return rows

    def audit_record_ids(self, object_list: Any) -> list[Any]:
        return [row.alumnus_id for row in object_list]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(model_context())
        context["not_listed"] = estimates_not_listed_count()
        suffix = f"?{query.urlencode()}" if query else ""
        context["exports"] = [
            (label, reverse("comeback_export", args=[key]) + suffix)
            for key, (label, _) in EXPORT_FORMATS.items()
        ]
        return context


def estimates_export_view(request: HttpRequest, format_key: str) -> HttpResponse:
    """The list as filtered, every row (not only the page), with the policy; audited."""
    _needs(request, ESTIMATE_PERMISSION, PEOPLE_PERMISSION)
    if format_key not in EXPORT_FORMATS:
        raise Http404
    label, writer = EXPORT_FORMATS[format_key]
    orderings = {column.sort_key for column in ESTIMATE_COLUMNS if column.sort_key}
    ordering = request.GET.get("ordering", "-probability")
    if ordering.lstrip("-") not in orderings:
        ordering = "-probability"
    filterset = EstimateFilterSet(request.GET, queryset=estimates_listed(), request=request)
    chosen = filterset.qs if filterset.is_valid() else estimates_listed()
    estimates = list(estimates_ordered(chosen, ordering))
    exported = writer(rows=estimate_rows(estimates=estimates), policy=POLICY)
    detail = label
    if exported.replaced:
        detail += f" 置き換えた文字: {exported.replaced_text}"
    audit_log_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        target="comeback_export",
        record_ids=[estimate.alumnus_id for estimate in estimates],
        detail=detail,
    )
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=exported.filename
    )
    response["Cache-Control"] = "no-store"
    return response


# --- one person --------------------------------------------------------------------------------


class OutcomeForm(forms.Form):
    season = forms.ModelChoiceField(
        label="募集年度", queryset=Season.objects.all(), empty_label="選んでください"
    )
    applied = forms.BooleanField(label="応募した", required=False)
    hired = forms.BooleanField(label="採用された", required=False)


def _history(alumnus: Alumnus) -> list[dict[str, Any]]:
    rows = (
        Estimate.objects.filter(alumnus=alumnus)
        .select_related("model_version__season")
        .order_by("-computed_on")[:HISTORY_SHOWN]
    )
    return [
        {
            "computed_on": wareki(row.computed_on),
            "band": row.get_band_display() if row.band else "—",
            "probability": percent(row.probability),
            "model": row.model_version.label if row.model_version else "—",
            "changed": row.changed or "—",
            "reason": row.reason,
        }
        for row in rows
    ]


def _contributions(result: Any) -> list[dict[str, Any]]:
    return [
        {
            "label": c.label,
            "sign": "＋" if c.log_odds > 0 else ("−" if c.log_odds < 0 else "±"),
            "value": f"{c.log_odds:+.3f}",
            "is_intercept": c.code == "intercept",
        }
        for c in sorted(result.contributions, key=lambda c: -abs(c.log_odds))
    ]


def _outcome_recorded(request: HttpRequest, form: OutcomeForm, alumnus: Alumnus) -> bool:
    """Record through the service (its rules); a refusal becomes the form's field error."""
    try:
        services.outcome_record(
            season=form.cleaned_data["season"],
            alumnus=alumnus,
            applied=form.cleaned_data["applied"],
            hired=form.cleaned_data["hired"],
            actor=request.user,
        )
    except ServiceError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return False
    return True


def person_view(request: HttpRequest, alumnus_id: int) -> HttpResponse:
    """One person: probability, band, every contribution with its sign, eligibility and the
    window's closing date, the history of estimates, and the recording of an outcome."""
    _needs(request, ESTIMATE_PERMISSION, PEOPLE_PERMISSION)
    alumnus = get_object_or_404(Alumnus, pk=alumnus_id)
    form = OutcomeForm()
    if request.method == "POST":
        _needs(request, OUTCOME_PERMISSION)
        form = OutcomeForm(request.POST)
        if form.is_valid() and _outcome_recorded(request, form, alumnus):
            messages.success(
                request, f"{alumnus} さんの{form.cleaned_data['season']}の応募結果を記録しました。"
            )
            return redirect("comeback_person", alumnus_id=alumnus.pk)
        focus_first_error(form)
    result = comeback_estimate(alumnus=alumnus)
    closes = result.eligibility.window_closes_on
    audit_log_record(
        actor=request.user,
        action=AuditAction.VIEW,
        target="comeback_person",
        record_ids=[alumnus.pk],
    )
    outcomes = alumnus.comeback_outcomes.select_related("season").order_by("-season__year")
    return TemplateResponse(
        request,
        "comeback/admin/person.html",
        {
            **model_context(),
            "alumnus": alumnus,
            "result": result,
            "probability": percent(result.probability),
            "window": wareki_with_year(closes) if closes else "—",
            "computed_on": wareki(result.computed_on) if result.computed_on else "—",
            "contributions": _contributions(result),
            "log_odds_total": f"{sum(c.log_odds for c in result.contributions):+.3f}",
            "history": _history(alumnus),
            "outcomes": list(outcomes),
            "form": form,
            "may_record": request.user.has_perm(OUTCOME_PERMISSION),
        },
    )


# --- outcomes: import ----------------------------------------------------------------------------


class OutcomeUploadForm(forms.Form):
    season = forms.ModelChoiceField(
        label="募集年度", queryset=Season.objects.all(), empty_label="選んでください"
    )
    file = forms.FileField(
        label="応募者の一覧（CSV または XLSX）",
        help_text="職員番号、または氏名と生年月日の列で名簿と照合します。",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("ファイルが大きすぎます（1MB まで）。")
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("CSV または XLSX ファイルを選んでください。")
        return upload


_UPLOAD_SALT = "comeback.outcome-upload"


def _sealed(season: Season, filename: str, content: bytes) -> str:
    """The previewed file, carried to the confirmation signed (so the file confirmed is the one
    previewed) and never stored: no copy of the applicants' list is kept."""
    payload = {"s": season.pk, "f": filename, "c": base64.b64encode(content).decode("ascii")}
    return signing.dumps(payload, salt=_UPLOAD_SALT, compress=True)


def _unsealed(token: str) -> tuple[Season, str, bytes]:
    try:
        payload = signing.loads(token, salt=_UPLOAD_SALT, max_age=3600)
        content = base64.b64decode(payload["c"])
    except (signing.BadSignature, KeyError, TypeError, binascii.Error) as error:
        raise ValueError(
            "確認の有効期限が切れました。もう一度ファイルを選んでください。"
        ) from error
    season = Season.objects.filter(pk=payload["s"]).first()
    if season is None:
        raise ValueError("募集年度が見つかりません。もう一度ファイルを選んでください。")
    return season, str(payload["f"]), content


def _import_confirm(request: HttpRequest) -> HttpResponse | None:
    try:
        season, filename, content = _unsealed(request.POST.get("upload", ""))
        result = services.outcomes_import(
            data=content, filename=filename, season=season, actor=request.user, commit=True
        )
    except (ValueError, ServiceError) as error:
        messages.error(request, str(getattr(error, "message", error)))
        return None
    messages.success(
        request,
        f"{season}の応募結果を取り込みました（{result.recorded} 件）。",
    )
    return redirect("comeback_outcomes_import")


def outcomes_import_view(request: HttpRequest) -> HttpResponse:
    """Step 1: choose the season and the file; step 2: preview (matched rows, and the rows that
    match nobody in the roster with why); step 3: confirm (one transaction, audited)."""
    _needs(request, OUTCOME_PERMISSION, PEOPLE_PERMISSION)
    context: dict[str, Any] = {**model_context(), "form": OutcomeUploadForm()}
    if request.method == "POST" and "upload" in request.POST:
        done = _import_confirm(request)
        if done is not None:
            return done
    elif request.method == "POST":
        form = OutcomeUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            season = form.cleaned_data["season"]
            try:
                preview = services.outcomes_import(
                    data=content,
                    filename=upload.name,
                    season=season,
                    actor=request.user,
                    commit=False,
                )
            except ServiceError as error:
                form.add_error("file", error.message)
            else:
                context.update(
                    preview=preview,
                    season=season,
                    upload=_sealed(season, upload.name, content) if preview.matched else "",
                )
    focus_first_error(context["form"])
    return TemplateResponse(request, "comeback/admin/outcomes_import.html", context)


# --- model versions ------------------------------------------------------------------------------

METRIC_LABELS = (
    ("brier", "ブライアスコア（小さいほど良い）", "{:.4f}"),
    ("brier_skill", "ブライアスキルスコア（基準率と比べた改善、大きいほど良い）", "{:.3f}"),
    ("ece", "期待較正誤差 ECE（小さいほど良い）", "{:.4f}"),
    ("auc", "AUC（順位付けの良さ、0.5 が偶然）", "{:.3f}"),
    ("base_rate", "基準率（応募した方の割合）", "{:.1%}"),
    ("n", "学習に用いた人数", "{}"),
    ("folds", "評価の分割数（交差検証）", "{}"),
)


def metrics_rows(metrics: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, label, formatted value) of each metric a version may have."""
    rows = []
    for key, label, form in METRIC_LABELS:
        value = metrics.get(key)
        rows.append((key, label, form.format(value) if isinstance(value, int | float) else "—"))
    return rows


def reliability_bins(metrics: dict[str, Any]) -> list[dict[str, str]]:
    """The reliability diagram as a table (for screen readers, and to read exact values):
    each non-empty bin's mean predicted probability, observed rate and size."""
    rows = []
    for item in metrics.get("reliability") or []:
        count = item.get("n", item.get("count")) if isinstance(item, dict) else None
        if not count:
            continue
        predicted = item.get("mean_predicted", item.get("predicted"))
        observed = item.get("observed")
        rows.append(
            {
                "predicted": f"{predicted:.1%}" if isinstance(predicted, int | float) else "—",
                "observed": f"{observed:.1%}" if isinstance(observed, int | float) else "—",
                "count": str(count),
            }
        )
    return rows


def model_versions_view(request: HttpRequest) -> HttpResponse:
    """Every model version: kind, season, when made, its main metrics, which one is in use."""
    _needs(request, "comeback.view_modelversion")
    versions = list(ModelVersion.objects.select_related("season").order_by("-created_at"))
    return TemplateResponse(
        request,
        "comeback/admin/model_versions.html",
        {
            **model_context(),
            "versions": [
                {
                    "version": v,
                    "metrics": {k: value for k, _, value in metrics_rows(v.metrics or {})},
                }
                for v in versions
            ],
        },
    )


def model_version_view(request: HttpRequest, version_id: int) -> HttpResponse:
    """One version's metrics and reliability diagram; the switch to it (after seeing them)."""
    _needs(request, "comeback.view_modelversion")
    version = get_object_or_404(ModelVersion.objects.select_related("season"), pk=version_id)
    if request.method == "POST":
        _needs(request, MODEL_PERMISSION)
        services.model_version_activate(version=version, actor=request.user)
        messages.success(
            request,
            f"推計に使うモデルを「{version.label}」に切り替えました。次回の再計算から使われます。",
        )
        return redirect("comeback_model_version", version_id=version.pk)
    return TemplateResponse(
        request,
        "comeback/admin/model_version.html",
        {
            **model_context(),
            "version": version,
            "metrics": metrics_rows(version.metrics or {}),
            "bins": reliability_bins(version.metrics or {}),
            "has_diagram": bool(version.reliability_png),
            "may_switch": request.user.has_perm(MODEL_PERMISSION) and not version.is_active,
        },
    )


def reliability_png_view(request: HttpRequest, version_id: int) -> HttpResponse:
    _needs(request, "comeback.view_modelversion")
    version = get_object_or_404(ModelVersion, pk=version_id)
    if not version.reliability_png:
        raise Http404
    response = HttpResponse(bytes(version.reliability_png), content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response
