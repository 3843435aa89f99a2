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


# The columns of SignalMonthly: one count per signal type, and views by kind of content.
MONTHLY_TYPE_FIELDS: dict[str, str] = {
    SignalType.LOGIN: "logins",
    SignalType.PAGE_VIEW: "page_views",
    SignalType.NOTICE_OPENED: "notices_opened",
    SignalType.JOB_VIEWED: "jobs_viewed",
    SignalType.SURVEY_ANSWERED: "surveys_answered",
    SignalType.CHAT_ACTIVE: "chat_posts",
}
# Views (page_view, job_viewed, notice_opened) by the kind of content viewed, for HR's activity
# view; any other kind counts as "page" (その他のページ).
MONTHLY_VIEW_TYPES = (SignalType.PAGE_VIEW, SignalType.JOB_VIEWED, SignalType.NOTICE_OPENED)
MONTHLY_VIEW_FIELDS: dict[str, str] = {
    ContentKind.NOTICE: "views_notice",
    ContentKind.JOB: "views_job",
    ContentKind.PRESS: "views_press",
    ContentKind.SURVEY: "views_survey",
    ContentKind.PAGE: "views_page",
}


class SignalMonthly(models.Model):
    """Per person and month: how many of each type, and views by kind of content; kept while
    the person is registered. One narrow row a person-month, so HR's monthly counts of
    everyone read a few hundred thousand rows, not one per type and kind."""

    alumnus = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="signal_months",
        verbose_name="アルムナイ",
    )
    month = models.DateField("月")  # the first day of the month (JST)
    logins = models.PositiveIntegerField("ログイン", default=0)
    page_views = models.PositiveIntegerField("ページの閲覧", default=0)
    notices_opened = models.PositiveIntegerField("通知・メールからのお知らせの表示", default=0)
    jobs_viewed = models.PositiveIntegerField("求人情報の閲覧", default=0)
    surveys_answered = models.PositiveIntegerField("アンケートへの回答", default=0)
    chat_posts = models.PositiveIntegerField("グループへの投稿", default=0)
    views_notice = models.PositiveIntegerField("閲覧（お知らせ）", default=0)
    views_job = models.PositiveIntegerField("閲覧（求人情報）", default=0)
    views_press = models.PositiveIntegerField("閲覧（報道発表）", default=0)
    views_survey = models.PositiveIntegerField("閲覧（アンケート）", default=0)
    views_page = models.PositiveIntegerField("閲覧（その他のページ）", default=0)

    class Meta:
        verbose_name = "利用状況の月別回数"
        verbose_name_plural = "利用状況の月別回数"
        constraints = [
            models.UniqueConstraint(fields=("alumnus", "month"), name="signal_monthly_person_month")
        ]
        # HR's monthly figures read every person's row of a month (cms.reports).
        indexes = [models.Index(fields=("month",), name="signal_monthly_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.alumnus_id}"

    def type_counts(self) -> dict[str, int]:
        """{signal type: count} of this month, the types with a count only."""
        counts = {kind: getattr(self, field) for kind, field in MONTHLY_TYPE_FIELDS.items()}
        return {kind: count for kind, count in counts.items() if count}

    def view_counts(self) -> dict[str, int]:
        """{kind of content: views} of this month, the kinds with a view only."""
        counts = {kind: getattr(self, field) for kind, field in MONTHLY_VIEW_FIELDS.items()}
        return {kind: count for kind, count in counts.items() if count}


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
