"""Loads the Japanese demo content of `content_fixtures/` into the page tree, once."""

import datetime as dt
import html
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Page, Site

from cms.staff_roles import PAGE_EDITORS, PAGE_PUBLISHERS
from cms.surveys.blocks import demo_questions
from cms.surveys.models import SurveyPage

from .models import (
    ContactSettings,
    HomeFeaturedPage,
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

FIXTURES_DIR = Path(settings.BASE_DIR) / "content_fixtures"
APPLICATION_FORM = FIXTURES_DIR / "comeback-application-form.pdf"
APPLICATION_FORM_TITLE = "カムバック採用選考 申込書（見本）"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    groups: tuple[str, ...]
    label: str


# Demo only: `make demo` prints these. Wagtail's own groups: 「編集者」 write and submit pages,
# 「公開担当者」 also publish, which HR's editors do themselves.
DEMO_ACCOUNTS = (
    DemoAccount("hr-editor", "demo-editor-2026", (PAGE_EDITORS, PAGE_PUBLISHERS), "人事課 編集者"),
    DemoAccount("moderator", "demo-moderator-2026", (PAGE_PUBLISHERS,), "モデレーター"),
)


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)
    accounts_created: list[str] = field(default_factory=list)


def _paragraphs(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Body lines to StreamField blocks; "## " starts a heading."""
    blocks = []
    for line in lines:
        if line.startswith("## "):
            value = f"<h2>{html.escape(line[3:])}</h2>"
        else:
            value = f"<p>{html.escape(line)}</p>"
        blocks.append({"type": "paragraph", "value": value})
    return blocks


def _buttons(items: Iterable[dict[str, str]], home: Page) -> list[dict[str, Any]]:
    blocks = []
    for item in items:
        target = home.get_descendants().get(slug=item["page"])
        blocks.append(
            {"type": "button", "value": {"label": item["label"], "page": target.pk, "url": ""}}
        )
    return blocks


def _edited_by_editor(page: Page) -> bool:
    return page.revisions.exclude(user=None).exists()


class _Loader:
    def __init__(self, data: dict[str, Any], today: dt.date, report: DemoReport) -> None:
        self.data = data
        self.today = today
        self.report = report

    def child(self, parent: Page, page: Page) -> Page:
        """The child of `parent` with `page`'s slug: the existing one, or `page` created and published."""
        existing = parent.get_children().filter(slug=page.slug).first()
        if existing is not None:
            bucket = (
                self.report.kept_edited if _edited_by_editor(existing) else self.report.unchanged
            )
            bucket.append(f"{existing.title} (/{existing.slug}/)")
            return existing.specific
        parent.add_child(instance=page)
        page.save_revision().publish()
        self.report.created.append(f"{page.title} (/{page.slug}/)")
        return page

    def days(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    def home(self) -> tuple[HomePage, bool]:
        existing = HomePage.objects.first()
        if existing is not None:
            self.report.unchanged.append(f"{existing.title} (/)")
            return existing, False
        spec = self.data["home"]
        root = Page.get_first_root_node()
        home = HomePage(title=spec["title"], slug=spec["slug"], lead=spec["lead"])
        # Wagtail's placeholder "Welcome" page holds the slug "home"; it has no content of ours.
        for placeholder in root.get_children().filter(content_type__model="page"):
            placeholder.delete()
        root.add_child(instance=home)
        home.save_revision().publish()
        site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
        site.hostname, site.port, site.root_page = "localhost", 80, home
        site.site_name = settings.SITE_NAME
        site.save()
        self.report.created.append(f"{home.title} (/)")
        return home, True

    def load(self) -> None:
        data = self.data
        home, home_is_new = self.home()
        for spec in data["standard_pages"]:
            self.child(
                home,
                StandardPage(
                    title=spec["title"], slug=spec["slug"], body=_paragraphs(spec["body"])
                ),
            )
        notice_index = self.child(home, NoticeIndexPage(**data["notice_index"]))
        job_index = self.child(home, JobIndexPage(**data["job_index"]))
        press_index = self.child(home, PressReleaseIndexPage(**data["press_index"]))
        self.jobs(job_index)
        self.survey(home)
        self.press_releases(press_index)
        self.notices(notice_index, home)
        self.contact()
        if home_is_new:
            for order, slug in enumerate(data["home"]["featured"]):
                HomeFeaturedPage.objects.create(
                    home=home, page=home.get_descendants().get(slug=slug), sort_order=order
                )
            home.save_revision().publish()

    def contact(self) -> None:
        # Only a never-saved setting is filled in: HR's own values are kept on a second run.
        if not ContactSettings.objects.exists():
            ContactSettings.objects.create(**self.data["contact"])

    def application_form(self) -> Document:
        """The demo's one application form (a sample PDF), stored once as a Wagtail document."""
        existing = Document.objects.filter(title=APPLICATION_FORM_TITLE).first()
        if existing is not None:
            return existing
        document = Document(title=APPLICATION_FORM_TITLE, file_size=APPLICATION_FORM.stat().st_size)
        with APPLICATION_FORM.open("rb") as pdf:
            document.file.save(APPLICATION_FORM.name, File(pdf), save=False)
        document.save()
        return document

    def jobs(self, index: Page) -> None:
        for spec in self.data["jobs"]:
            steps = "".join(f"<li>{html.escape(step)}</li>" for step in spec["selection_process"])
            details = {
                "pay_and_benefits": spec["pay_and_benefits"],
                "working_pattern": spec["working_pattern"],
                "apply_url": spec.get("apply_url", ""),
                "application_form": (
                    self.application_form() if spec.get("application_form") else None
                ),
                "contact_department": spec["contact_department"],
                "contact_phone": spec["contact_phone"],
                "contact_email": spec["contact_email"],
            }
            job = JobPage(
                title=spec["title"],
                slug=spec["slug"],
                summary=spec["summary"],
                department=spec["department"],
                work_location=spec["work_location"],
                employment_type=spec["employment_type"],
                min_years_of_service=spec["min_years_of_service"],
                max_years_since_leaving=spec["max_years_since_leaving"],
                age_min=spec.get("age_min"),
                age_max=spec.get("age_max"),
                application_opens=self.days(spec["opens_in_days"]),
                application_closes=self.days(spec["closes_in_days"]),
                selection_process=f"<ol>{steps}</ol>",
                how_to_apply=f"<p>{html.escape(spec['how_to_apply'])}</p>",
                **details,
            )
            existing = self.child(index, job)
            if not existing.pay_and_benefits and not _edited_by_editor(existing):
                # A demo loaded before postings had conditions, an apply link and a contact.
                for name, value in details.items():
                    setattr(existing, name, value)
                existing.save_revision().publish()

    def survey(self, home: Page) -> None:
        spec = self.data["survey"]
        now = timezone.now()
        survey = SurveyPage(
            title=spec["title"],
            slug=spec["slug"],
            intro=f"<p>{html.escape(spec['intro'])}</p>",
            thank_you_text=f"<p>{html.escape(spec['thank_you_text'])}</p>",
            opens_at=now + dt.timedelta(days=spec["opens_in_days"]),
            closes_at=now + dt.timedelta(days=spec["closes_in_days"]),
            questions=demo_questions(spec["questions"]),
        )
        existing = self.child(home, survey)
        if not existing.questions and not _edited_by_editor(existing):
            # A demo loaded when questions were Wagtail form fields: give it the blocks.
            existing.questions = survey.questions
            existing.save_revision().publish()

    def press_releases(self, index: Page) -> None:
        for spec in self.data["press_releases"]:
            release = PressReleasePage(
                title=spec["title"],
                slug=spec["slug"],
                date=self.days(-spec["days_ago"]),
                lead=spec["lead"],
                body=_paragraphs(spec["body"]),
                contact=spec["contact"],
                og_description=spec["og_description"],
            )
            self.child(index, release)

    def notices(self, index: Page, home: Page) -> None:
        categories = {c.slug: c for c in NoticeCategory.objects.all()}
        for spec in self.data["notices"]:
            notice = NoticePage(
                title=spec["title"],
                slug=spec["slug"],
                date=self.days(-spec["days_ago"]),
                category=categories[spec["category"]],
                summary=spec["summary"],
                body=_paragraphs(spec["body"]) + _buttons(spec.get("buttons", []), home),
                visibility=spec.get("visibility", "public"),
            )
            self.child(index, notice)


def _demo_accounts(report: DemoReport) -> None:
    user_model = get_user_model()
    for account in DEMO_ACCOUNTS:
        user = user_model.objects.filter(username=account.username).first()
        if user is None:
            user = user_model.objects.create_user(
                username=account.username,
                password=account.password,
                email=f"{account.username}@pref.miyagi.example.jp",
                first_name=account.label,
            )
            report.accounts_created.append(account.username)
        # Also on a second run, so that an older demo database gains what the account needs.
        user.groups.add(*Group.objects.filter(name__in=account.groups))


def demo_load(*, fixtures_dir: Path = FIXTURES_DIR, today: dt.date | None = None) -> DemoReport:
    """Create the demo pages and accounts that are missing; pages that exist are left as they are."""
    with (fixtures_dir / "site.toml").open("rb") as fh:
        data = tomllib.load(fh)
    report = DemoReport()
    with transaction.atomic():
        _Loader(data, today or timezone.localdate(), report).load()
        _demo_accounts(report)
    return report
