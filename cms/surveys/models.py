"""Surveys on what matters to alumni when they consider coming back: the page HR edits, the
versions its publishes make, and each alumnus's one response."""

from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail_headless_preview.models import HeadlessPreviewMixin

from cms.content.forms import RevisionSafePageForm
from cms.push.items import DeliveryMessage, DeliveryReason

from .blocks import SCALE_DEFAULT_CHOICES, QuestionsBlock
from .panels import SurveyAnswersPanel

if TYPE_CHECKING:
    from cms.alumni.models import Alumnus

__all__ = ["SCALE_DEFAULT_CHOICES", "SurveyPage", "SurveyResponse", "SurveyVersion"]


class SurveyPage(HeadlessPreviewMixin, Page):
    """A survey HR edits in Wagtail; alumni answer it in the app through the API
    (`cms/surveys/api.py`), never through this page, which only shows its introduction."""

    base_form_class = RevisionSafePageForm

    intro = RichTextField("説明", features=["bold", "ul", "ol", "link"], blank=True)
    questions = StreamField(QuestionsBlock(), verbose_name="質問", blank=True)
    thank_you_text = RichTextField("回答後のメッセージ", features=["bold", "link"], blank=True)
    opens_at = models.DateTimeField("回答受付開始", null=True, blank=True)
    closes_at = models.DateTimeField("回答受付終了", null=True, blank=True)
    audience_groups = ParentalManyToManyField(
        "groups.AudienceGroup",
        blank=True,
        related_name="surveys",
        verbose_name="回答をお願いするグループ",
        help_text="選ばないときは、登録者全員が回答できます。",
    )
    notify_on_publish = models.BooleanField(
        "公開時に対象者へ通知する",
        default=True,
        help_text="プッシュ通知またはメールでお知らせします（月1〜2回の配信に数えます）。",
    )
    remind_days_before_close = models.PositiveSmallIntegerField(
        "締め切り前のリマインド（日前）",
        null=True,
        blank=True,
        default=3,
        help_text="未回答の人に、締め切りの何日前にお知らせするか。空欄ならリマインドしません。",
    )

    content_panels: ClassVar[list[Any]] = [
        *Page.content_panels,
        SurveyAnswersPanel(heading="回答の状況"),
        FieldPanel("intro"),
        FieldPanel("questions"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldPanel("audience_groups", widget=forms.CheckboxSelectMultiple),
                FieldPanel("notify_on_publish"),
                FieldPanel("remind_days_before_close"),
            ],
            heading="回答の受付と対象者",
        ),
    ]
    parent_page_types: ClassVar[list[str]] = ["content.HomePage"]
    subpage_types: ClassVar[list[str]] = []
    template = "pages/survey_page.html"

    class Meta:
        verbose_name = "アンケート"
        verbose_name_plural = "アンケート"

    def clean(self) -> None:
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "回答受付終了は開始より後の日時にしてください。"})

    def delivery_audience(self, reason: str) -> "QuerySet[Alumnus]":
        """Who is notified (cms.push.items.DeliverableItem): see survey_delivery_audience."""
        from .selectors import survey_delivery_audience

        return survey_delivery_audience(survey=self, reason=reason)

    def delivery_message(self, reason: str) -> DeliveryMessage:
        """The survey's title and deadline, leading to its answering screen in the app."""
        deadline = (
            f"回答期限は{timezone.localtime(self.closes_at):%-m月%-d日 %H:%M}です。"
            if self.closes_at
            else ""
        )
        reminder = reason == DeliveryReason.REMINDER
        return DeliveryMessage(
            title=self.title,
            summary=(
                f"まだ回答されていない方へのお知らせです。{deadline}"
                if reminder
                else f"アンケートへのご協力をお願いします。{deadline}"
            ),
            url=f"{settings.PWA_BASE_URL}/app/survey/?id={self.pk}",
            lead=(
                "アンケートの締め切りが近づいています。" if reminder else "新しいアンケートです。"
            ),
            tag=f"survey-{self.pk}",
            data={"survey": self.pk},
        )

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Answers go through the API only: this page reads, and nothing a POST carries is kept.
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().serve(request, *args, **kwargs)


class SurveyVersion(models.Model):
    """The questions as published, frozen: a publish that changes them makes the next number.
    `schema` = {"questions": [...]} (the survey contract's QUESTION shape)."""

    survey = models.ForeignKey(
        SurveyPage, on_delete=models.CASCADE, related_name="versions", verbose_name="アンケート"
    )
    number = models.PositiveIntegerField("版")
    published_at = models.DateTimeField("公開日時")
    schema = models.JSONField("質問", default=dict)

    class Meta:
        verbose_name = "アンケートの版"
        verbose_name_plural = "アンケートの版"
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.survey} 第{self.number}版"

    @property
    def questions(self) -> list[dict[str, Any]]:
        return list(self.schema.get("questions", []))


class SurveyResponse(models.Model):
    """One alumnus's answers to one survey, replaceable until it closes; `answers` is keyed by
    question id and records the version it answered."""

    survey = models.ForeignKey(
        SurveyPage, on_delete=models.CASCADE, related_name="responses", verbose_name="アンケート"
    )
    alumnus = models.ForeignKey(
        "alumni.Alumnus",
        on_delete=models.CASCADE,
        related_name="survey_responses",
        verbose_name="回答者",
    )
    version = models.ForeignKey(
        SurveyVersion, on_delete=models.PROTECT, related_name="responses", verbose_name="版"
    )
    answers = models.JSONField("回答", default=dict)
    targeting_consent = models.JSONField("情報提供への利用に同意した質問", default=list)
    submitted_at = models.DateTimeField("最初の回答日時")
    updated_at = models.DateTimeField("最後の更新日時")

    class Meta:
        verbose_name = "アンケートの回答"
        verbose_name_plural = "アンケートの回答"
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "alumnus"], name="survey_response_one_per_alumnus"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} / {self.alumnus_id}"
