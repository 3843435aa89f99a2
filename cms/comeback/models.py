"""Seasons of comeback hiring, who applied, the model versions and the stored estimates.

An estimate is information for prioritising what HR sends; it is never used in selection
(「推計は情報提供の優先付けのためのもので、選考には用いません」)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from cms.alumni.normalise import wareki_fiscal_year


class Season(models.Model):
    """One year's comeback hiring: its dates and the eligibility rules HR sets for it."""

    year = models.PositiveIntegerField(
        "年度", unique=True, help_text="採用される年度（例: 2027 は令和9年4月1日採用）"
    )
    applications_open = models.DateField("申込受付開始日")
    applications_close = models.DateField("申込受付終了日")
    selection_on = models.DateField("選考日")
    appointment_on = models.DateField("採用日")
    min_service_years = models.PositiveSmallIntegerField("必要な在職年数（以上）", default=2)
    max_years_since_leaving = models.PositiveSmallIntegerField("退職からの年数（以内）", default=10)
    min_age = models.PositiveSmallIntegerField(
        "年齢の下限", null=True, blank=True, help_text="採用日時点の年齢"
    )
    max_age = models.PositiveSmallIntegerField(
        "年齢の上限", null=True, blank=True, help_text="採用日時点の年齢"
    )

    class Meta:
        verbose_name = "募集年度"
        verbose_name_plural = "募集年度"
        ordering = ("-year",)

    def __str__(self) -> str:
        return f"{self.year}年度（{wareki_fiscal_year(self.year)}）"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if (
            self.applications_open
            and self.applications_close
            and self.applications_close < self.applications_open
        ):
            errors["applications_close"] = "申込受付終了日は受付開始日より後にしてください。"
        if (
            self.applications_close
            and self.selection_on
            and self.selection_on < self.applications_close
        ):
            errors["selection_on"] = "選考日は申込受付終了日より後にしてください。"
        if self.selection_on and self.appointment_on and self.appointment_on < self.selection_on:
            errors["appointment_on"] = "採用日は選考日より後にしてください。"
        if (
            self.appointment_on
            and self.year
            and self.appointment_on.year
            not in (
                self.year,
                self.year + 1,
            )
        ):
            errors["appointment_on"] = "採用日は年度の範囲（4月1日〜翌年3月31日）にしてください。"
        if self.min_age is not None and self.max_age is not None and self.max_age < self.min_age:
            errors["max_age"] = "年齢の上限は下限以上にしてください。"
        if errors:
            raise ValidationError(errors)


class Outcome(models.Model):
    """Whether an alumnus applied (and was hired) in a season, as HR recorded it."""

    season = models.ForeignKey(
        Season, on_delete=models.CASCADE, related_name="outcomes", verbose_name="募集年度"
    )
    alumnus = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="comeback_outcomes",
        verbose_name="アルムナイ",
    )
    applied = models.BooleanField("応募", default=False)
    hired = models.BooleanField("採用", default=False)
    recorded_at = models.DateTimeField("記録日時", auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="記録者",
    )

    class Meta:
        verbose_name = "応募結果"
        verbose_name_plural = "応募結果"
        constraints = [
            models.UniqueConstraint(fields=("season", "alumnus"), name="comeback_outcome_once")
        ]

    def __str__(self) -> str:
        return f"{self.season.year} {self.alumnus_id} {'応募' if self.applied else '応募なし'}"


class ModelKind(models.TextChoices):
    PRIOR = "prior", "事前設定による推計"
    FITTED = "fitted", "学習済みモデル"


class ModelVersion(models.Model):
    """A scorecard (prior) or a fitted model: its coefficients and, when fitted, its metrics.

    `coefficients`: {"intercept": b, "features": {code: {"weight": w, "mean": m, "scale": s}}};
    a person's log-odds is b + Σ w·(x − m)/s, and each term is that feature's contribution."""

    kind = models.CharField("種類", max_length=8, choices=ModelKind.choices)
    season = models.ForeignKey(
        Season,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="model_versions",
        verbose_name="学習に用いた年度",
    )
    coefficients = models.JSONField("係数", default=dict)
    metrics = models.JSONField("評価指標", default=dict, blank=True)
    reliability_png = models.BinaryField("信頼性図（PNG）", null=True, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    is_active = models.BooleanField("使用中", default=False)

    class Meta:
        verbose_name = "推計モデル"
        verbose_name_plural = "推計モデル"
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("is_active",),
                condition=models.Q(is_active=True),
                name="comeback_one_active_model",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}（{self.created_at:%Y-%m-%d}）" if self.created_at else self.label

    @property
    def label(self) -> str:
        if self.kind == ModelKind.PRIOR or self.season is None:
            return "事前設定による推計"
        return f"学習済みモデル（{wareki_fiscal_year(self.season.year)}の結果）"


class Band(models.TextChoices):
    HIGH = "high", "高"
    MEDIUM = "medium", "中"
    LOW = "low", "低"
    NONE = "", "なし"


class Estimate(models.Model):
    """One computation of a person's estimate (one row per alumnus and day; history kept)."""

    alumnus = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="comeback_estimates",
        verbose_name="アルムナイ",
    )
    computed_on = models.DateField("計算日")
    model_version = models.ForeignKey(
        ModelVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="estimates",
        verbose_name="推計モデル",
    )
    probability = models.FloatField("応募の見込み（確率）", null=True, blank=True)
    band = models.CharField("区分", max_length=8, choices=Band.choices, blank=True)
    contributions = models.JSONField("要因（対数オッズ）", default=list, blank=True)
    eligible = models.BooleanField("受験資格", default=False)
    window_closes_on = models.DateField("受験資格の期限", null=True, blank=True)
    reason = models.CharField("推計しない理由", max_length=200, blank=True)
    changed = models.CharField("前回からの変化", max_length=300, blank=True)

    class Meta:
        verbose_name = "カムバック推計"
        verbose_name_plural = "カムバック推計"
        ordering = ("-computed_on",)
        constraints = [
            models.UniqueConstraint(
                fields=("alumnus", "computed_on"), name="comeback_estimate_daily"
            )
        ]
        indexes = [models.Index(fields=("computed_on",))]

    def __str__(self) -> str:
        return f"{self.alumnus_id} {self.computed_on}"


# --- reminders (the models of comeback-ui's reminders.py; defined here with the migration) ---


class ReminderKind(models.TextChoices):
    WINDOW_CLOSING = "window_closing", "受験資格の期限が近づいたお知らせ"
    APPLICATIONS_OPEN = "applications_open", "申込受付開始のお知らせ"


class ReminderPreference(models.Model):
    """An alumnus's choice to receive comeback-hiring reminders (off unless they opt in)."""

    alumnus = models.OneToOneField(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="comeback_reminder",
        verbose_name="アルムナイ",
    )
    opted_in = models.BooleanField("カムバック採用のお知らせを受け取る", default=False)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "カムバック採用のお知らせの希望"
        verbose_name_plural = "カムバック採用のお知らせの希望"

    def __str__(self) -> str:
        return f"{self.alumnus_id} {'希望する' if self.opted_in else '希望しない'}"


class ReminderSent(models.Model):
    """One reminder that reached (or was tried for) an alumnus: at most one per kind and key
    (the season's year, or the window's closing date)."""

    alumnus = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="comeback_reminders_sent",
        verbose_name="アルムナイ",
    )
    kind = models.CharField("種類", max_length=20, choices=ReminderKind.choices)
    key = models.CharField("対象", max_length=20)
    channel = models.CharField("経路", max_length=8, blank=True)
    sent_at = models.DateTimeField("送信日時", auto_now_add=True)

    class Meta:
        verbose_name = "送信したカムバック採用のお知らせ"
        verbose_name_plural = "送信したカムバック採用のお知らせ"
        constraints = [
            models.UniqueConstraint(
                fields=("alumnus", "kind", "key"), name="comeback_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alumnus_id} {self.kind} {self.key}"
