"""Audience groups: who receives a targeted notice, by rules over alumni attributes or by hand."""

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import PreviewableMixin

SELF_DECLARED_NOTE = (
    "【注意】本人がプロフィールで申告・変更できる項目です。"
    "機密性の高いお知らせの対象条件には使わないでください。"
)
HR_VERIFIED_ONLY = (
    "「人事課が確認した項目だけで判定する」グループでは、本人が申告する項目は条件にできません。"
)


def split_terms(text: str) -> list[str]:
    """Comma-separated terms (ASCII or Japanese commas), stripped, empty ones dropped."""
    return [t.strip() for t in text.replace("、", ",").replace("，", ",").split(",") if t.strip()]


class AudienceGroup(PreviewableMixin, ClusterableModel):
    """Alumni matching every rule that is set, plus the hand-picked members.

    Membership is computed when asked (see selectors), so it follows profile changes.
    """

    name = models.CharField("グループ名", max_length=80, unique=True)
    description = models.TextField("説明（人事課向けのメモ）", blank=True)
    former_departments = models.CharField(
        "退職時の所属",
        max_length=300,
        blank=True,
        help_text="カンマ区切り。いずれかを含む所属の方が対象です（例: 保健福祉部, 土木部）。",
    )
    retired_from_year = models.PositiveSmallIntegerField("退職年（から）", null=True, blank=True)
    retired_to_year = models.PositiveSmallIntegerField("退職年（まで）", null=True, blank=True)
    age_min = models.PositiveSmallIntegerField("年齢（下限）", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("年齢（上限）", null=True, blank=True)
    regions = models.CharField(
        "現在の居住地域",
        max_length=300,
        blank=True,
        help_text="カンマ区切り。いずれかに一致する方が対象です（例: 仙台市, 東京都）。"
        f"{SELF_DECLARED_NOTE}",
    )
    interests = models.CharField(
        "関心分野",
        max_length=300,
        blank=True,
        help_text=f"カンマ区切り。いずれかに関心がある方が対象です。{SELF_DECLARED_NOTE}",
    )
    hr_verified_only = models.BooleanField(
        "人事課が確認した項目だけで判定する",
        default=False,
        help_text="機密性の高いお知らせ向け。名簿（人事課の記録）の所属・退職年・生年月日だけで"
        "判定し、名簿と照合済みの登録者だけが対象になります。本人が申告する項目"
        "（居住地域・関心分野・アンケートの回答）は使えません。",
    )
    # 「アンケートの回答」: people who answered question `answer_question` of `answer_survey` with
    # one of `answer_options` and agreed that this answer may be used (targeting_consent).
    # Edited as one field (AudienceGroupForm.answer_choice); a deleted survey matches nobody.
    answer_survey = models.ForeignKey(
        "surveys.SurveyPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="アンケート",
    )
    answer_question = models.CharField("質問", max_length=64, blank=True, default="")
    answer_options = models.JSONField("選択肢", default=list, blank=True)
    members = ParentalManyToManyField(
        "alumni.Alumnus",
        blank=True,
        related_name="audience_groups",
        verbose_name="個別に追加するメンバー",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    panels: ClassVar[list[Any]] = [
        FieldPanel("name"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("former_departments"),
                FieldRowPanel([FieldPanel("retired_from_year"), FieldPanel("retired_to_year")]),
                FieldRowPanel([FieldPanel("age_min"), FieldPanel("age_max")]),
                FieldPanel("regions"),
                FieldPanel("interests"),
                FieldPanel("answer_choice"),
                FieldPanel("hr_verified_only"),
            ],
            heading="条件（設定した条件すべてに一致する方）",
        ),
        # Names of people: only for staff allowed to see alumni (the others see the count in
        # the preview); only approved alumni are offered.
        MultiFieldPanel(
            [
                FieldPanel("members", permission="alumni.view_alumnus"),
                FieldPanel("members_remove", permission="alumni.view_alumnus"),
                FieldPanel("member_add", permission="alumni.view_alumnus"),
            ],
            heading="個別に追加するメンバー",
            permission="alumni.view_alumnus",
        ),
    ]

    class Meta:
        verbose_name = "配信グループ"
        verbose_name_plural = "配信グループ"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def has_rules(self) -> bool:
        return any(
            [
                self.former_departments.strip(),
                self.retired_from_year,
                self.retired_to_year,
                self.age_min is not None,
                self.age_max is not None,
                self.regions.strip(),
                self.interests.strip(),
                self.answer_question,
            ]
        )

    @property
    def uses_self_declared(self) -> bool:
        """A rule on what people declare themselves (and can change to match)."""
        return bool(self.regions.strip() or self.interests.strip() or self.answer_question)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.hr_verified_only:
            for name, used in (
                ("regions", self.regions.strip()),
                ("interests", self.interests.strip()),
            ):
                if used:
                    errors[name] = HR_VERIFIED_ONLY
        if (
            self.retired_from_year
            and self.retired_to_year
            and self.retired_to_year < self.retired_from_year
        ):
            errors["retired_to_year"] = "退職年（まで）は退職年（から）以降にしてください。"
        if self.age_min is not None and self.age_max is not None and self.age_max < self.age_min:
            errors["age_max"] = "年齢の上限は下限以上にしてください。"
        if errors:
            raise ValidationError(errors)

    # The admin's live preview shows who exactly is in the group, before saving.
    def get_preview_template(self, request: Any, mode_name: str) -> str:
        return "groups/audience_group_preview.html"

    def make_preview_request(
        self,
        original_request: Any = None,
        preview_mode: str | None = None,
        extra_request_attrs: dict[str, Any] | None = None,
    ) -> Any:
        # The preview renders for a request of its own: carry the page of members asked for.
        extra = dict(extra_request_attrs or {})
        if original_request is not None:
            extra["preview_page"] = original_request.GET.get("p")
        return super().make_preview_request(original_request, preview_mode, extra)

    def get_preview_context(self, request: Any, mode_name: str) -> dict[str, Any]:
        from .selectors import audience_group_preview

        return {"group": self, **audience_group_preview(group=self, request=request)}
