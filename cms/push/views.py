"""The delivery monitor in the admin: how each notice reached its audience, who was missed, and
who received what (per person, per notice), each listing of people written to the audit log."""

import datetime as dt
from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.models import Page

from cms.admin_listing import time_column
from cms.alumni.admin_views import AuditedListingMixin
from cms.alumni.models import Alumnus
from cms.content.models import NoticePage

from .items import DeliveryReason
from .models import Channel, Delivery, DeliveryStatus
from .selectors import (
    alumni_search_for_delivery,
    alumni_under_reached,
    deliveries_of_alumnus,
    deliveries_of_item,
    digest_last_sent,
    notice_delivery_figures,
    push_reaches_anybody,
)

PERMISSION = "push.view_delivery"


def _month(request: HttpRequest) -> dt.date:
    """The month asked for (?month=YYYY-MM), this month otherwise."""
    try:
        return dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


def delivery_monitor(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    month = _month(request)
    notices = NoticePage.objects.live().order_by("-first_published_at")[:30]
    return render(
        request,
        "push/delivery_monitor.html",
        {
            "rows": notice_delivery_figures(notices=notices),
            "push_reaches_anybody": push_reaches_anybody(),
            "month": month,
            "under_reached_count": alumni_under_reached(month=month).count(),
            "digest_last_sent": digest_last_sent(),
        },
    )


class DeliveryFilterSet(WagtailFilterSet):
    channel = django_filters.ChoiceFilter(label="経路", choices=Channel.choices)
    status = django_filters.ChoiceFilter(label="状態", choices=DeliveryStatus.choices)
    reason = django_filters.ChoiceFilter(label="配信の理由", choices=DeliveryReason.choices)

    class Meta:
        model = Delivery
        fields: list[str] = []


def _result(delivery: Delivery) -> str:
    """The state of one delivery as HR reads it; a push says how many of the person's devices
    it reached and how many failed or had expired."""
    state = delivery.get_status_display()
    if delivery.channel != Channel.PUSH or not delivery.attempts:
        return state
    counts = (
        ("届いた端末", delivery.pushes_sent),
        ("失敗した端末", delivery.pushes_failed),
        ("購読切れの端末", delivery.pushes_expired),
    )
    parts = [f"{label} {count} 台" for label, count in counts if count]
    return f"{state}（{'、'.join(parts)}）" if parts else state


_DELIVERY_COLUMNS = [
    Column("channel", label="経路", accessor="get_channel_display"),
    Column("result", label="状態", accessor=_result),
    time_column("sent_at", "送信日時"),
    time_column("opened_at", "開封日時"),
    Column("attempts", label="試行回数"),
]


class _DeliveryReport(AuditedListingMixin, ReportView):
    """A paginated report of the delivery monitor, for staff with its permission."""

    header_icon = "mail"
    paginate_by = 50

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        monitor = {"url": reverse("push_delivery_monitor"), "label": "配信状況"}
        return [*self.breadcrumbs_items, monitor, {"url": "", "label": self.get_page_title()}]


class _DeliveriesOfReport(_DeliveryReport):
    """The deliveries of one subject (a person or a notice), named by its id in the URL."""

    filterset_class = DeliveryFilterSet

    @property
    def subject(self) -> Alumnus | Page:
        raise NotImplementedError

    def get_index_url(self) -> str:
        return reverse(self.index_url_name, args=[self.subject.pk])

    def get_index_results_url(self) -> str:
        return reverse(self.index_results_url_name, args=[self.subject.pk])


class PeopleSearchView(_DeliveryReport):
    """Find a person by name or email, to see what reached them."""

    page_title = "配信状況：人で探す"
    index_url_name = "push_delivery_people"
    index_results_url_name = "push_delivery_people_results"
    is_searchable = True
    audit_target = "delivery_people"
    columns = [
        TitleColumn(
            "name",
            label="氏名",
            accessor=str,
            get_url=lambda alumnus: reverse("push_delivery_person", args=[alumnus.pk]),
        ),
        Column(
            "kana", label="ふりがな", accessor=lambda a: f"{a.family_name_kana} {a.given_name_kana}"
        ),
        Column("email", label="メールアドレス"),
        Column("status", label="登録の状態", accessor="get_status_display"),
    ]

    def get_queryset(self) -> QuerySet[Alumnus]:
        return alumni_search_for_delivery(query=self.search_query)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        if not self.is_searching:
            context["no_results_message"] = (
                "氏名（漢字・ふりがな）またはメールアドレスで探してください。"
            )
        return context


class PersonDeliveriesView(_DeliveriesOfReport):
    """One person: which items reached them, by which channel, when, and what failed."""

    index_url_name = "push_delivery_person"
    index_results_url_name = "push_delivery_person_results"
    template_name = "push/person_deliveries.html"
    audit_target = "delivery_person"
    columns = [
        TitleColumn(
            "item",
            label="お知らせ・アンケート",
            accessor=lambda d: d.item.title,
            get_url=lambda d: reverse("push_delivery_notice", args=[d.item_id]),
        ),
        *_DELIVERY_COLUMNS,
        Column("reason", label="配信の理由", accessor="get_reason_display"),
    ]

    @cached_property
    def alumnus(self) -> Alumnus:
        return get_object_or_404(Alumnus, pk=self.kwargs["alumnus_id"])

    def get_page_title(self) -> str:
        return f"{self.alumnus} さんへの配信"

    @property
    def subject(self) -> Alumnus | Page:
        return self.alumnus

    def get_queryset(self) -> QuerySet[Delivery]:
        return deliveries_of_alumnus(alumnus=self.alumnus)

    def audit_record_ids(self, object_list: Any) -> list[Any]:
        return [self.alumnus.pk]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context.update(
            alumnus=self.alumnus,
            devices=self.alumnus.push_subscriptions.count(),
            no_results_message="この方へのお知らせの配信記録はまだありません。",
        )
        return context


class NoticeRecipientsView(_DeliveriesOfReport):
    """One item (a notice, a survey): everyone it was sent to, by which channel, when, with what
    result."""

    index_url_name = "push_delivery_notice"
    index_results_url_name = "push_delivery_notice_results"
    audit_target = "delivery_recipients"
    columns = [
        TitleColumn(
            "alumnus",
            label="氏名",
            accessor=lambda d: str(d.alumnus),
            get_url=lambda d: reverse("push_delivery_person", args=[d.alumnus_id]),
        ),
        *_DELIVERY_COLUMNS,
    ]

    @cached_property
    def item(self) -> Page:
        return get_object_or_404(Page, pk=self.kwargs["notice_id"])

    def get_page_title(self) -> str:
        return f"「{self.item.title}」の受信者"

    @property
    def subject(self) -> Alumnus | Page:
        return self.item

    def get_queryset(self) -> QuerySet[Delivery]:
        return deliveries_of_item(item=self.item)

    def audit_record_ids(self, object_list: Any) -> list[Any]:
        return list(dict.fromkeys(delivery.alumnus_id for delivery in object_list))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["no_results_message"] = "この項目の配信記録はありません。"
        return context


class UnderReachedView(_DeliveryReport):
    """Active alumni to whom nothing was delivered in a month (by any channel)."""

    index_url_name = "push_delivery_under_reached"
    index_results_url_name = "push_delivery_under_reached_results"
    audit_target = "delivery_under_reached"
    columns = [
        TitleColumn(
            "name",
            label="氏名",
            accessor=str,
            get_url=lambda alumnus: reverse("push_delivery_person", args=[alumnus.pk]),
        ),
        Column(
            "consent",
            label="受け取り方",
            accessor=lambda a: (
                "、".join(
                    label
                    for label, given in (
                        ("プッシュ通知", a.consent_push),
                        ("メール", a.consent_email),
                    )
                    if given
                )
                or "通知・メールとも未同意"
            ),
        ),
    ]

    def get_page_title(self) -> str:
        return f"{_month(self.request):%Y年%-m月}に 1 件も届いていない登録者"

    def get_queryset(self) -> QuerySet[Alumnus]:
        return alumni_under_reached(month=_month(self.request)).order_by(
            "family_name_kana", "given_name_kana", "pk"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["no_results_message"] = "全員に 1 件以上届いています。"
        return context
