"""HR's moderation screens: the reports queue, members of a group, the moderation log."""

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from cms.admin_listing import time_column

from . import selectors, services
from .errors import ChatError
from .models import (
    CommunityGroup,
    Membership,
    Message,
    ModerationAction,
    ModerationLogEntry,
    Report,
)


def _moderator(request: HttpRequest, group: CommunityGroup) -> services.Moderator:
    try:
        return services.moderator_for_staff(user=request.user, group=group)
    except ChatError as error:
        raise PermissionDenied from error


def reports_view(request: HttpRequest) -> HttpResponse:
    """Open reports, oldest first; hide the message, dismiss, or suspend its author."""
    if not services.staff_may_moderate(request.user):
        raise PermissionDenied
    if request.method == "POST":
        report = get_object_or_404(
            Report.objects.select_related("message__group"), pk=request.POST.get("report")
        )
        message = report.message
        moderator = _moderator(request, message.group)
        _act(
            request,
            {
                "hide": (
                    lambda: services.message_hide(message=message, moderator=moderator),
                    "メッセージを非表示にしました。",
                ),
                "dismiss": (
                    lambda: services.report_dismiss(report=report, moderator=moderator),
                    "通報を「問題なし」として処理しました。",
                ),
                "suspend": (
                    lambda: services.member_suspend_and_hide(message=message, moderator=moderator),
                    "投稿者の投稿を停止し、メッセージを非表示にしました。",
                ),
            },
        )
        return redirect("chat_reports")
    reports = [
        report
        for report in selectors.reports_open()
        if services.staff_may_moderate(request.user, report.message.group)
    ]
    return TemplateResponse(request, "chat/admin/reports.html", {"reports": reports})


def _act(request: HttpRequest, handlers: Mapping[str, tuple[Callable[[], object], str]]) -> None:
    """Run what the form's `action` names; tell the person how it went."""
    handler = handlers.get(request.POST.get("action") or "")
    if handler is None:
        messages.error(request, "操作を選んでください。")
        return
    run, done = handler
    try:
        run()
    except ChatError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)


def members_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Members of one group: approve requests, appoint moderators, suspend and reinstate."""
    group = get_object_or_404(CommunityGroup, pk=group_id)
    moderator = _moderator(request, group)
    if request.method == "POST":
        membership = get_object_or_404(Membership, pk=request.POST.get("member"), group=group)
        services_by_action = {
            "approve": services.member_approve,
            "appoint": services.member_appoint_moderator,
            "suspend": services.member_suspend,
            "reinstate": services.member_reinstate,
        }
        handlers = {
            action: (partial(service, membership=membership, moderator=moderator), "変更しました。")
            for action, service in services_by_action.items()
        }
        _act(request, handlers)
        return redirect("chat_members", group_id=group.pk)
    members = group.memberships.select_related("alumnus").order_by("status", "created_at")
    return TemplateResponse(
        request, "chat/admin/members.html", {"group": group, "members": members}
    )


def message_unhide_view(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message.objects.select_related("group"), pk=message_id)
    if request.method == "POST":
        services.message_unhide(message=message, moderator=_moderator(request, message.group))
        messages.success(request, "非表示を解除しました。")
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
        author = entry.message.author
        body = entry.message.body or "（削除されたメッセージ）"
        excerpt = body if len(body) <= 40 else f"{body[:40]}…"
        return f"「{excerpt}」（投稿者：{author or '退会したメンバー'}）"
    if entry.membership is not None:
        return f"{entry.membership.alumnus}（メンバー）"
    return "—"


class UnhideColumn(Column):
    """A button that shows a hidden message again, on the entries that hid it."""

    def get_cell_context_data(self, instance: Any, parent_context: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_cell_context_data(instance, parent_context)
        message = instance.message
        shown = instance.action != ModerationAction.HIDE or message is None or not message.hidden_at
        context["value"] = (
            ""
            if shown
            else format_html(
                '<form method="post" action="{}"><input type="hidden" '
                'name="csrfmiddlewaretoken" value="{}"><button type="submit" '
                'class="button button-small button-secondary">非表示を解除</button></form>',
                reverse("chat_message_unhide", args=[message.pk]),
                get_token(parent_context["request"]),
            )
        )
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
        if not services.staff_may_read_log(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[ModerationLogEntry]:
        entries = ModerationLogEntry.objects.select_related(
            "group", "actor", "message__author", "membership__alumnus"
        ).order_by("-at", "-pk")
        user = self.request.user
        if user.has_perm(services.LOG_PERMISSION) or user.has_perm(services.MODERATE_PERMISSION):
            return entries
        return entries.filter(group__staff_moderators__pk=user.pk or 0)


moderation_log_view = ModerationLogView.as_view()
moderation_log_results_view = ModerationLogView.as_view(results_only=True)
