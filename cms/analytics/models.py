"""Engagement signals of alumni who agreed to analysis, their monthly counts, anonymous page views.

Every signal type has a stated purpose (`SIGNAL_PURPOSES`) that 「自分のデータ」 and the privacy
notice show: APPI guidance (通則編 3-1-1) asks for a purpose specific enough that the person can
predict the analysis. No IP address, no user agent and never the content of a chat is stored.
"""

from dataclasses import dataclass

from django.db import models


class SignalType(models.TextChoices):
    LOGIN = "login", "ログイン"
    PAGE_VIEW = "page_view", "ページの閲覧"
    NOTICE_OPENED = "notice_opened", "通知・メールからのお知らせの表示"
    JOB_VIEWED = "job_viewed", "求人情報の閲覧"
    SURVEY_ANSWERED = "survey_answered", "アンケートへの回答"
    CHAT_ACTIVE = "chat_active", "グループへの投稿（日ごとの回数のみ、内容は記録しません）"


class ContentKind(models.TextChoices):
    NOTICE = "notice", "お知らせ"
    JOB = "job", "求人情報"
    PRESS = "press", "報道発表"
    PAGE = "page", "その他のページ"
    SURVEY = "survey", "アンケート"
    GROUP = "group", "グループ"
    NONE = "", "なし"


class SignalChannel(models.TextChoices):
    # The same values as the `via=` of the links in notifications and mails (cms.push.Channel).
    PUSH = "push", "プッシュ通知"
    EMAIL = "email", "メール"
    DIGEST = "digest", "月次まとめメール"
    NONE = "", "なし"


@dataclass(frozen=True)
class Purpose:
    """A purpose code and the sentence that says it to the person."""

    code: str
    text: str


PURPOSE_ESTIMATE = Purpose(
    code="P1",
    text=(
        "ログイン回数や閲覧した情報の種類から、カムバック採用試験を受験される見込みを推計し、"
        "お届けする情報の優先順位を決めるため（選考には使いません）"
    ),
)
PURPOSE_CONTENT = Purpose(
    code="P2",
    text="どの情報がよく読まれているかを知り、お届けする情報を改善するため",
)
PURPOSE_REACH = Purpose(
    code="P3",
    text="お知らせが届いて読まれたかを確かめ、届け方（通知・メール）を改善するため",
)

# The documented purposes of each signal type (shown in 「自分のデータ」 and the privacy notice).
SIGNAL_PURPOSES: dict[str, tuple[Purpose, ...]] = {
    SignalType.LOGIN: (PURPOSE_ESTIMATE,),
    SignalType.PAGE_VIEW: (PURPOSE_ESTIMATE, PURPOSE_CONTENT),
    SignalType.NOTICE_OPENED: (PURPOSE_REACH, PURPOSE_ESTIMATE),
    SignalType.JOB_VIEWED: (PURPOSE_ESTIMATE, PURPOSE_CONTENT),
    SignalType.SURVEY_ANSWERED: (PURPOSE_ESTIMATE,),
    SignalType.CHAT_ACTIVE: (PURPOSE_ESTIMATE,),
}


class Signal(models.Model):
    """One thing a consenting alumnus did; purged after `SIGNALS_RETENTION_MONTHS`."""

    alumnus = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="signals",
        verbose_name="アルムナイ",
    )
    type = models.CharField("種類", max_length=16, choices=SignalType.choices)
    content_kind = models.CharField(
        "情報の種類", max_length=8, choices=ContentKind.choices, blank=True
    )
    content_id = models.PositiveIntegerField("情報の番号", null=True, blank=True)
    channel = models.CharField("経路", max_length=8, choices=SignalChannel.choices, blank=True)
    # chat_active is one row per day with the number of posts; every other type counts 1.
    count = models.PositiveIntegerField("回数", default=1)
    occurred_at = models.DateTimeField("日時", db_index=True)

    class Meta:
        verbose_name = "利用状況の記録"
        verbose_name_plural = "利用状況の記録"
        indexes = [models.Index(fields=("alumnus", "occurred_at"))]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class SignalMonthly(models.Model):
    """Per person, month, type and kind of content: how many; kept while the person is registered."""

    alumnus = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="signal_months",
        verbose_name="アルムナイ",
    )
    month = models.DateField("月")  # the first day of the month (JST)
    type = models.CharField("種類", max_length=16, choices=SignalType.choices)
    content_kind = models.CharField(
        "情報の種類", max_length=8, choices=ContentKind.choices, blank=True
    )
    count = models.PositiveIntegerField("回数", default=0)

    class Meta:
        verbose_name = "利用状況の月別回数"
        verbose_name_plural = "利用状況の月別回数"
        constraints = [
            models.UniqueConstraint(
                fields=("alumnus", "month", "type", "content_kind"), name="signal_monthly_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_type_display()} {self.count}"


class PageViewCount(models.Model):
    """Views of one page on one day, by anyone who did not agree to analysis: no identifier."""

    day = models.DateField("日")
    content_kind = models.CharField("情報の種類", max_length=8, choices=ContentKind.choices)
    content_id = models.PositiveIntegerField("情報の番号")
    count = models.PositiveIntegerField("回数", default=0)

    class Meta:
        verbose_name = "ページの閲覧数（匿名）"
        verbose_name_plural = "ページの閲覧数（匿名）"
        constraints = [
            models.UniqueConstraint(
                fields=("day", "content_kind", "content_id"), name="page_view_count_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.content_kind} {self.content_id}: {self.count}"
