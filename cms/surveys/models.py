"""Surveys on what matters to alumni when they consider coming back; HR edits the questions."""

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.forms import FormBuilder, WagtailAdminFormPageForm
from wagtail.contrib.forms.models import FORM_FIELD_CHOICES, AbstractForm, AbstractFormField
from wagtail.fields import RichTextField
from wagtail_headless_preview.models import HeadlessPreviewMixin

from cms.content.forms import RevisionSafePageForm

SCALE_FIELD = "scale"
SCALE_DEFAULT_CHOICES = [
    "重視しない",
    "あまり重視しない",
    "どちらともいえない",
    "やや重視する",
    "重視する",
]


class SurveyFormBuilder(FormBuilder):
    """Wagtail's form builder plus a five-point scale (the choices name the points, low to high)."""

    def create_scale_field(self, field: "SurveyQuestion", options: dict[str, Any]) -> forms.Field:
        if field.choices.strip():
            options["choices"] = self.get_formatted_field_choices(field)
        else:
            options["choices"] = [(label, label) for label in SCALE_DEFAULT_CHOICES]
        return forms.ChoiceField(widget=forms.RadioSelect, **options)


class SurveyQuestion(AbstractFormField):
    page = ParentalKey("SurveyPage", on_delete=models.CASCADE, related_name="form_fields")
    field_type = models.CharField(
        verbose_name="質問の種類",
        max_length=16,
        choices=[*FORM_FIELD_CHOICES, (SCALE_FIELD, "5段階評価")],
    )

    class Meta(AbstractFormField.Meta):
        verbose_name = "質問"
        verbose_name_plural = "質問"


class RevisionSafeFormPageForm(RevisionSafePageForm, WagtailAdminFormPageForm):
    """The survey editor: Wagtail's form-page checks, saved so that an autosave never undoes a
    publish (see cms.content.forms)."""


class SurveyPage(HeadlessPreviewMixin, AbstractForm):
    """A survey built from form fields HR edits in the admin; answering needs a login."""

    base_form_class = RevisionSafeFormPageForm

    intro = RichTextField("説明", features=["bold", "ul", "ol", "link"], blank=True)
    thank_you_text = RichTextField("回答後のメッセージ", features=["bold", "link"], blank=True)
    opens_at = models.DateTimeField("回答受付開始", null=True, blank=True)
    closes_at = models.DateTimeField("回答受付終了", null=True, blank=True)
    members_only = models.BooleanField("登録者のみ回答可", default=True)

    form_builder = SurveyFormBuilder

    content_panels: ClassVar[list[Any]] = [
        *AbstractForm.content_panels,
        FieldPanel("intro"),
        InlinePanel("form_fields", label="質問"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldPanel("members_only"),
            ],
            heading="回答の受付",
        ),
    ]
    parent_page_types: ClassVar[list[str]] = ["content.HomePage"]
    subpage_types: ClassVar[list[str]] = []
    template = "pages/survey_page.html"
    landing_page_template = "pages/survey_page_landing.html"

    class Meta:
        verbose_name = "アンケート"
        verbose_name_plural = "アンケート"

    def clean(self) -> None:
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "回答受付終了は開始より後の日時にしてください。"})
