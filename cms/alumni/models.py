"""Former staff: roster, eligibility, invitations, registration, login, profile, privacy rights."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class RegistrationChannel(models.TextChoices):
    EMAIL = "email", "メールでの招待"
    LETTER = "letter", "郵送での招待"
    OPEN = "open", "招待なし（人事課が承認）"


class AlumnusStatus(models.TextChoices):
    PENDING = "pending", "承認待ち"
    ACTIVE = "active", "登録済み"
    SUSPENDED = "suspended", "利用停止"


class Alumnus(models.Model):
    """A registered former employee; signs in as the linked Django user (no password, by code)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alumnus"
    )
    family_name = models.CharField("姓", max_length=50)
    given_name = models.CharField("名", max_length=50)
    family_name_kana = models.CharField("姓（ふりがな）", max_length=50)
    given_name_kana = models.CharField("名（ふりがな）", max_length=50)
    email = models.EmailField("メールアドレス", unique=True)
    birth_date = models.DateField("生年月日")
    former_department = models.CharField("退職時の所属", max_length=100, blank=True)
    retired_on = models.DateField("退職日", null=True, blank=True)
    current_region = models.CharField("現在の居住地域", max_length=50, blank=True)
    industry = models.CharField("現在の業種", max_length=50, blank=True)
    interests = models.JSONField("関心分野", default=list, blank=True)
    status = models.CharField(
        "状態", max_length=16, choices=AlumnusStatus.choices, default=AlumnusStatus.ACTIVE
    )
    channel = models.CharField("登録経路", max_length=16, choices=RegistrationChannel.choices)
    consent_email = models.BooleanField("メールでのお知らせ", default=False)
    consent_push = models.BooleanField("プッシュ通知", default=False)
    consent_analytics = models.BooleanField("利用状況の分析への利用", default=False)
    privacy_notice_version = models.CharField("同意したプライバシーポリシーの版", max_length=20)
    registered_at = models.DateTimeField("登録日時", auto_now_add=True)
    roster_entry = models.OneToOneField(
        "RosterEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alumnus",
        verbose_name="名簿",
    )
    hired_on = models.DateField("採用日", null=True, blank=True)
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)

    class Meta:
        verbose_name = "アルムナイ"
        verbose_name_plural = "アルムナイ"
        ordering = ("family_name_kana", "given_name_kana")

    def __str__(self) -> str:
        return f"{self.family_name} {self.given_name}"


# The columns of HR's roster, once: the import reads them (cms/alumni/roster.py), HR's form edits
# them (but the staff number), 開示 shows them and the inventory (個人情報ファイル簿) lists them.
ROSTER_FIELDS = (
    "staff_number",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birth_date",
    "former_department",
    "hired_on",
    "retired_on",
    "email",
    "postal_code",
    "address",
)


class RosterEntry(models.Model):
    """One former employee in HR's roster; imported from HR's file, updated by staff number."""

    staff_number = models.CharField("職員番号", max_length=20, unique=True)
    family_name = models.CharField("姓", max_length=50)
    given_name = models.CharField("名", max_length=50)
    family_name_kana = models.CharField("姓（ふりがな）", max_length=50)
    given_name_kana = models.CharField("名（ふりがな）", max_length=50)
    birth_date = models.DateField("生年月日")
    former_department = models.CharField("退職時の所属", max_length=100, blank=True)
    hired_on = models.DateField("採用日", null=True, blank=True)
    retired_on = models.DateField("退職日", null=True, blank=True)
    email = models.EmailField("メールアドレス", blank=True)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("退職時の住所", max_length=200, blank=True)
    # Set when the person deleted their account (退会): from then on no invitation, letter or
    # digest goes to this entry; only HR's explicit, audited action clears it.
    withdrawn_at = models.DateTimeField("退会日時", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("取込日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "名簿"
        verbose_name_plural = "名簿"
        ordering = ("staff_number",)

    def __str__(self) -> str:
        return f"{self.staff_number} {self.family_name} {self.given_name}"


class InvitationChannel(models.TextChoices):
    EMAIL = "email", "メール"
    LETTER = "letter", "郵送"


class InvitationDelivery(models.TextChoices):
    QUEUED = "queued", "送信待ち"
    SENDING = "sending", "送信中"
    RETRY = "retry", "再送待ち"
    SENT = "sent", "送信済み"
    FAILED = "failed", "失敗"
    PRINTED = "printed", "印刷済み"


class Invitation(models.Model):
    """An invitation code for one roster entry; only its hash is stored."""

    roster_entry = models.ForeignKey(
        RosterEntry, on_delete=models.CASCADE, related_name="invitations", verbose_name="名簿"
    )
    channel = models.CharField("経路", max_length=16, choices=InvitationChannel.choices)
    code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    delivery = models.CharField(
        "送付状況",
        max_length=16,
        choices=InvitationDelivery.choices,
        default=InvitationDelivery.QUEUED,
    )
    delivery_error = models.CharField("失敗の理由", max_length=200, blank=True)
    # Tries of the mail so far, kept across runs; 再送待ち until `retry_at`, 失敗 after the last.
    attempts = models.PositiveSmallIntegerField("試行回数", default=0)
    retry_at = models.DateTimeField("再送予定日時", null=True, blank=True)
    # Until when a 「送信中」 claim holds; past it, `manage.py sweep_claims` queues the mail again.
    claimed_until = models.DateTimeField("送信中の期限", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    issued_at = models.DateTimeField("発行日時", null=True, blank=True)
    expires_at = models.DateTimeField("有効期限", null=True, blank=True)
    used_at = models.DateTimeField("使用日時", null=True, blank=True)
    retired_at = models.DateTimeField("無効化日時", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="発行者",
    )

    class Meta:
        verbose_name = "招待"
        verbose_name_plural = "招待"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.roster_entry.staff_number} {self.get_channel_display()}"

    @property
    def is_stuck(self) -> bool:
        """送信中 past its lease: the worker that held it died (the sweeper queues it again)."""
        return self.delivery == InvitationDelivery.SENDING and (
            self.claimed_until is None or self.claimed_until < timezone.now()
        )

    @property
    def mail_state(self) -> str:
        """The state of the invitation mail as HR reads it (停止 for a stuck 送信中)."""
        if self.is_stuck:
            return "停止（期限切れの送信中）"
        return str(self.get_delivery_display())

    @property
    def can_resend(self) -> bool:
        """HR may send a failed or stuck mail again (not a used, retired or withdrawn one)."""
        return (
            self.channel == InvitationChannel.EMAIL
            and (self.delivery == InvitationDelivery.FAILED or self.is_stuck)
            and self.used_at is None
            and self.retired_at is None
            and self.roster_entry.withdrawn_at is None
        )


class LetterPrint(models.Model):
    """A record of each time a letter with a code was printed (downloaded as PDF)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="prints")
    printed_at = models.DateTimeField("印刷日時", auto_now_add=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "郵送の印刷記録"
        verbose_name_plural = "郵送の印刷記録"

    def __str__(self) -> str:
        return f"{self.invitation_id} {self.printed_at:%Y-%m-%d %H:%M}"


class OneTimeCodePurpose(models.TextChoices):
    LOGIN = "login", "ログイン"
    EMAIL_CHANGE = "email_change", "メールアドレスの変更"


class OneTimeCode(models.Model):
    """A 6-digit code sent by mail: for login, or to confirm a new email address.

    Every login-code request makes one, registered address or not, so that the request does the
    same work either way: the mail task finds the alumnus (`alumnus` stays empty for an unknown
    address, and that code is never mailed and never matches). `manage.py purge_auth_records`
    deletes codes (and the unconfirmed new addresses they hold) after ALUMNI_PURGE_AFTER_HOURS."""

    purpose = models.CharField(max_length=16, choices=OneTimeCodePurpose.choices)
    email = models.EmailField()
    alumnus = models.ForeignKey(
        Alumnus,
        on_delete=models.CASCADE,
        related_name="one_time_codes",
        null=True,
        blank=True,
    )
    code_hash = models.CharField(max_length=64)
    # The keyed hash of the network that asked for the code (an IPv4 address or an IPv6 /64):
    # once an account's daily cap of wrong codes is reached, only that network may try the code.
    requester_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=("email", "purpose", "created_at"))]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class ThrottleEvent(models.Model):
    """One counted event (a code requested, a wrong code) by a hashed key: email or IP."""

    scope = models.CharField(max_length=32)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=("scope", "key_hash", "created_at"))]

    def __str__(self) -> str:
        return self.scope


class AccountDeletion(models.Model):
    """What the privacy notice keeps after a deletion: no personal data, only for counts."""

    channel = models.CharField(max_length=16, choices=RegistrationChannel.choices)
    registered_at = models.DateTimeField()
    deleted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.deleted_at:%Y-%m-%d}"


class AuditAction(models.TextChoices):
    VIEW = "view", "閲覧"
    EXPORT = "export", "出力"
    IMPORT = "import", "取込"
    APPROVE = "approve", "承認"
    EDIT = "edit", "変更"


class AuditLogEntry(models.Model):
    """Who among the staff saw or exported which personal records, and when; never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="職員",
    )
    actor_username = models.CharField("職員のユーザー名", max_length=150)
    action = models.CharField("操作", max_length=16, choices=AuditAction.choices)
    target = models.CharField("対象", max_length=100)
    record_ids = models.JSONField("対象レコード", default=list)
    # What else the entry needs to say (an export's format, the characters it replaced).
    detail = models.TextField("詳細", blank=True, default="")
    at = models.DateTimeField("日時", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "監査ログ"
        verbose_name_plural = "監査ログ"
        ordering = ("-at",)
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.get_action_display()}"


class RosterUpload(models.Model):
    """An uploaded roster file between preview and confirmation; deleted when confirmed."""

    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


@register_setting(icon="group")
class EligibilitySettings(BaseGenericSetting):
    """Who may register: HR edits these in the admin (設定 → 登録資格)."""

    min_years_of_service = models.PositiveSmallIntegerField("最低勤続年数", default=2)
    max_years_since_leaving = models.PositiveSmallIntegerField("退職後の最大年数", default=10)
    min_age = models.PositiveSmallIntegerField("年齢の下限", null=True, blank=True, default=18)
    max_age = models.PositiveSmallIntegerField("年齢の上限", null=True, blank=True, default=59)
    age_reference_date = models.DateField(
        "年齢の基準日", null=True, blank=True, help_text="空欄の場合は当日の年齢で判定します。"
    )
    allow_open_applications = models.BooleanField(
        "名簿にない方の申請を受け付ける",
        default=False,
        help_text="受け付けた申請は人事課が承認するまで利用できません。",
    )

    class Meta:
        verbose_name = "登録資格"
