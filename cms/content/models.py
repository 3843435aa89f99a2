"""Pages HR editors write: home, notices, comeback-hiring jobs, press releases, standard pages."""

from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    PageChooserPanel,
)
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet
from wagtail_headless_preview.models import HeadlessPreviewMixin

from cms.push.items import DeliveryMessage, DeliveryReason

from .blocks import BodyBlock
from .forms import NoticePageForm, RevisionSafePageForm
from .panels import NoticeReachPanel
from .selectors import JobStatus, job_status

if TYPE_CHECKING:
    from cms.alumni.models import Alumnus


class NoticeCategory(models.Model):
    """An editable category of notices (採用情報, 県政・職場の今, …)."""

    name = models.CharField("名称", max_length=40, unique=True)
    slug = models.SlugField("スラッグ", max_length=40, unique=True, allow_unicode=False)
    sort_order = models.PositiveSmallIntegerField("並び順", default=0)

    panels: ClassVar[list[Any]] = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("sort_order")]

    class Meta:
        ordering = ("sort_order", "name")
        verbose_name = "お知らせのカテゴリ"
        verbose_name_plural = "お知らせのカテゴリ"

    def __str__(self) -> str:
        return self.name


register_snippet(NoticeCategory)


class Visibility(models.TextChoices):
    PUBLIC = "public", "公開（どなたでも閲覧可）"
    MEMBERS = "members", "会員限定（ログインした登録者のみ）"
    GROUPS = "groups", "グループ限定（選んだ配信グループの登録者のみ）"


class HomePage(HeadlessPreviewMixin, Page):
    base_form_class = RevisionSafePageForm

    lead = models.TextField("リード文", blank=True)

    content_panels: ClassVar[list[Any]] = [
        *Page.content_panels,
        FieldPanel("lead"),
        InlinePanel("featured", label="トップに掲載するお知らせ・求人", max_num=6),
    ]

    parent_page_types: ClassVar[list[str]] = ["wagtailcore.Page"]
    subpage_types: ClassVar[list[str]] = [
        "content.NoticeIndexPage",
        "content.JobIndexPage",
        "content.PressReleaseIndexPage",
        "content.StandardPage",
        "surveys.SurveyPage",
    ]
    max_count = 1
    template = "pages/home_page.html"

    class Meta:
        verbose_name = "トップページ"


class HomeFeaturedPage(Orderable):
    home = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured")
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name="ページ"
    )

    panels: ClassVar[list[Any]] = [
        PageChooserPanel("page", ["content.NoticePage", "content.JobPage"])
    ]

    class Meta(Orderable.Meta):
        verbose_name = "注目のページ"


class NoticeIndexPage(HeadlessPreviewMixin, Page):
    base_form_class = RevisionSafePageForm

    intro = models.TextField("説明", blank=True)

    content_panels: ClassVar[list[Any]] = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types: ClassVar[list[str]] = ["content.HomePage"]
    subpage_types: ClassVar[list[str]] = ["content.NoticePage"]
    max_count = 1
    template = "pages/notice_index_page.html"

    class Meta:
        verbose_name = "お知らせ一覧"


class NoticePage(HeadlessPreviewMixin, Page):
    date = models.DateField("日付", default=timezone.localdate)
    category = models.ForeignKey(
        NoticeCategory, on_delete=models.PROTECT, related_name="notices", verbose_name="カテゴリ"
    )
    summary = models.TextField(
        "概要", max_length=300, help_text="一覧と通知に表示されます（300 字以内）。"
    )
    body = StreamField(BodyBlock(), verbose_name="本文", blank=True)
    visibility = models.CharField(
        "公開範囲", max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    notify_alumni = models.BooleanField(
        "登録者に通知する",
        default=False,
        help_text="公開時にプッシュ通知またはメールで登録者へお知らせします。",
    )
    audience_groups = ParentalManyToManyField(
        "groups.AudienceGroup",
        blank=True,
        related_name="notices",
        verbose_name="配信グループ",
        help_text="公開範囲が「グループ限定」のとき、ここで選んだグループの登録者だけに届きます。",
    )

    content_panels: ClassVar[list[Any]] = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("category")]),
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("visibility"),
                FieldPanel("audience_groups", widget=forms.CheckboxSelectMultiple),
                FieldPanel("notify_alumni"),
                NoticeReachPanel(heading="届く人数"),
            ],
            heading="公開範囲と通知",
        ),
    ]
    # Checks what the editor submitted (not the saved groups) and never lets an autosave undo
    # a publish. A group notice saved without groups in code reaches nobody (notice_audience).
    base_form_class = NoticePageForm
    search_fields: ClassVar[list[Any]] = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types: ClassVar[list[str]] = ["content.NoticeIndexPage"]
    subpage_types: ClassVar[list[str]] = []
    template = "pages/notice_page.html"

    class Meta:
        verbose_name = "お知らせ"
        verbose_name_plural = "お知らせ"
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["-date"], name="notice_date_idx")
        ]

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    def delivery_audience(self, reason: str) -> "QuerySet[Alumnus]":
        """Who the notice's push and mail go to: its audience when published with 「登録者に
        通知する」, nobody otherwise (a notice has no deadline, so no reminder)."""
        from cms.alumni.models import Alumnus
        from cms.groups.selectors import notice_audience

        if not self.notify_alumni or reason != DeliveryReason.PUBLISHED:
            return Alumnus.objects.none()
        return notice_audience(notice=self)

    def delivery_message(self, reason: str) -> DeliveryMessage:
        """The notice's title and summary, leading to its static page (public) or to the app's
        feed (members and groups, whose page is not public)."""
        base = settings.PWA_BASE_URL
        if self.visibility == Visibility.PUBLIC:
            url = f"{base}{self.get_url() or '/'}"
        else:
            url = f"{base}/app/feed/?notice={self.pk}"
        return DeliveryMessage(
            title=self.title,
            summary=self.summary,
            url=url,
            lead="新しいお知らせです。",
            tag=f"notice-{self.pk}",
            data={"notice": self.pk},
        )


class EmploymentType(models.TextChoices):
    REGULAR = "regular", "正規職員（任期の定めなし）"
    FIXED_TERM = "fixed_term", "任期付職員"
    PART_TIME = "part_time", "会計年度任用職員"


class JobIndexPage(HeadlessPreviewMixin, Page):
    base_form_class = RevisionSafePageForm

    intro = models.TextField("説明", blank=True)

    content_panels: ClassVar[list[Any]] = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types: ClassVar[list[str]] = ["content.HomePage"]
    subpage_types: ClassVar[list[str]] = ["content.JobPage"]
    max_count = 1
    template = "pages/job_index_page.html"

    class Meta:
        verbose_name = "カムバック採用・求人一覧"


class JobPage(HeadlessPreviewMixin, Page):
    base_form_class = RevisionSafePageForm

    summary = models.TextField("概要", max_length=300)
    department = models.CharField("所属・部署", max_length=100)
    work_location = models.CharField("勤務地", max_length=100)
    employment_type = models.CharField("雇用形態", max_length=16, choices=EmploymentType.choices)
    min_years_of_service = models.PositiveSmallIntegerField("必要な在職年数（以上）", default=2)
    max_years_since_leaving = models.PositiveSmallIntegerField("退職からの年数（以内）", default=10)
    age_min = models.PositiveSmallIntegerField("年齢（下限）", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("年齢（上限）", null=True, blank=True)
    application_opens = models.DateField("受付開始日")
    application_closes = models.DateField("受付締切日")
    pay_and_benefits = models.TextField(
        "給与・処遇",
        help_text="初任給の目安、手当、前歴の換算など。改行はそのまま表示されます。",
    )
    working_pattern = models.TextField(
        "勤務形態",
        help_text="勤務時間、休日、週の勤務日数、任期など。改行はそのまま表示されます。",
    )
    selection_process = RichTextField("選考方法", features=["bold", "ol", "ul", "link"], blank=True)
    how_to_apply = RichTextField("申込方法", features=["bold", "ol", "ul", "link", "document-link"])
    apply_url = models.URLField(
        "申込ページの URL",
        blank=True,
        help_text="電子申請などの申込ページ。申込書とどちらか一方、または両方を設定します。",
    )
    application_form = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="申込書（様式）",
        help_text="ダウンロードして記入する申込書（PDF など）。「ドキュメント」に登録したものから選びます。",
    )
    contact_department = models.CharField(
        "問い合わせ先（担当課）", max_length=100, help_text="例：総務部 人事課 人事班"
    )
    contact_phone = models.CharField(
        "問い合わせ先の電話番号",
        max_length=30,
        blank=True,
        help_text="電話番号とメールアドレスのどちらか一方は必ず入力してください。",
    )
    contact_email = models.EmailField("問い合わせ先のメールアドレス", blank=True)
    contact_hours = models.CharField(
        "問い合わせの受付時間", max_length=100, blank=True, default="平日 8時30分〜17時15分"
    )

    content_panels: ClassVar[list[Any]] = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("department"), FieldPanel("work_location")]),
        FieldPanel("employment_type"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("min_years_of_service"), FieldPanel("max_years_since_leaving")]
                ),
                FieldRowPanel([FieldPanel("age_min"), FieldPanel("age_max")]),
            ],
            heading="応募資格",
        ),
        MultiFieldPanel(
            [FieldPanel("pay_and_benefits"), FieldPanel("working_pattern")],
            heading="勤務条件",
        ),
        FieldRowPanel(
            [FieldPanel("application_opens"), FieldPanel("application_closes")], heading="受付期間"
        ),
        FieldPanel("selection_process"),
        MultiFieldPanel(
            [FieldPanel("how_to_apply"), FieldPanel("apply_url"), FieldPanel("application_form")],
            heading="申込方法",
        ),
        MultiFieldPanel(
            [
                FieldPanel("contact_department"),
                FieldRowPanel([FieldPanel("contact_phone"), FieldPanel("contact_email")]),
                FieldPanel("contact_hours"),
            ],
            heading="問い合わせ先",
        ),
    ]
    search_fields: ClassVar[list[Any]] = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("department"),
        index.SearchField("work_location"),
    ]
    parent_page_types: ClassVar[list[str]] = ["content.JobIndexPage"]
    subpage_types: ClassVar[list[str]] = []
    template = "pages/job_page.html"

    class Meta:
        verbose_name = "カムバック採用・求人"
        verbose_name_plural = "カムバック採用・求人"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if (
            self.application_opens
            and self.application_closes
            and self.application_closes < self.application_opens
        ):
            errors["application_closes"] = "受付締切日は受付開始日以降の日付にしてください。"
        if self.age_min is not None and self.age_max is not None and self.age_max < self.age_min:
            errors["age_max"] = "年齢の上限は下限以上にしてください。"
        if not self.apply_url and self.application_form_id is None:
            errors["apply_url"] = "申込ページの URL か申込書のどちらかを設定してください。"
        if not self.contact_phone.strip() and not self.contact_email:
            errors["contact_phone"] = "問い合わせ先の電話番号かメールアドレスを入力してください。"
        if errors:
            raise ValidationError(errors)

    @property
    def status(self) -> JobStatus:
        return job_status(opens=self.application_opens, closes=self.application_closes)


class PressReleaseIndexPage(HeadlessPreviewMixin, Page):
    base_form_class = RevisionSafePageForm

    intro = models.TextField("説明", blank=True)

    content_panels: ClassVar[list[Any]] = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types: ClassVar[list[str]] = ["content.HomePage"]
    subpage_types: ClassVar[list[str]] = ["content.PressReleasePage"]
    max_count = 1
    template = "pages/press_release_index_page.html"

    class Meta:
        verbose_name = "報道発表一覧"


def register_call_default() -> str:
    """The call to register a new press release starts with: the employer's own (ORG_NAME)."""
    return f"{settings.ORG_NAME}の元職員の方は、アルムナイネットワークにご登録ください。"


class PressReleasePage(HeadlessPreviewMixin, Page):
    """A public landing page for the media and the public, with a call to register."""

    base_form_class = RevisionSafePageForm

    date = models.DateField("発表日", default=timezone.localdate)
    lead = models.TextField("リード文")
    body = StreamField(BodyBlock(), verbose_name="本文", blank=True)
    contact = models.TextField("問い合わせ先", help_text="担当課、電話番号、メールアドレスなど")
    register_call = models.CharField(
        "登録の呼びかけ",
        max_length=120,
        default=register_call_default,
    )
    og_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="OGP 画像",
        help_text="SNS で共有されたときの画像（1200×630 px 推奨）",
    )
    og_description = models.CharField("OGP の説明文", max_length=200, blank=True)

    content_panels: ClassVar[list[Any]] = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("lead"),
        FieldPanel("body"),
        FieldPanel("contact"),
        FieldPanel("register_call"),
        MultiFieldPanel(
            [FieldPanel("og_image"), FieldPanel("og_description")], heading="SNS 共有（OGP）"
        ),
    ]
    parent_page_types: ClassVar[list[str]] = ["content.PressReleaseIndexPage"]
    subpage_types: ClassVar[list[str]] = []
    template = "pages/press_release_page.html"

    class Meta:
        verbose_name = "報道発表"
        verbose_name_plural = "報道発表"


class StandardPage(HeadlessPreviewMixin, Page):
    """About, privacy policy, terms: plain pages."""

    base_form_class = RevisionSafePageForm

    body = StreamField(BodyBlock(), verbose_name="本文")

    content_panels: ClassVar[list[Any]] = [*Page.content_panels, FieldPanel("body")]
    search_fields: ClassVar[list[Any]] = [*Page.search_fields, index.SearchField("body")]
    parent_page_types: ClassVar[list[str]] = ["content.HomePage"]
    subpage_types: ClassVar[list[str]] = []
    template = "pages/standard_page.html"

    class Meta:
        verbose_name = "固定ページ"
        verbose_name_plural = "固定ページ"


@register_setting(icon="mail")
class ContactSettings(BaseGenericSetting):
    """HR's help desk as alumni see it: the PWA's help and footer, letters, mail (設定 → 問い合わせ窓口)."""

    department = models.CharField("担当課", max_length=100, default="総務部 人事課")
    phone = models.CharField(
        "電話番号",
        max_length=30,
        blank=True,
        help_text="スマートフォンをお持ちでない方への案内にも使います。",
    )
    email = models.EmailField("メールアドレス", blank=True)
    hours = models.CharField(
        "受付時間", max_length=100, blank=True, default="平日 8時30分〜17時15分"
    )

    class Meta:
        verbose_name = "問い合わせ窓口"

    def as_dict(self) -> dict[str, str]:
        """Plain data for the static build and mail templates."""
        return {
            "department": self.department,
            "phone": self.phone,
            "email": self.email,
            "hours": self.hours,
        }


class BuildFailure(models.Model):
    """A page the last build of the static site could not render: the site keeps its last good
    version (or leaves it out if it was never built), and HR sees why and since when."""

    page = models.OneToOneField(
        Page, on_delete=models.CASCADE, related_name="build_failure", verbose_name="ページ"
    )
    path = models.CharField("公開URL", max_length=500)
    reason = models.TextField("理由")
    since = models.DateTimeField("失敗した日時", default=timezone.now)
    last_seen = models.DateTimeField("最後に失敗した日時", default=timezone.now)
    kept_previous = models.BooleanField("以前の版を公開中", default=False)

    class Meta:
        ordering: ClassVar = ["-since"]
        verbose_name = "サイト生成の失敗"
        verbose_name_plural = "サイト生成の失敗"

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"
