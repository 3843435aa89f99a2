"""Page-type rules: where each page type can be created, and that each renders and previews."""

from typing import Any

import wagtail_factories
from django.contrib.auth import get_user_model
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.content.blocks import BodyBlock
from cms.content.models import (
    HomePage,
    JobIndexPage,
    JobPage,
    NoticeIndexPage,
    NoticePage,
    PressReleaseIndexPage,
    PressReleasePage,
    StandardPage,
)
from cms.content.selectors import JobStatus
from cms.surveys.models import SurveyPage

from .factories import (
    JobIndexPageFactory,
    JobPageFactory,
    NoticeIndexPageFactory,
    NoticePageFactory,
    PressReleaseIndexPageFactory,
    PressReleasePageFactory,
    StandardPageFactory,
    SurveyPageFactory,
    make_site,
)


class PageTreeTestCase(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.home = make_site()
        cls.notices = NoticeIndexPageFactory(parent=cls.home)
        cls.jobs = JobIndexPageFactory(parent=cls.home)
        cls.press = PressReleaseIndexPageFactory(parent=cls.home)
        cls.notice = NoticePageFactory(parent=cls.notices, slug="n1")
        cls.job = JobPageFactory(parent=cls.jobs, slug="j1")
        cls.release = PressReleasePageFactory(parent=cls.press, slug="p1")
        cls.about = StandardPageFactory(parent=cls.home, slug="about")
        cls.survey = SurveyPageFactory(parent=cls.home, slug="survey")
        cls.editor = get_user_model().objects.create_superuser("admin", "admin@example.jp", "pw")


class TestParentChildRules(PageTreeTestCase):
    def test_home_only_under_the_root(self) -> None:
        self.assertAllowedParentPageTypes(HomePage, {Page})

    def test_home_holds_the_sections(self) -> None:
        self.assertAllowedSubpageTypes(
            HomePage,
            {NoticeIndexPage, JobIndexPage, PressReleaseIndexPage, StandardPage, SurveyPage},
        )

    def test_notices_only_in_the_notice_index(self) -> None:
        self.assertAllowedParentPageTypes(NoticePage, {NoticeIndexPage})
        self.assertCanNotCreateAt(JobIndexPage, NoticePage)
        self.assertCanNotCreateAt(HomePage, NoticePage)
        self.assertCanCreateAt(NoticeIndexPage, NoticePage)

    def test_jobs_only_in_the_job_index(self) -> None:
        self.assertAllowedParentPageTypes(JobPage, {JobIndexPage})
        self.assertCanNotCreateAt(NoticeIndexPage, JobPage)

    def test_press_releases_only_in_the_press_index(self) -> None:
        self.assertAllowedParentPageTypes(PressReleasePage, {PressReleaseIndexPage})

    def test_leaf_pages_have_no_children(self) -> None:
        for leaf in (NoticePage, JobPage, PressReleasePage, StandardPage, SurveyPage):
            self.assertAllowedSubpageTypes(leaf, set())

    def test_a_second_home_or_index_cannot_be_created(self) -> None:
        self.assertFalse(HomePage.can_create_at(Page.get_first_root_node()))
        self.assertFalse(NoticeIndexPage.can_create_at(self.home))
        self.assertFalse(JobIndexPage.can_create_at(self.home))


class TestRenderingAndPreview(PageTreeTestCase):
    def test_every_page_type_renders(self) -> None:
        for page in (
            self.home,
            self.notices,
            self.notice,
            self.jobs,
            self.job,
            self.release,
            self.about,
            self.survey,
        ):
            with self.subTest(page=type(page).__name__):
                self.assertPageIsRenderable(page)

    def test_every_page_type_previews_in_the_admin(self) -> None:
        self.client.force_login(self.editor)
        body = streamfield([("paragraph", rich_text("<p>プレビューの本文</p>"))])
        common = {"comments": inline_formset([])}
        forms: list[tuple[Page, dict[str, Any]]] = [
            (
                self.home,
                {
                    "title": "ホーム",
                    "slug": "home",
                    "lead": "リード",
                    "featured": inline_formset([]),
                },
            ),
            (self.notices, {"title": "お知らせ", "slug": "notices", "intro": ""}),
            (
                self.notice,
                {
                    "title": "プレビュー",
                    "slug": "n1",
                    "date": "2026-11-01",
                    "category": self.notice.category_id,
                    "summary": "概要",
                    "body": body,
                    "visibility": "public",
                },
            ),
            (
                self.job,
                {
                    "title": "求人",
                    "slug": "j1",
                    "summary": "概要",
                    "department": "総務部",
                    "work_location": "仙台市",
                    "employment_type": "regular",
                    "min_years_of_service": "2",
                    "max_years_since_leaving": "10",
                    "application_opens": "2026-10-01",
                    "application_closes": "2026-10-31",
                    "pay_and_benefits": "月給 約22万円",
                    "working_pattern": "週5日",
                    "selection_process": rich_text("<p>面接</p>"),
                    "how_to_apply": rich_text("<p>電子申請</p>"),
                    "apply_url": "https://apply.example.jp/",
                    "contact_department": "総務部 人事課",
                    "contact_phone": "022-211-0000",
                },
            ),
            (
                self.release,
                {
                    "title": "発表",
                    "slug": "p1",
                    "date": "2026-11-01",
                    "lead": "リード",
                    "body": body,
                    "contact": "人事課",
                    "register_call": "ご登録ください",
                },
            ),
            (self.about, {"title": "概要", "slug": "about", "body": body}),
        ]
        for page, data in forms:
            with self.subTest(page=type(page).__name__):
                self.assertPageIsPreviewable(
                    page, post_data=nested_form_data({**common, **data}), user=self.editor
                )

    def test_pages_route_under_their_section(self) -> None:
        self.assertPageIsRoutable(self.notice)
        self.assertEqual(self.notice.url, "/notices/n1/")
        self.assertEqual(self.job.url, "/jobs/j1/")

    def test_survey_page_introduces_its_questions_without_a_form(self) -> None:
        response = self.client.get(self.survey.url)
        self.assertContains(response, "給与を重視しますか")
        self.assertNotContains(response, "<form")


class TestEditorForms(PageTreeTestCase):
    def _notice_form(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "title": "新しいお知らせ",
            "slug": "new-notice",
            "date": "2026-11-20",
            "category": self.notice.category.pk,
            "summary": "概要",
            "body": streamfield([("paragraph", rich_text("<p>本文</p>"))]),
            "visibility": "public",
            "notify_alumni": "",
        }
        data.update(overrides)
        return nested_form_data(data)

    def test_editor_creates_a_notice_in_the_admin(self) -> None:
        self.client.force_login(self.editor)
        self.assertCanCreate(self.notices, NoticePage, self._notice_form())
        self.assertTrue(NoticePage.objects.filter(slug="new-notice").exists())

    def test_job_closing_before_opening_is_a_field_error(self) -> None:
        self.job.application_closes = self.job.application_opens.replace(day=1)
        self.job.application_opens = self.job.application_opens.replace(day=20)
        with self.assertRaises(Exception) as caught:
            self.job.full_clean()
        self.assertIn("application_closes", caught.exception.message_dict)  # type: ignore[attr-defined]


class TestJobPostings(PageTreeTestCase):
    """A posting's conditions, how to apply and contact, as HR edits them in the page editor."""

    def _job_form(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "title": "保健師 カムバック採用",
            "slug": "nurse",
            "summary": "保健福祉事務所での勤務です。",
            "department": "保健福祉部",
            "work_location": "保健福祉事務所",
            "employment_type": "regular",
            "min_years_of_service": "2",
            "max_years_since_leaving": "10",
            "application_opens": "2026-10-01",
            "application_closes": "2026-10-31",
            "pay_and_benefits": "月給 約23万円〜37万円",
            "working_pattern": "週5日 8時30分〜17時15分",
            "selection_process": rich_text("<p>面接</p>"),
            "how_to_apply": rich_text("<p>申込書をお送りください。</p>"),
            "apply_url": "https://apply.example.jp/nurse",
            "application_form": "",
            "contact_department": "保健福祉部 保健福祉総務課",
            "contact_phone": "022-211-2500",
            "contact_email": "",
            "contact_hours": "平日 9時〜17時",
        }
        data.update(overrides)
        return nested_form_data(data)

    def test_editor_creates_a_posting_with_conditions_apply_link_and_contact(self) -> None:
        self.client.force_login(self.editor)
        self.assertCanCreate(self.jobs, JobPage, self._job_form())
        job = JobPage.objects.get(slug="nurse")
        self.assertEqual(job.pay_and_benefits, "月給 約23万円〜37万円")
        self.assertEqual(job.working_pattern, "週5日 8時30分〜17時15分")
        self.assertEqual(job.apply_url, "https://apply.example.jp/nurse")
        self.assertEqual(job.contact_phone, "022-211-2500")

    def test_the_job_editor_speaks_japanese(self) -> None:
        self.client.force_login(self.editor)
        response = self.client.get(f"/admin/pages/{self.job.pk}/edit/")
        for text in (
            "勤務条件",
            "給与・処遇",
            "勤務形態",
            "申込ページの URL",
            "申込書（様式）",
            "問い合わせ先（担当課）",
            "問い合わせ先の電話番号",
            "問い合わせ先のメールアドレス",
            "電話番号とメールアドレスのどちらか一方は必ず入力してください。",
        ):
            self.assertContains(response, text)

    def test_a_posting_needs_a_way_to_apply(self) -> None:
        self.client.force_login(self.editor)
        response = self.client.post(
            f"/admin/pages/add/content/jobpage/{self.jobs.pk}/",
            self._job_form(apply_url="", application_form=""),
        )
        self.assertContains(response, "申込ページの URL か申込書のどちらかを設定してください。")
        self.assertFalse(JobPage.objects.filter(slug="nurse").exists())

    def test_a_form_to_download_is_enough_to_apply(self) -> None:
        form = wagtail_factories.DocumentFactory(title="申込書")
        self.client.force_login(self.editor)
        self.assertCanCreate(
            self.jobs, JobPage, self._job_form(apply_url="", application_form=str(form.pk))
        )
        self.assertEqual(JobPage.objects.get(slug="nurse").application_form, form)

    def test_a_posting_needs_a_phone_or_an_email_to_contact(self) -> None:
        self.client.force_login(self.editor)
        response = self.client.post(
            f"/admin/pages/add/content/jobpage/{self.jobs.pk}/",
            self._job_form(contact_phone="", contact_email=""),
        )
        self.assertContains(response, "問い合わせ先の電話番号かメールアドレスを入力してください。")
        self.assertFalse(JobPage.objects.filter(slug="nurse").exists())

    def test_each_status_has_its_own_style_name(self) -> None:
        keys = {status: status.key for status in JobStatus}
        self.assertEqual(
            keys,
            {
                JobStatus.OPEN: "open",
                JobStatus.UPCOMING: "upcoming",
                JobStatus.CLOSED: "closed",
            },
        )


def test_the_body_image_block_is_labelled_in_japanese() -> None:
    """Wagtail names the image field of its image block after itself ("Image")."""
    image = BodyBlock().child_blocks["image"]
    assert str(image.child_blocks["image"].label) == "画像"
