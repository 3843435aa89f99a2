"""HR's moderation screens: the reports queue, members of a group, the moderation log."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.text import Truncator
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from cms.admin_listing import time_column
from cms.alumni.models import Alumnus, AuditAction
from cms.alumni.services import audit_log_record
from cms.converters import posted_id

from . import selectors, services
from .errors import ChatError, NotAllowed
from .models import CommunityGroup, ModerationAction, ModerationLogEntry, Report

Actions = Mapping[str, tuple[Callable[..., object], str]]


def _act(request: HttpRequest, actions: Actions, **ids: int) -> None:
    """Run the service the form's `action` names (the only one, when there is one); tell the
    person how it went. A refusal for who they are is a 403, any other one a message."""
    only = next(iter(actions)) if len(actions) == 1 else ""
    action = actions.get(request.POST.get("action") or only)
    if action is None:
        messages.error(request, "操作を選んでください。")
        return
    service, done = action
    try:
        service(user=request.user, **ids)
    except NotAllowed as error:
        raise PermissionDenied from error
    except ChatError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)


def _audit(request: HttpRequest, target: str, alumni: Iterable[Alumnus | None]) -> None:
    """A screen that shows people: who saw whom (the audit log)."""
    ids = sorted({alumnus.pk for alumnus in alumni if alumnus is not None})
    audit_log_record(actor=request.user, action=AuditAction.VIEW, target=target, record_ids=ids)


REPORT_ACTIONS: Actions = {
    "hide": (services.message_hide, "メッセージを非表示にしました。"),
    "dismiss": (services.report_dismiss, "通報を「問題なし」として処理しました。"),
    "suspend": (
        services.member_suspend_and_hide,
        "投稿者の投稿を停止し、メッセージを非表示にしました。",
    ),
}
MEMBER_ACTIONS: Actions = {
    "approve": (services.member_approve, "参加を承認しました。"),
    "appoint": (services.member_appoint_moderator, "モデレーターに任命しました。"),
    "suspend": (services.member_suspend, "投稿を停止しました。"),
    "reinstate": (services.member_reinstate, "投稿停止を解除しました。"),
}


def reports_view(request: HttpRequest) -> HttpResponse:
    """Open reports, oldest first; hide the message, dismiss, or suspend its author."""
    if not selectors.staff_may_moderate(request.user):
        raise PermissionDenied
    if request.method == "POST":
        report = get_object_or_404(Report, pk=posted_id(request, "report"))
        _act(request, REPORT_ACTIONS, message_id=report.message_id)
        return redirect("chat_reports")
    reports = list(selectors.reports_open(user=request.user))
    _audit(request, "chat_reports", [p for r in reports for p in (r.reporter, r.message.author)])
    return TemplateResponse(request, "chat/admin/reports.html", {"reports": reports})


def members_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Members of one group: approve requests, appoint moderators, suspend and reinstate."""
    group = get_object_or_404(CommunityGroup, pk=group_id)
    if not selectors.staff_groups(request.user).filter(pk=group.pk).exists():
        raise PermissionDenied
    if request.method == "POST":
        _act(request, MEMBER_ACTIONS, group_id=group.pk, member_id=posted_id(request, "member"))
        return redirect("chat_members", group_id=group.pk)
    members = list(group.memberships.select_related("alumnus").order_by("status", "created_at"))
    _audit(request, "chat_members", [member.alumnus for member in members])
    return TemplateResponse(
        request, "chat/admin/members.html", {"group": group, "members": members}
    )


def message_unhide_view(request: HttpRequest, message_id: int) -> HttpResponse:
    if request.method == "POST":
        unhide: Actions = {"unhide": (services.message_unhide, "非表示を解除しました。")}
        _act(request, unhide, message_id=message_id)
    return redirect("chat_moderation_log")


class ModerationLogFilterSet(WagtailFilterSet):
    group = django_filters.ModelChoiceFilter(
        label="グループ", queryset=CommunityGroup.objects.order_by("name")
    )
    action = django_filters.ChoiceFilter(label="操作", choices=ModerationAction.choices)

    class Meta:
        model = ModerationLogEntry
        fields: list[str] = []


def _actor(entry: ModerationLogEntry) -> str:
    """Who acted: a member of staff by name, else the label kept with the entry."""
    user = entry.actor
    if user is not None and hasattr(user, "get_full_name") and user.get_full_name().strip():
        return f"{user.get_full_name().strip()}（{user.get_username()}）"
    return entry.actor_label


def _subject(entry: ModerationLogEntry) -> str:
    """What was acted on, as a person reads it: the member, or the message and its author."""
    if entry.message is not None:
        excerpt = Truncator(entry.message.body or "（削除されたメッセージ）").chars(41)
        return f"「{excerpt}」（投稿者：{entry.message.author_name}）"
    if entry.membership is not None:
        return f"{entry.membership.alumnus}（メンバー）"
    return "—"


class UnhideColumn(Column):
    """A button that shows a hidden message again, on the entries that hid it."""

    cell_template_name = "chat/admin/unhide_cell.html"

    def get_cell_context_data(self, instance: Any, parent_context: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_cell_context_data(instance, parent_context)
        context["csrf_token"] = get_token(parent_context["request"])
        return context


class ModerationLogView(ReportView):
    """Every moderation action, newest first: who, in which group, on whose message or membership."""

    page_title = "モデレーションの記録"
    header_icon = "list-ul"
    index_url_name = "chat_moderation_log"
    index_results_url_name = "chat_moderation_log_results"
    filterset_class = ModerationLogFilterSet
    paginate_by = 50
    columns = [
        time_column("at", "日時"),
        Column("group", label="グループ"),
        Column("action", label="操作", accessor="get_action_display"),
        Column("actor", label="操作した人", accessor=_actor),
        Column("subject", label="対象", accessor=_subject),
        UnhideColumn("unhide", label="元に戻す"),
    ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.staff_may_read_log(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[ModerationLogEntry]:
        return selectors.moderation_log(user=self.request.user)

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(*args, **kwargs)
        entries = context["object_list"]
        people = [
            e.message.author if e.message else e.membership.alumnus if e.membership else None
            for e in entries
        ]
        _audit(self.request, "chat_moderation_log", people)
        return context


moderation_log_view = ModerationLogView.as_view()
moderation_log_results_view = ModerationLogView.as_view(results_only=True)
