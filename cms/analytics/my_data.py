"""「自分のデータ」: everything held about a person, each part with its purpose and retention.

Each part comes from a provider: a function `(alumnus) -> list[MyDataSection]` registered with
`my_data_provider`. Domains that hold data about a person register theirs (the survey answers'
is `cms/surveys/my_data.py`, imported by its app's `ready()`). The sections' purposes and retentions come from the inventory
(`cms.analytics.inventory`), so the screen, the privacy notice and HR's list say the same.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone

from cms.alumni.export import SECTION_MODELS, export_sections, jst_datetime
from cms.alumni.models import Alumnus
from cms.alumni.selectors import alumnus_export

from .inventory import inventory_for
from .models import SIGNAL_PURPOSES, ContentKind, SignalMonthly, SignalType
from .selectors import signals_of

SIGNAL_DAYS = 90
# Parts of 開示 that 「自分のデータ」 shows through a provider of its own (with words and reasons).
SHOWN_BY_OWN_PROVIDER = frozenset(
    {
        "push_subscriptions",
        "deliveries",
        "audience_groups",
        "survey_answers",
        "signals",
        "signal_months",
    }
)


@dataclass
class MyDataSection:
    """A titled part of 「自分のデータ」: records of (name, value) rows, why and how long."""

    key: str
    title: str
    purpose: str
    retention: str
    records: list[list[dict[str, str]]] = field(default_factory=list)
    note: str = ""


MyDataProvider = Callable[[Alumnus], list[MyDataSection]]
_PROVIDERS: list[MyDataProvider] = []


def my_data_provider(provider: MyDataProvider) -> MyDataProvider:
    """Register a provider of sections (a decorator); providers run in registration order."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def my_data_collect(*, alumnus: Alumnus) -> dict[str, Any]:
    """Everything held about `alumnus`, as JSON-ready sections."""
    sections: list[MyDataSection] = []
    for provider in _PROVIDERS:
        sections.extend(provider(alumnus))
    return {
        "generated_at": jst_datetime(timezone.now()),
        "analysis": alumnus.consent_analytics,
        "sections": [asdict(section) for section in sections],
    }


def described_section(key: str, model_label: str, title: str, records: list[Any]) -> MyDataSection:
    entry = inventory_for(model_label)
    return MyDataSection(
        key=key,
        title=title,
        purpose=entry.purpose if entry else "",
        retention=entry.retention if entry else "",
        records=records,
    )


@my_data_provider
def _registration(alumnus: Alumnus) -> list[MyDataSection]:
    """Profile, roster, invitations, groups joined, posts, reports: the disclosure's sections."""
    found = []
    for section in export_sections(data=alumnus_export(alumnus=alumnus)):
        if section["key"] in SHOWN_BY_OWN_PROVIDER:
            continue
        model_label = SECTION_MODELS.get(section["key"], "alumni.Alumnus")
        found.append(
            described_section(section["key"], model_label, section["title"], section["records"])
        )
    return found


def my_data_row(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}


def _yes(value: bool) -> str:
    return "同意する" if value else "同意しない"


@my_data_provider
def _consents(alumnus: Alumnus) -> list[MyDataSection]:
    section = described_section("consents", "alumni.Alumnus", "同意の状態", [])
    section.records = [
        [
            my_data_row("メールでのお知らせ", _yes(alumnus.consent_email)),
            my_data_row("プッシュ通知", _yes(alumnus.consent_push)),
            my_data_row("利用状況の分析への利用", _yes(alumnus.consent_analytics)),
            my_data_row("同意したプライバシーポリシーの版", alumnus.privacy_notice_version),
        ]
    ]
    return [section]


def _group_rule(group: Any) -> str:
    parts = []
    if group.former_departments.strip():
        parts.append(f"退職時の所属に「{group.former_departments}」のいずれかを含む")
    if group.retired_from_year or group.retired_to_year:
        since = f"{group.retired_from_year}年" if group.retired_from_year else ""
        until = f"{group.retired_to_year}年" if group.retired_to_year else ""
        parts.append(f"退職年が {since}〜{until}")
    if group.age_min is not None or group.age_max is not None:
        low = f"{group.age_min}歳" if group.age_min is not None else ""
        high = f"{group.age_max}歳" if group.age_max is not None else ""
        parts.append(f"年齢が {low}〜{high}")
    if group.regions.strip():
        parts.append(f"現在の居住地域が「{group.regions}」のいずれか")
    if group.interests.strip():
        parts.append(f"関心分野に「{group.interests}」のいずれかを含む")
    return "、".join(parts)


@my_data_provider
def _audience_groups(alumnus: Alumnus) -> list[MyDataSection]:
    from cms.groups.models import AudienceGroup
    from cms.groups.selectors import alumnus_group_ids

    records = []
    picked = set(AudienceGroup.objects.filter(members=alumnus).values_list("pk", flat=True))
    for group in AudienceGroup.objects.filter(pk__in=alumnus_group_ids(alumnus=alumnus)):
        reasons = []
        if group.pk in picked:
            reasons.append("人事課が個別に追加しました")
        elif group.has_rules:
            reasons.append(f"条件（{_group_rule(group)}）に一致しました")
        records.append(
            [
                my_data_row("グループ名", group.name),
                my_data_row("入っている理由", "。".join(reasons)),
            ]
        )
    section = described_section("audience_groups", "groups.AudienceGroup", "配信グループ", records)
    section.note = "登録情報が変わると、条件で決まるグループは自動で変わります。"
    return [section]


@my_data_provider
def _deliveries(alumnus: Alumnus) -> list[MyDataSection]:
    from cms.push.models import Delivery, PushSubscription

    records = []
    deliveries = (
        Delivery.objects.filter(alumnus=alumnus, sent_at__isnull=False)
        .select_related("item")
        .order_by("-sent_at")
    )
    for delivery in deliveries:
        records.append(
            [
                my_data_row("お知らせ", delivery.item.title),
                my_data_row("経路", delivery.get_channel_display()),
                my_data_row("送信日時", jst_datetime(delivery.sent_at) if delivery.sent_at else ""),
                my_data_row(
                    "開封日時", jst_datetime(delivery.opened_at) if delivery.opened_at else ""
                ),
            ]
        )
    devices = [
        [
            my_data_row("登録日時", jst_datetime(subscription.created_at)),
            my_data_row(
                "最後に届いた日時",
                jst_datetime(subscription.last_success_at) if subscription.last_success_at else "",
            ),
        ]
        for subscription in PushSubscription.objects.filter(alumnus=alumnus).order_by("pk")
    ]
    return [
        described_section("deliveries", "push.Delivery", "受け取ったお知らせ", records),
        described_section(
            "push_subscriptions", "push.PushSubscription", "プッシュ通知を受け取る端末", devices
        ),
    ]


@my_data_provider
def _signals(alumnus: Alumnus) -> list[MyDataSection]:
    since = timezone.now() - dt.timedelta(days=SIGNAL_DAYS)
    records = [
        [
            my_data_row("日時", jst_datetime(signal.occurred_at)),
            my_data_row("種類", signal.get_type_display()),
            my_data_row("対象", getattr(signal, "title", "")),
            my_data_row("回数", str(signal.count)),
            my_data_row(
                "利用目的",
                " / ".join(purpose.text for purpose in SIGNAL_PURPOSES.get(signal.type, ())),
            ),
        ]
        for signal in signals_of(alumnus=alumnus, since=since)
    ]
    section = described_section(
        "signals", "analytics.Signal", f"利用状況の記録（直近 {SIGNAL_DAYS} 日）", records
    )
    if not alumnus.consent_analytics:
        section.note = "分析への利用に同意していないため、記録していません。"
    type_labels = dict(SignalType.choices)
    kind_labels = dict(ContentKind.choices)
    monthly = [
        [
            my_data_row("月", f"{row.month:%Y年%-m月}"),
            *(
                my_data_row(type_labels[kind], f"{count} 回")
                for kind, count in row.type_counts().items()
            ),
            *(
                my_data_row(f"閲覧（{kind_labels[kind]}）", f"{count} 回")
                for kind, count in row.view_counts().items()
            ),
        ]
        for row in SignalMonthly.objects.filter(alumnus=alumnus).order_by("-month")
    ]
    months = described_section(
        "signal_months", "analytics.SignalMonthly", "利用状況の月別回数", monthly
    )
    return [section, months]


def my_data_csv(*, data: dict[str, Any]) -> bytes:
    """「自分のデータ」 as one table that Excel opens (UTF-8 with BOM): each row says its part,
    the part's purpose and retention, the item and its value."""
    import csv
    import io

    from cms.alumni.export import inert_cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["区分", "項目", "内容", "利用目的", "保存期間"])
    for section in data["sections"]:
        why = [section["purpose"], section["retention"]]
        records = section["records"]
        if not records:
            writer.writerow([section["title"], "", section["note"] or "ありません", *why])
        for number, record in enumerate(records, start=1):
            title = section["title"] + (f"（{number}件目）" if len(records) > 1 else "")
            for row in record:
                writer.writerow([title, row["name"], inert_cell(row["value"]), *why])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
