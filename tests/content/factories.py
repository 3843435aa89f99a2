"""Factories of content pages for the tests."""

import datetime as dt
from typing import Any

import factory
import wagtail_factories
from wagtail.models import Page, Site

from cms.content.models import (
    HomePage,
    JobIndexPage,
    JobPage,
    NoticeCategory,
    NoticeIndexPage,
    NoticePage,
    PressReleaseIndexPage,
    PressReleasePage,
    StandardPage,
)
from cms.surveys.blocks import SCALE_DEFAULT_CHOICES, option_items
from cms.surveys.models import SurveyPage
from cms.surveys.services import survey_version_sync


class HomePageFactory(wagtail_factories.PageFactory):
    title = "ホーム"
    lead = "テスト用のリード文"

    class Meta:
        model = HomePage


def make_site() -> HomePage:
    """A HomePage as the default site's root, replacing Wagtail's welcome page."""
    root = Page.get_first_root_node()
    for child in root.get_children():
        child.delete()
    home = HomePageFactory(parent=root, slug="home")
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home}
    )
    return home


class NoticeIndexPageFactory(wagtail_factories.PageFactory):
    title = "お知らせ"
    slug = "notices"

    class Meta:
        model = NoticeIndexPage


class NoticePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"お知らせ {n}")
    summary = "概要の文章です。"
    date = factory.LazyFunction(lambda: dt.date(2026, 11, 1))
    category = factory.LazyFunction(lambda: NoticeCategory.objects.get(slug="other"))

    class Meta:
        model = NoticePage


class JobIndexPageFactory(wagtail_factories.PageFactory):
    title = "求人"
    slug = "jobs"

    class Meta:
        model = JobIndexPage


class JobPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"求人 {n}")
    summary = "求人の概要"
    department = "総務部"
    work_location = "仙台市"
    employment_type = "regular"
    application_opens = dt.date(2026, 10, 1)
    application_closes = dt.date(2026, 10, 31)
    how_to_apply = "<p>電子申請で</p>"
    pay_and_benefits = "前歴を換算して初任給を決定します。"
    working_pattern = "週5日 8時30分〜17時15分"
    apply_url = "https://apply.example.jp/jobs"
    contact_department = "総務部 人事課"
    contact_phone = "022-211-2000"

    class Meta:
        model = JobPage


class PressReleaseIndexPageFactory(wagtail_factories.PageFactory):
    title = "報道発表"
    slug = "press"

    class Meta:
        model = PressReleaseIndexPage


class PressReleasePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"報道発表 {n}")
    lead = "リード"
    contact = "人事課"

    class Meta:
        model = PressReleasePage


class StandardPageFactory(wagtail_factories.PageFactory):
    title = "このサイトについて"
    body: Any = factory.LazyFunction(lambda: [{"type": "paragraph", "value": "<p>本文</p>"}])

    class Meta:
        model = StandardPage


def question(
    kind: str, label: str, options: list[str] | None = None, **fields: Any
) -> dict[str, Any]:
    """One question block as raw StreamField data (ids are given on save); `fields` are the
    block's other fields (required, help_text, show_if_question, show_if_answers, targeting)."""
    value: dict[str, Any] = {"label": label, "help_text": "", "required": True, **fields}
    if options is not None:
        value["options"] = option_items(options)
    return {"type": kind, "value": value}


class SurveyPageFactory(wagtail_factories.PageFactory):
    """A live survey with one scale question, its first version made as a publish would."""

    title = "アンケート"
    questions: Any = factory.LazyFunction(
        lambda: [question("scale", "給与を重視しますか", SCALE_DEFAULT_CHOICES)]
    )

    class Meta:
        model = SurveyPage
        skip_postgeneration_save = True

    @factory.post_generation
    def version(obj: SurveyPage, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and obj.live:
            survey_version_sync(survey=obj)
