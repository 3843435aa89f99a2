"""Web push subscriptions, the VAPID key pair and the record of each delivery of an item (a
notice, a survey) to an alumnus."""

from django.db import models

from .items import DeliveryReason


class VapidKey(models.Model):
    """The application server's VAPID key pair; made once by `manage.py vapid_keys`."""

    private_key_pem = models.TextField("秘密鍵（PEM）")
    public_key = models.CharField("公開鍵（base64url）", max_length=100)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        verbose_name = "VAPID 鍵"
        verbose_name_plural = "VAPID 鍵"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"VAPID {self.public_key[:12]}…"


class PushSubscription(models.Model):
    """One browser or installed app of an alumnus that accepts web push."""

    alumnus = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
        verbose_name="アルムナイ",
    )
    endpoint = models.URLField("エンドポイント", max_length=1000, unique=True)
    p256dh = models.CharField("公開鍵（p256dh）", max_length=100)
    auth = models.CharField("認証シークレット（auth）", max_length=40)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    last_success_at = models.DateTimeField("最終送信成功日時", null=True, blank=True)
    # Tries since the last push this device received (429, 5xx, timeout, reset, refusal): kept
    # here, not in a task's arguments, so a deferred retry run counts on from the earlier ones.
    failed_tries = models.PositiveSmallIntegerField("連続して届かなかった回数", default=0)

    class Meta:
        verbose_name = "プッシュ通知の購読"
        verbose_name_plural = "プッシュ通知の購読"

    def __str__(self) -> str:
        return f"購読 #{self.pk}"


class Channel(models.TextChoices):
    PUSH = "push", "プッシュ通知"
    EMAIL = "email", "メール"
    DIGEST = "digest", "月次まとめメール"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "送信待ち"
    SENDING = "sending", "送信中"
    RETRY = "retry", "再送待ち"
    SENT = "sent", "送信済み"
    FAILED = "failed", "失敗"
    EXPIRED = "expired", "購読切れ"


class Delivery(models.Model):
    """An item (a page: a notice, a survey) reaching an alumnus by one channel for one reason:
    at most one per item × alumnus × channel × reason."""

    item = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name="配信した項目",
    )
    reason = models.CharField(
        "配信の理由",
        max_length=12,
        choices=DeliveryReason.choices,
        default=DeliveryReason.PUBLISHED,
    )
    alumnus = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name="アルムナイ",
    )
    channel = models.CharField("経路", max_length=8, choices=Channel.choices)
    status = models.CharField(
        "状態", max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    pushes_sent = models.PositiveSmallIntegerField("送信成功（端末数）", default=0)
    pushes_failed = models.PositiveSmallIntegerField("送信失敗（端末数）", default=0)
    pushes_expired = models.PositiveSmallIntegerField("購読切れ（端末数）", default=0)
    attempts = models.PositiveSmallIntegerField("試行回数", default=0)
    retry_at = models.DateTimeField("再送予定日時", null=True, blank=True)
    last_error = models.CharField("失敗の理由", max_length=200, blank=True)
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)
    opened_at = models.DateTimeField("開封日時", null=True, blank=True)
    # Which running task holds this delivery while it sends (empty when none does).
    claim = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    # Until when that claim holds: a 「送信中」 delivery past it was left by a dead worker and is
    # taken back by `manage.py sweep_claims`; it never counts as delivered.
    claimed_until = models.DateTimeField("送信中の期限", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        verbose_name = "配信記録"
        verbose_name_plural = "配信記録"
        constraints = [
            models.UniqueConstraint(
                fields=["item", "alumnus", "channel", "reason"],
                name="delivery_once_per_item_channel_reason",
            )
        ]
        indexes = [
            models.Index(fields=["sent_at"], name="delivery_sent_at_idx"),
            # The reports: what was sent in a month, and to whom (an index-only read of the month).
            models.Index(
                fields=["sent_at", "alumnus"],
                name="delivery_sent_month_idx",
                condition=models.Q(status="sent"),
            ),
            # The monitor's "received nothing this month": for each active alumnus, whether one
            # row of the month exists (an index-only probe per person, not a read of all their
            # deliveries: 0.9 s → 0.25 s at 100,000 alumni).
            models.Index(
                fields=["alumnus", "sent_at"],
                name="delivery_alumnus_sent_idx",
                condition=models.Q(status="sent"),
            ),
            # The delivery monitor, each from an index-only read of the notices it shows: the
            # counts by item, channel and state (with what they sum), the different people
            # reached, those who opened, and the reasons of what did not go.
            models.Index(
                fields=["item", "channel", "status"],
                include=["pushes_sent", "pushes_failed", "pushes_expired", "claimed_until"],
                name="delivery_item_state_idx",
            ),
            models.Index(
                fields=["item", "alumnus"],
                name="delivery_item_reached_idx",
                condition=models.Q(status="sent"),
            ),
            models.Index(
                fields=["item", "alumnus"],
                name="delivery_item_opened_idx",
                condition=models.Q(opened_at__isnull=False),
            ),
            # When the monthly digest last reached someone (the newest of a few per month).
            models.Index(
                fields=["sent_at"],
                name="delivery_digest_sent_idx",
                condition=models.Q(channel="digest", status="sent"),
            ),
            models.Index(
                fields=["item", "channel", "last_error"],
                name="delivery_item_error_idx",
                condition=~models.Q(status="sent") & ~models.Q(last_error=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"
