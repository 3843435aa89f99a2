"""The inventory of personal data (個人情報ファイル簿): every column that holds personal data,
with its purpose, retention and who may see it.

It is kept here, beside the models, and read by three places: HR's admin page (個人情報ファイル簿),
the privacy notice of the PWA (rendered from it at build time: it holds no personal data itself)
and 「自分のデータ」. `tests/analytics/test_inventory.py` walks every installed model and fails when
a model links to an alumnus or a roster entry, or has a personal field, that is not listed here.
"""

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from cms.alumni.models import ROSTER_FIELDS
from cms.staff_roles import ALUMNI_HR, CHAT_HR, DELIVERY_HR

from .models import MONTHLY_TYPE_FIELDS, MONTHLY_VIEW_FIELDS

SELF = "本人"
RETENTION_REGISTERED = "退会まで（退会すると削除します）"
# Names of columns whose model gives none in Japanese.
FIELD_LABELS = {
    "user": "ログイン用アカウント",
    "alumnus": "アルムナイ",
    "form_data": "回答内容",
    "email": "メールアドレス",
    "created_at": "作成日時",
    "used_at": "使用日時",
    "failed_attempts": "誤入力の回数",
    "key_hash": "メールアドレスまたは IP アドレスのハッシュ値",
    "requester_hash": "コードを請求した IP アドレス（の範囲）のハッシュ値",
    "content": "名簿ファイルの内容",
    "author": "投稿者",
    "reporter": "通報者",
}


@dataclass(frozen=True)
class PersonalDataFile:
    """One table holding personal data: which columns, why, how long, who may see them."""

    model: str  # "app_label.ModelName"
    title: str
    fields: tuple[str, ...]
    purpose: str
    retention: str
    visible_to: tuple[str, ...]

    def items(self) -> list[str]:
        """The Japanese names of the columns (記録項目)."""
        model = apps.get_model(self.model)
        names = []
        for name in self.fields:
            try:
                label = str(model._meta.get_field(name).verbose_name)
            except FieldDoesNotExist:
                label = name
            names.append(label if not label.isascii() else FIELD_LABELS.get(name, label))
        return names

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "title": self.title,
            "items": self.items(),
            "purpose": self.purpose,
            "retention": self.retention,
            "visible_to": list(self.visible_to),
        }


INVENTORY: tuple[PersonalDataFile, ...] = (
    PersonalDataFile(
        model="alumni.Alumnus",
        title="登録情報",
        fields=(
            "user",
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "email",
            "birth_date",
            "former_department",
            "retired_on",
            "current_region",
            "industry",
            "interests",
            "status",
            "channel",
            "consent_email",
            "consent_push",
            "consent_analytics",
            "privacy_notice_version",
            "registered_at",
            "roster_entry",
            "hired_on",
            "approved_at",
        ),
        purpose=(
            "ご本人の確認、カムバック採用やお知らせなど県からの情報のお届け、"
            "関心や地域に合った情報の選択のため"
        ),
        retention=RETENTION_REGISTERED,
        visible_to=(SELF, ALUMNI_HR),
    ),
    PersonalDataFile(
        model="alumni.RosterEntry",
        title="人事課の名簿（在職時の記録）",
        fields=(*ROSTER_FIELDS, "withdrawn_at"),
        purpose="登録のご案内（メールまたは郵送）と、登録資格の確認のため",
        retention="人事課の記録として保存（退会後も削除しませんが、案内は送りません）",
        visible_to=(SELF, ALUMNI_HR),
    ),
    PersonalDataFile(
        model="alumni.Invitation",
        title="招待",
        fields=("roster_entry", "channel", "delivery", "issued_at", "used_at", "expires_at"),
        purpose="登録のご案内を一度だけ有効にし、送付状況を確かめるため",
        retention="人事課の記録として保存（招待コードそのものは保存しません）",
        visible_to=(SELF, ALUMNI_HR),
    ),
    PersonalDataFile(
        model="alumni.OneTimeCode",
        title="ログイン用の確認コード",
        fields=(
            "alumnus",
            "email",
            "created_at",
            "used_at",
            "failed_attempts",
            "requester_hash",
        ),
        purpose="ログインとメールアドレス変更のご本人確認のため（コードそのものは保存しません）",
        retention="48 時間（期限の切れたコードと未確認の新しいメールアドレスは自動で削除します）",
        visible_to=(SELF,),
    ),
    PersonalDataFile(
        model="alumni.ThrottleEvent",
        title="試行回数の記録",
        fields=("key_hash",),
        purpose="確認コードの総当たりを防ぐため（メールアドレスや IP アドレスはハッシュ値のみ）",
        retention="1 日の上限の判定に使い、48 時間で自動で削除します",
        visible_to=(),
    ),
    PersonalDataFile(
        model="alumni.RosterUpload",
        title="取込中の名簿ファイル",
        fields=("content",),
        purpose="名簿の取込内容を確認してから登録するため",
        retention="取込の確定まで（確定すると削除し、確定されなくても 48 時間で自動で削除します）",
        visible_to=(ALUMNI_HR,),
    ),
    PersonalDataFile(
        model="analytics.Signal",
        title="利用状況の記録",
        fields=("alumnus", "type", "content_kind", "content_id", "channel", "count", "occurred_at"),
        purpose=(
            "分析に同意した方に限り、カムバック採用試験を受験される見込みを推計し、"
            "お届けする情報を選ぶため（選考には使いません）"
        ),
        retention="25 か月（応募期 2 回分）、分析の停止または退会で削除します",
        visible_to=(SELF, ALUMNI_HR),
    ),
    PersonalDataFile(
        model="analytics.SignalMonthly",
        title="利用状況の月別回数",
        fields=("alumnus", "month", *MONTHLY_TYPE_FIELDS.values(), *MONTHLY_VIEW_FIELDS.values()),
        purpose="利用状況の記録と同じ（月ごとの回数だけを残します）",
        retention="退会まで。分析の停止で削除します",
        visible_to=(SELF, ALUMNI_HR),
    ),
    PersonalDataFile(
        model="groups.AudienceGroup",
        title="配信グループ（個別に追加されたメンバー）",
        fields=("members",),
        purpose="対象を絞ったお知らせをお届けするため",
        retention=RETENTION_REGISTERED,
        visible_to=(SELF, DELIVERY_HR),
    ),
    PersonalDataFile(
        model="push.PushSubscription",
        title="プッシュ通知の購読",
        fields=("alumnus", "endpoint", "p256dh", "auth", "created_at", "last_success_at"),
        purpose="ご希望の端末にプッシュ通知をお届けするため",
        retention="購読の解除、通知先の失効または退会まで",
        visible_to=(),
    ),
    PersonalDataFile(
        model="push.Delivery",
        title="お知らせ・アンケートの配信記録",
        fields=("alumnus", "channel", "reason", "status", "sent_at", "opened_at"),
        purpose="毎月 1〜2 件の情報が全員に届いているかを確かめ、届かない方に別の経路で送るため",
        retention=RETENTION_REGISTERED,
        visible_to=(SELF, DELIVERY_HR),
    ),
    PersonalDataFile(
        model="chat.Membership",
        title="交流グループへの参加",
        fields=("alumnus", "status", "role", "rules_accepted_at", "joined_at", "muted"),
        purpose="交流グループを提供し、参加者だけが読めるようにするため",
        retention=RETENTION_REGISTERED,
        visible_to=(SELF, CHAT_HR),
    ),
    PersonalDataFile(
        model="chat.Message",
        title="交流グループへの投稿",
        fields=("author", "body", "created_at", "edited_at"),
        purpose="交流グループでの会話のため",
        retention="削除するか退会するまで（退会後は投稿者名を表示しません）",
        visible_to=(SELF, "同じグループの参加者", CHAT_HR),
    ),
    PersonalDataFile(
        model="chat.Report",
        title="投稿の通報",
        fields=("reporter", "reason", "created_at"),
        purpose="交流グループのルールを守るため",
        retention=RETENTION_REGISTERED,
        visible_to=(SELF, CHAT_HR),
    ),
)

SURVEY_PURPOSE = "カムバック採用に応募するときに重視することを伺い、制度と情報の改善に役立てるため"
SURVEYS = (
    PersonalDataFile(
        model="surveys.SurveyResponse",
        title="アンケートへの回答",
        fields=("alumnus", "answers", "targeting_consent", "submitted_at", "updated_at"),
        purpose=SURVEY_PURPOSE
        + "（同意した質問の回答に限り、関心に合った情報をお届けするためにも使います）",
        retention=RETENTION_REGISTERED,
        visible_to=(SELF, ALUMNI_HR + "（自由記述と出力）", "アンケートの編集者（集計のみ）"),
    ),
    # Wagtail's form app stays installed for the first survey migration only: a page POST is
    # refused (405) and nothing is stored in it.
    PersonalDataFile(
        model="wagtailforms.FormSubmission",
        title="Wagtail 標準フォームの送信内容（使用していません）",
        fields=("form_data",),
        purpose=SURVEY_PURPOSE + "（回答は「アンケートへの回答」に保存し、ここには保存しません）",
        retention="保存しません",
        visible_to=(),
    ),
)
INVENTORY = (*INVENTORY, *SURVEYS)

COMEBACK_PURPOSE = (
    "分析に同意した方に限り、カムバック採用試験を受験される見込みを推計し、"
    "お届けする情報の優先順位を決めるため（選考には用いません）"
)
COMEBACK = (
    PersonalDataFile(
        model="comeback.Outcome",
        title="カムバック採用への応募結果",
        fields=("alumnus", "season", "applied", "hired", "recorded_at", "recorded_by"),
        purpose="応募の見込みの推計を実際の結果で確かめ、推計モデルを学習するため",
        retention="人事課の記録として保存（退会で削除します）",
        visible_to=(ALUMNI_HR,),
    ),
    PersonalDataFile(
        model="comeback.Estimate",
        title="カムバック採用試験を受験される見込みの推計",
        fields=(
            "alumnus",
            "computed_on",
            "model_version",
            "probability",
            "band",
            "contributions",
            "eligible",
            "window_closes_on",
            "reason",
            "changed",
        ),
        purpose=COMEBACK_PURPOSE,
        retention=RETENTION_REGISTERED
        + "。分析への利用を止めると、それまでの推計もその時に削除します",
        visible_to=(SELF, ALUMNI_HR),
    ),
    PersonalDataFile(
        model="comeback.ReminderPreference",
        title="カムバック採用のお知らせの希望",
        fields=("alumnus", "opted_in", "updated_at"),
        purpose="ご希望の方に、受験資格の期限や申込受付の開始をお知らせするため",
        retention=RETENTION_REGISTERED,
        visible_to=(SELF, ALUMNI_HR),
    ),
    PersonalDataFile(
        model="comeback.ReminderSent",
        title="送信したカムバック採用のお知らせ",
        fields=("alumnus", "kind", "key", "channel", "sent_at"),
        purpose="同じお知らせを二度送らないため",
        retention=RETENTION_REGISTERED,
        visible_to=(SELF, ALUMNI_HR),
    ),
)
INVENTORY = (*INVENTORY, *COMEBACK)

# Columns that look personal by name but are not about a person (each with the reason).
NOT_PERSONAL: dict[str, str] = {
    "content.JobPage.contact_email": "担当課の公開の連絡先",
    "content.JobPage.contact_phone": "担当課の公開の連絡先",
    "content.ContactSettings.email": "人事課の公開の連絡先",
    "content.ContactSettings.phone": "人事課の公開の連絡先",
    "alumni.AuditLogEntry.actor_username": "職員の操作記録（アルムナイの個人情報ではありません）",
    "content.NoticePage.body": "人事課が書いて公開するお知らせの本文",
    "content.PressReleasePage.body": "人事課が書いて公開する報道発表の本文",
    "content.StandardPage.body": "人事課が書いて公開するページの本文",
    "content.BuildFailure.reason": "サイト生成の失敗の理由（システムの記録）",
}


def inventory_entries() -> list[PersonalDataFile]:
    """The inventory, restricted to installed apps (and whatever other domains add)."""
    installed = {config.label for config in apps.get_app_configs()}
    return [entry for entry in INVENTORY if entry.model.split(".")[0] in installed]


def inventory_for(model_label: str) -> PersonalDataFile | None:
    """The entry of one model ("app_label.ModelName"), if it holds personal data."""
    for entry in inventory_entries():
        if entry.model.lower() == model_label.lower():
            return entry
    return None


def privacy_notice_data() -> dict[str, Any]:
    """What the PWA's 「個人情報の取扱い」 page shows, rendered at build time (no personal data):
    the inventory, and each kind of usage record with its purposes."""
    from .models import SIGNAL_PURPOSES, SignalType

    return {
        "entries": [entry.as_dict() for entry in inventory_entries()],
        "signal_types": [
            {"label": label, "purposes": [p.text for p in SIGNAL_PURPOSES.get(value, ())]}
            for value, label in SignalType.choices
        ],
    }
