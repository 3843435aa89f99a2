"""The person's data (開示) in words a person reads: Japanese labels, JST times, dates in 和暦 with
the Western year beside them, CSV for Excel."""

import csv
import datetime as dt
import io
import re
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

from cms.alumni.normalise import wareki_with_year

# Which model describes the records of each part of `alumnus_export`: its fields' Japanese
# names and choices label the values. Parts of apps that are not installed are skipped.
SECTION_MODELS = {
    "profile": "alumni.Alumnus",
    "roster": "alumni.RosterEntry",
    "invitations": "alumni.Invitation",
    "community_groups": "chat.Membership",
    "community_messages": "chat.Message",
    "community_reports": "chat.Report",
    "login_codes": "alumni.OneTimeCode",
    "push_subscriptions": "push.PushSubscription",
    "deliveries": "push.Delivery",
    "audience_groups": "groups.AudienceGroup",
    "survey_answers": "surveys.SurveyResponse",
    "signals": "analytics.Signal",
    "signal_months": "analytics.SignalMonthly",
    "comeback_estimates": "comeback.Estimate",
    "comeback_outcomes": "comeback.Outcome",
    "comeback_reminders": "comeback.ReminderPreference",
    "comeback_reminders_sent": "comeback.ReminderSent",
}
SECTION_TITLES = {
    "profile": "登録情報",
    "roster": "人事課の名簿（在職時の記録）",
    "invitations": "招待",
    "community_groups": "参加しているグループ",
    "community_messages": "グループへの投稿",
    "community_reports": "通報",
    "login_codes": "確認コードの送付（確認前の新しいメールアドレスを含む）",
    "push_subscriptions": "プッシュ通知を受け取る端末",
    "deliveries": "お知らせ・アンケートの配信と開封の記録",
    "audience_groups": "人事課が個別に追加した配信グループ",
    "survey_answers": "アンケートへの回答",
    "signals": "利用状況の記録",
    "signal_months": "利用状況の月別回数",
    "comeback_estimates": "カムバック採用への応募の見込み（推計）",
    "comeback_outcomes": "カムバック採用の応募結果",
    "comeback_reminders": "カムバック採用のお知らせの希望",
    "comeback_reminders_sent": "送信したカムバック採用のお知らせ",
}
OTHER_TITLE = "その他"
# Keys that are not a model field of the same name.
LABELS = {
    "id": "番号",
    "hidden_by_moderator": "管理者による非表示",
    "login_codes_sent": "送ったログイン用確認コードの数",
    "message": "対象のメッセージ番号",
    "purpose": "用途",
    "email": "メールアドレス",
    "created_at": "作成日時",
    "expires_at": "有効期限",
    "used_at": "使用日時",
    "item": "お知らせ・アンケート",
    "name": "グループ名",
    "survey": "アンケート",
    "season__year": "募集年度",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def jst_datetime(value: dt.datetime) -> str:
    """2026年11月29日 14時05分, in the site's time zone (JST)."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local:%Y年%-m月%-d日 %H時%M分}"


def _field(model: type[models.Model] | None, key: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except Exception:  # FieldDoesNotExist: a derived key
        return None


def _label(field: Any, key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    name = str(getattr(field, "verbose_name", "") or "")
    return name if name and not name.isascii() else key


def _mapping(value: dict[str, Any]) -> str:
    if "label" in value and "log_odds" in value:
        # A factor of the comeback estimate: its words and its weight, not its internal code.
        return f"{value['label']}（{float(value['log_odds']):+.2f}）"
    return "、".join(f"{k}: {_value(None, v)}" for k, v in value.items())


def _value(field: Any, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return "、".join(_value(field, item) for item in value)
    if isinstance(value, dict):
        return _mapping(value)
    choices = dict(getattr(field, "flatchoices", None) or [])
    if value in choices:
        return str(choices[value])
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return jst_datetime(dt.datetime.fromisoformat(value))
    if isinstance(value, str) and _ISO_DATE.match(value):
        return wareki_with_year(dt.date.fromisoformat(value))
    return str(value)


def _model(section: str) -> type[models.Model] | None:
    try:
        return apps.get_model(SECTION_MODELS[section])
    except (KeyError, LookupError):
        return None


def _record(model: type[models.Model] | None, data: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"name": _label(_field(model, key), key), "value": _value(_field(model, key), value)}
        for key, value in data.items()
    ]


def export_sections(*, data: dict[str, Any]) -> list[dict[str, Any]]:
    """`alumnus_export`'s data as titled sections of records of (name, value) rows."""
    sections: list[dict[str, Any]] = []
    other: dict[str, Any] = {}
    for key, value in data.items():
        model = _model(key)
        if isinstance(value, dict):
            records = [_record(model, value)]
        elif isinstance(value, list) and all(isinstance(item, dict) for item in value):
            records = [_record(model, item) for item in value]
        elif value is None:
            records = []
        else:
            other[key] = value
            continue
        sections.append({"key": key, "title": SECTION_TITLES.get(key, key), "records": records})
    if other:
        sections.append({"key": "other", "title": OTHER_TITLE, "records": [_record(None, other)]})
    return sections


def inert_cell(value: str) -> str:
    """A cell Excel shows as text, never runs as a formula (a message may start with "=")."""
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def export_csv(*, sections: list[dict[str, Any]]) -> bytes:
    """The sections as one table (区分・項目・内容) that Excel opens (UTF-8 with BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["区分", "項目", "内容"])
    for section in sections:
        records = section["records"]
        if not records:
            writer.writerow([section["title"], "", "ありません"])
        for number, record in enumerate(records, start=1):
            title = section["title"] + (f"（{number}件目）" if len(records) > 1 else "")
            for row in record:
                writer.writerow([title, row["name"], inert_cell(row["value"])])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
