"""Community groups, their members, messages, reports and the moderation log."""

import datetime as dt

from django.conf import settings
from django.db import models


class JoinPolicy(models.TextChoices):
    OPEN = "open", "誰でも参加できる"
    APPROVAL = "approval", "参加には承認が必要"


class CommunityGroup(models.Model):
    """A group where alumni talk to each other; created by HR in the admin."""

    name = models.CharField("グループ名", max_length=80, unique=True)
    description = models.TextField("説明", blank=True)
    join_policy = models.CharField(
        "参加方法", max_length=16, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    house_rules = models.TextField(
        "グループのルール",
        help_text="参加する前に表示し、同意を得ます（勧誘・営業の禁止など）。",
    )
    staff_moderators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="moderated_community_groups",
        # Staff who can sign in to Wagtail's admin (its roles never set Django's is_staff).
        limit_choices_to=models.Q(is_active=True)
        & (
            models.Q(is_superuser=True)
            | models.Q(groups__permissions__codename="access_admin")
            | models.Q(user_permissions__codename="access_admin")
        ),
        verbose_name="モデレーター（人事課の職員）",
        help_text="アルムナイのモデレーターは「メンバー」の画面で任命します。",
    )
    is_active = models.BooleanField(
        "公開中", default=True, help_text="オフにすると、アプリに表示されず投稿もできません。"
    )
    # Bumped by every change a member could see; a poll compares it first (ETag).
    version = models.PositiveBigIntegerField(default=0, editable=False)
    last_message_id = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        verbose_name = "交流グループ"
        verbose_name_plural = "交流グループ"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class MembershipStatus(models.TextChoices):
    PENDING = "pending", "承認待ち"
    ACTIVE = "active", "参加中"
    SUSPENDED = "suspended", "投稿停止中"
    LEFT = "left", "退出済み"


class MembershipRole(models.TextChoices):
    MEMBER = "member", "メンバー"
    MODERATOR = "moderator", "モデレーター"


# Members who may read the group (a suspended member reads but may not post).
READING_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED)
# Members whose group is listed as theirs (and who may leave it): readers and those waiting.
LISTED_STATUSES = (*READING_STATUSES, MembershipStatus.PENDING)


class Membership(models.Model):
    """An alumnus in a community group; one row per pair, kept when they leave."""

    group = models.ForeignKey(
        CommunityGroup,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name="グループ",
    )
    alumnus = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="community_memberships",
        verbose_name="アルムナイ",
    )
    status = models.CharField("状態", max_length=16, choices=MembershipStatus.choices)
    role = models.CharField(
        "役割", max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    rules_accepted_at = models.DateTimeField("ルールに同意した日時", null=True, blank=True)
    joined_at = models.DateTimeField("参加日時", null=True, blank=True)
    suspended_at = models.DateTimeField("投稿停止の日時", null=True, blank=True)
    last_read_message_id = models.PositiveBigIntegerField(default=0, editable=False)
    muted = models.BooleanField("通知をオフ", default=False)
    last_pushed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_pushed_message_id = models.PositiveBigIntegerField(default=0, editable=False)
    # Which running push task holds this membership (empty when none does).
    push_claim = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        verbose_name = "メンバー"
        verbose_name_plural = "メンバー"
        ordering = ("group", "created_at")
        constraints = [
            models.UniqueConstraint(fields=["group", "alumnus"], name="chat_membership_once")
        ]

    def __str__(self) -> str:
        return f"{self.group} / {self.alumnus}"

    @property
    def is_moderator(self) -> bool:
        return self.role == MembershipRole.MODERATOR and self.status == MembershipStatus.ACTIVE


class Message(models.Model):
    """One text message; `client_id` makes a retried post land once (unique per author)."""

    group = models.ForeignKey(
        CommunityGroup, on_delete=models.CASCADE, related_name="messages", verbose_name="グループ"
    )
    author = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="community_messages",
        verbose_name="投稿者",
    )
    client_id = models.UUIDField(editable=False)
    body = models.TextField("本文", blank=True)
    created_at = models.DateTimeField("投稿日時", auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField("編集日時", null=True, blank=True)
    deleted_at = models.DateTimeField("削除日時", null=True, blank=True)
    hidden_at = models.DateTimeField("非表示にした日時", null=True, blank=True)
    # The group's version when this message last changed: a poll fetches what changed since.
    revision = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "メッセージ"
        verbose_name_plural = "メッセージ"
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"], name="chat_message_client_id_once"
            )
        ]
        indexes = [
            models.Index(fields=["group", "revision"], name="chat_message_revision_idx"),
            # A member's posts of the last minute (the flood limit, counted at every post).
            models.Index(fields=["author", "created_at"], name="chat_message_author_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.group} #{self.pk}"

    @property
    def state(self) -> str:
        """What members see of it: its text ("visible") or a placeholder ("hidden", "deleted")."""
        if self.deleted_at is not None:
            return "deleted"
        return "visible" if self.hidden_at is None else "hidden"

    @property
    def author_name(self) -> str:
        """Who wrote it, as members and moderators read it (an erased author has no name)."""
        return "退会したメンバー" if self.author is None else str(self.author)

    @property
    def editable_until(self) -> dt.datetime:
        """Its author may edit it until CHAT_EDIT_MINUTES after posting."""
        return self.created_at + dt.timedelta(minutes=settings.CHAT_EDIT_MINUTES)


class ReportStatus(models.TextChoices):
    OPEN = "open", "未対応"
    ACTIONED = "actioned", "対応済み（非表示など）"
    DISMISSED = "dismissed", "問題なし"


class Report(models.Model):
    """A member's report of a message; one per reporter and message."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="reports", verbose_name="メッセージ"
    )
    reporter = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="community_reports",
        verbose_name="報告者",
    )
    reason = models.CharField("理由", max_length=500, blank=True)
    status = models.CharField(
        "状態", max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField("報告日時", auto_now_add=True)
    resolved_at = models.DateTimeField("対応日時", null=True, blank=True)

    class Meta:
        verbose_name = "通報"
        verbose_name_plural = "通報"
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="chat_report_once")
        ]

    def __str__(self) -> str:
        return f"通報 #{self.pk}"


class ModerationAction(models.TextChoices):
    HIDE = "hide", "メッセージを非表示"
    UNHIDE = "unhide", "非表示を解除"
    SUSPEND = "suspend", "投稿を停止"
    REINSTATE = "reinstate", "投稿停止を解除"
    APPROVE = "approve", "参加を承認"
    APPOINT = "appoint", "モデレーターに任命"
    DISMISS = "dismiss", "通報を問題なしとして処理"


class ModerationLogEntry(models.Model):
    """Every moderation action, who took it and on what; never edited."""

    group = models.ForeignKey(
        CommunityGroup, on_delete=models.CASCADE, related_name="+", verbose_name="グループ"
    )
    action = models.CharField("操作", max_length=16, choices=ModerationAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="操作した人",
    )
    actor_label = models.CharField("操作した人（記録）", max_length=150)
    message = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="メッセージ",
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="メンバー",
    )
    note = models.CharField("メモ", max_length=500, blank=True)
    at = models.DateTimeField("日時", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "モデレーションの記録"
        verbose_name_plural = "モデレーションの記録"
        ordering = ("-at",)
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()}"
