"""HR's admin screens: roster import with preview, invitations, letters, approvals, audit log."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from cms.admin_listing import time_column
from cms.alumni import selectors, services
from cms.alumni.letters import address_labels_csv, labels_beyond_shift_jis, letters_pdf
from cms.alumni.models import (
    Alumnus,
    AlumnusStatus,
    AuditAction,
    AuditLogEntry,
    Invitation,
    RosterEntry,
    RosterUpload,
)
from cms.alumni.normalise import wareki
from cms.alumni.roster import RosterFileError, roster_file_read
from cms.alumni.services import RosterInvalid, roster_import
from cms.converters import posted_id, posted_ids

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def needs_permission(
    codename: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(codename):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff(request: HttpRequest) -> Any:
    """The signed-in staff user (the admin only lets signed-in staff this far)."""
    return request.user


class RosterUploadForm(forms.Form):
    file = forms.FileField(label="名簿ファイル（CSV または XLSX）")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("ファイルが大きすぎます（10MB まで）。")
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("CSV または XLSX ファイルを選んでください。")
        return upload


PREVIEW_ROWS = 5  # rows of the file shown as read, before HR confirms the import


def _row_as_read(values: dict[str, Any]) -> dict[str, str]:
    """A row of HR's file as it will be stored, for the preview: half-width kana, full-width
    digits and 和暦 or 西暦 dates are shown as read, before anything is written."""

    def day(name: str) -> str:
        value = values.get(name)
        return wareki(value) if value else "—"

    return {
        "staff_number": values["staff_number"],
        "name": f"{values['family_name']} {values['given_name']}",
        "kana": f"{values['family_name_kana']} {values['given_name_kana']}",
        "birth_date": day("birth_date"),
        "retired_on": day("retired_on"),
        "email": values.get("email") or "—",
        "address": " ".join(filter(None, (values.get("postal_code"), values.get("address"))))
        or "—",
    }


@needs_permission("alumni.add_rosterentry")
def roster_import_view(request: HttpRequest) -> HttpResponse:
    """Step 1: upload; step 2: preview with every bad row; step 3: confirm (one transaction)."""
    context: dict[str, Any] = {"form": RosterUploadForm()}
    if request.method == "POST" and "confirm" in request.POST:
        upload = get_object_or_404(
            RosterUpload, pk=posted_id(request, "confirm"), uploaded_by=staff(request)
        )
        try:
            roster = roster_file_read(filename=upload.filename, content=bytes(upload.content))
            result = roster_import(roster=roster, actor=staff(request))
        except (RosterFileError, RosterInvalid) as error:
            messages.error(request, str(error))
        else:
            upload.delete()
            messages.success(
                request,
                f"名簿を取り込みました（新規 {result.created} 件、更新 {result.updated} 件、変更なし {result.unchanged} 件）。",
            )
            return redirect("alumni_roster_import")
    elif request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            content = upload_file.read()
            try:
                roster = roster_file_read(filename=upload_file.name, content=content)
                preview = roster_import(roster=roster, dry_run=True) if not roster.errors else None
            except RosterFileError as error:
                form.add_error("file", str(error))
            else:
                RosterUpload.objects.filter(uploaded_by=staff(request)).delete()
                upload = None
                if not roster.errors:
                    upload = RosterUpload.objects.create(
                        filename=upload_file.name, content=content, uploaded_by=staff(request)
                    )
                context.update(
                    roster=roster,
                    preview=preview,
                    upload=upload,
                    rows_read=[_row_as_read(row.values) for row in roster.rows[:PREVIEW_ROWS]],
                )
    return TemplateResponse(request, "alumni/admin/roster_import.html", context)


@needs_permission("alumni.view_invitation")
def invitations_view(request: HttpRequest) -> HttpResponse:
    invitations = Invitation.objects.select_related("roster_entry").order_by("-created_at")
    channel = request.GET.get("channel")
    if channel in {"email", "letter"}:
        invitations = invitations.filter(channel=channel)
    delivery = request.GET.get("delivery")
    if delivery == "stuck":
        invitations = selectors.invitations_stuck(invitations=invitations)
    elif delivery:
        invitations = invitations.filter(delivery=delivery)
    page = list(invitations[:500])
    withdrawn = list(selectors.roster_entries_withdrawn()[:500])
    beyond_shift_jis = labels_beyond_shift_jis(entries=_label_entries())
    services.audit_log_record(
        actor=staff(request),
        action=AuditAction.VIEW,
        target="invitations",
        record_ids=[invitation.roster_entry_id for invitation in page]
        + [entry.pk for entry in withdrawn]
        + [entry.pk for entry, _ in beyond_shift_jis],
    )
    return TemplateResponse(
        request,
        "alumni/admin/invitations.html",
        {
            "invitations": page,
            "withdrawn": withdrawn,
            "beyond_shift_jis": beyond_shift_jis,
            "withdrawn_reason": selectors.WITHDRAWN_REASON,
            "to_email": selectors.roster_entries_to_invite(channel="email").count(),
            "to_letter": selectors.roster_entries_to_invite(channel="letter").count(),
        },
    )


def _eligible(entries: Any) -> list[RosterEntry]:
    return [entry for entry in entries if selectors.roster_entry_is_eligible(entry=entry)]


def _refused(request: HttpRequest, entries: Any) -> bool:
    """Tell HR, in Japanese, why named entries get nothing (the services skip them anyway)."""
    refusals = [
        f"{entry.staff_number} {entry.family_name} {entry.given_name} さん: {reason}"
        for entry in entries
        if (reason := selectors.roster_entry_refusal(entry=entry))
    ]
    for refusal in refusals:
        messages.error(request, refusal)
    return bool(refusals)


@require_POST
@needs_permission("alumni.add_invitation")
def invitations_send_view(request: HttpRequest) -> HttpResponse:
    ids = posted_ids(request, "entry")
    entries = selectors.roster_entries_to_invite(channel="email")
    if ids:
        entries = RosterEntry.objects.filter(pk__in=ids)
        if _refused(request, entries):
            return redirect("alumni_invitations")
    run = services.invitation_run_start(entries=_eligible(entries), actor=staff(request))
    messages.success(
        request,
        f"{run.entries} 件の招待メールを送信キューに入れました。"
        f"{run.batches} 回に分けて順に送信します。送信結果はこの画面の一覧でご確認ください。",
    )
    return redirect("alumni_invitations")


@require_POST
@needs_permission("alumni.add_invitation")
def invitation_resend_view(request: HttpRequest, pk: int) -> HttpResponse:
    """「再送」 on one failed or stuck invitation mail (audited)."""
    invitation = get_object_or_404(Invitation.objects.select_related("roster_entry"), pk=pk)
    entry = invitation.roster_entry
    if services.invitation_resend(invitation=invitation, actor=staff(request)):
        messages.success(
            request,
            f"{entry.family_name} {entry.given_name} さんへの招待メールを再送します。"
            "結果はこの一覧でご確認ください。",
        )
    else:
        messages.error(
            request,
            f"{entry.family_name} {entry.given_name} さんへの招待メールは再送できません"
            "（送信済み・使用済み・無効化済み・退会済みのいずれかです）。",
        )
    return redirect("alumni_invitations")


@require_POST
@needs_permission("alumni.add_invitation")
def letters_pdf_view(request: HttpRequest) -> HttpResponse:
    ids = posted_ids(request, "entry")
    entries = (
        RosterEntry.objects.filter(pk__in=ids)
        if ids
        else selectors.roster_entries_to_invite(channel="letter")
    )
    if ids and _refused(request, entries):
        return redirect("alumni_invitations")
    letters = services.invitation_issue_letters(entries=_eligible(entries), actor=staff(request))
    if not letters:
        messages.warning(request, "郵送の対象者がいません。")
        return redirect("alumni_invitations")
    response = HttpResponse(letters_pdf(letters=letters), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="letters-{timezone.localdate():%Y%m%d}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


@needs_permission("alumni.change_rosterentry")
def withdrawal_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: a page that says what undoing means; step 2 (POST): undo, audited."""
    entry = get_object_or_404(RosterEntry, pk=pk, withdrawn_at__isnull=False)
    if request.method == "POST":
        services.roster_entry_withdrawal_undo(entry=entry, actor=staff(request))
        messages.success(
            request,
            f"{entry.family_name} {entry.given_name} さんの退会の記録を取り消しました。"
            "次回の招待の対象になります。",
        )
        return redirect("alumni_invitations")
    services.audit_log_record(
        actor=staff(request), action=AuditAction.VIEW, target="roster_withdrawal", record_ids=[pk]
    )
    return TemplateResponse(request, "alumni/admin/withdrawal_undo.html", {"entry": entry})


def _label_entries() -> list[RosterEntry]:
    """Whom the address labels are for: those with a letter invitation not yet used."""
    return list(
        RosterEntry.objects.filter(
            invitations__channel="letter",
            invitations__retired_at__isnull=True,
            invitations__used_at__isnull=True,
            withdrawn_at__isnull=True,
        ).distinct()
    )


@needs_permission("alumni.view_invitation")
def labels_csv_view(request: HttpRequest, shift_jis: bool = False) -> HttpResponse:
    """「宛名ラベル」: UTF-8 with a BOM, or Shift_JIS for Excel and label software that read only
    that (characters it lacks become 〓; the invitations page names whose labels, beforehand)."""
    entries = _label_entries()
    labels = address_labels_csv(entries=entries, shift_jis=shift_jis)
    services.audit_log_record(
        actor=staff(request),
        action=AuditAction.EXPORT,
        target="labels",
        record_ids=[entry.pk for entry in entries],
        detail=f"置き換えた文字: {labels.replaced_text}" if labels.replaced else "",
    )
    response = HttpResponse(labels.content, content_type=labels.content_type)
    response["Content-Disposition"] = f'attachment; filename="{labels.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@needs_permission("alumni.change_alumnus")
def approvals_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        alumnus = get_object_or_404(
            Alumnus, pk=posted_id(request, "alumnus"), status=AlumnusStatus.PENDING
        )
        services.alumnus_approve(alumnus=alumnus, actor=staff(request))
        messages.success(request, f"{alumnus} さんの登録を承認しました。")
        return redirect("alumni_approvals")
    pending = list(Alumnus.objects.filter(status=AlumnusStatus.PENDING).order_by("registered_at"))
    services.audit_log_record(
        actor=staff(request),
        action=AuditAction.VIEW,
        target="approvals",
        record_ids=[alumnus.pk for alumnus in pending],
    )
    return TemplateResponse(request, "alumni/admin/approvals.html", {"pending": pending})


# --- audit log -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditTarget:
    """What an audit entry's `target` names: the screen or record kind (in Japanese), and which
    model its record ids are keys of (by `field`), so that the log can name the people."""

    label: str
    model: type[models.Model] | None = None
    field: str = "pk"


# Targets that are not a model's name; a target that is (the audited listings and edit screens
# write `_meta.model_name`) is labelled with the model's verbose_name and resolved by its pk.
AUDIT_TARGETS: dict[str, AuditTarget] = {
    "invitations": AuditTarget("招待の一覧", RosterEntry),
    "approvals": AuditTarget("承認待ちの一覧", Alumnus),
    "labels": AuditTarget("宛名ラベル（CSV）", RosterEntry),
    "letters": AuditTarget("郵送の案内状（PDF）", RosterEntry),
    "roster": AuditTarget("名簿の取り込み", RosterEntry, "staff_number"),
    "roster_withdrawal": AuditTarget("退会済みの方の再招待", RosterEntry),
    "invitation_resend": AuditTarget("招待メールの再送", RosterEntry),
}
# People named in one row of the log; the rest are counted ("ほか 12 名").
AUDIT_NAMES_SHOWN = 5


def audit_target(name: str) -> AuditTarget:
    """The label and the model of an audit entry's target (its own name when unknown). Other
    domains name their targets with the `register_audit_targets` hook (a dict like
    AUDIT_TARGETS)."""
    if name in AUDIT_TARGETS:
        return AUDIT_TARGETS[name]
    for register in hooks.get_hooks("register_audit_targets"):
        targets: dict[str, AuditTarget] = register()
        if name in targets:
            return targets[name]
    for model in apps.get_models():
        if model._meta.model_name == name:
            return AuditTarget(str(model._meta.verbose_name), model)
    return AuditTarget(name)


def person_name(record: models.Model) -> str:
    """A person's name as the admin shows it (姓 名), whatever record holds it."""
    family, given = getattr(record, "family_name", None), getattr(record, "given_name", None)
    return f"{family} {given}" if family is not None else str(record)


def staff_name(user: Any, username: str) -> str:
    """A member of staff as the log shows them: their name, with the sign-in name beside it."""
    if not username or username == "(system)":
        return "システム"
    if user is None:
        return f"{username}（削除されたユーザー）"
    full_name = user.get_full_name().strip()
    return f"{full_name}（{username}）" if full_name else username


def audit_entries_name_people(entries: list[AuditLogEntry]) -> None:
    """Give each entry `people` (names, in record order) and `people_missing` (records that no
    longer exist): one query per kind of record for the whole page of entries."""
    wanted: dict[tuple[type[models.Model], str], set[str]] = {}
    for entry in entries:
        target = audit_target(entry.target)
        if target.model is not None:
            wanted.setdefault((target.model, target.field), set()).update(entry.record_ids)
    found: dict[tuple[type[models.Model], str], dict[str, str]] = {}
    for (model, field), keys in wanted.items():
        records = model._default_manager.filter(**{f"{field}__in": list(keys)})
        found[(model, field)] = {
            str(getattr(record, field)): person_name(record) for record in records
        }
    for entry in entries:
        target = audit_target(entry.target)
        names = found.get((target.model, target.field), {}) if target.model else {}
        known = [names[key] for key in entry.record_ids if key in names]
        entry.people = known  # type: ignore[attr-defined]
        entry.people_missing = len(entry.record_ids) - len(known) if target.model else 0  # type: ignore[attr-defined]


class AuditedListingMixin:
    """For a Wagtail listing of people (a ReportView or a viewset's IndexView): the rows of the
    page shown to staff, exactly those, are written to the audit log."""

    audit_target = ""
    _audit_shown: list[Any] | None = None

    def audit_record_ids(self, object_list: Any) -> list[Any]:
        return [record.pk for record in object_list]

    def get_audit_target(self) -> str:
        return self.audit_target

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(*args, **kwargs)  # type: ignore[misc]
        # The page's rows, fetched once (the table renders the same list).
        context["object_list"] = self._audit_shown = list(context.get("object_list") or [])
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().get(request, *args, **kwargs)  # type: ignore[misc]
        services.audit_log_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=self.get_audit_target(),
            record_ids=self.audit_record_ids(self._audit_shown or []),
        )
        return response


class AuditPeopleColumn(Column):
    """The people whose records an entry covers, by name: the first few, then how many more."""

    def get_value(self, instance: Any) -> str:
        people: list[str] = getattr(instance, "people", [])
        text = "、".join(people[:AUDIT_NAMES_SHOWN])
        more = len(people) - AUDIT_NAMES_SHOWN
        if more > 0:
            text += f" ほか {more} 名"
        missing = getattr(instance, "people_missing", 0)
        if missing:
            text += f"{'、' if text else ''}削除された記録 {missing} 件"
        if not text and instance.record_ids:
            text = "、".join(instance.record_ids[:AUDIT_NAMES_SHOWN])
        return text or "—"


class AuditLogFilterSet(WagtailFilterSet):
    action = django_filters.ChoiceFilter(label="操作", choices=AuditAction.choices)
    actor = django_filters.ModelChoiceFilter(
        label="職員",
        queryset=lambda request: get_user_model().objects.filter(
            pk__in=AuditLogEntry.objects.values("actor")
        ),
    )
    at = django_filters.DateFromToRangeFilter(label="日付", widget=DateRangePickerWidget)

    class Meta:
        model = AuditLogEntry
        fields: list[str] = []


class AuditLogView(ReportView):
    """監査ログ: who among the staff saw, exported or changed whose records, newest first."""

    page_title = "監査ログ（個人データの閲覧・出力）"
    header_icon = "list-ul"
    index_url_name = "alumni_audit_log"
    index_results_url_name = "alumni_audit_log_results"
    filterset_class = AuditLogFilterSet
    paginate_by = 50
    columns = [
        time_column("at", "日時"),
        Column(
            "actor",
            label="職員",
            accessor=lambda entry: staff_name(entry.actor, entry.actor_username),
        ),
        Column("action", label="操作", accessor="get_action_display"),
        Column("target", label="対象", accessor=lambda entry: audit_target(entry.target).label),
        AuditPeopleColumn("people", label="人"),
        Column("detail", label="詳細", accessor="detail"),
        Column("count", label="件数", accessor=lambda entry: len(entry.record_ids)),
    ]

    def get_queryset(self) -> QuerySet[AuditLogEntry]:
        return AuditLogEntry.objects.select_related("actor").order_by("-at", "-pk")

    def decorate_paginated_queryset(self, object_list: Any) -> list[AuditLogEntry]:
        entries = list(object_list)
        audit_entries_name_people(entries)
        return entries


audit_log_view = needs_permission("alumni.view_auditlogentry")(AuditLogView.as_view())
audit_log_results_view = needs_permission("alumni.view_auditlogentry")(
    AuditLogView.as_view(results_only=True)
)
