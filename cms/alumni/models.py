"""Former staff: roster, eligibility, invitations, registration, login, profile, privacy rights."""

from django.conf import settings
from django.db import models


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

    class Meta:
        verbose_name = "アルムナイ"
        verbose_name_plural = "アルムナイ"
        ordering = ("family_name_kana", "given_name_kana")

    def __str__(self) -> str:
        return f"{self.family_name} {self.given_name}"
