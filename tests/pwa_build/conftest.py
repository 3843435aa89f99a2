"""A small public site with a draft and a members-only notice, and a dist/ directory per test."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import override_settings

from cms.content.models import HomePage, NoticeIndexPage, NoticePage, Visibility
from tests.content.factories import (
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


@dataclass
class SiteTree:
    home: HomePage
    notices: NoticeIndexPage
    public_notice: NoticePage
    members_notice: NoticePage
    draft_notice: NoticePage


def body(text: str) -> list[dict[str, str]]:
    return [{"type": "paragraph", "value": f"<p>{text}</p>"}]


@pytest.fixture
def site_tree(db: None) -> SiteTree:
    home = make_site()
    notices = NoticeIndexPageFactory(parent=home)
    public = NoticePageFactory(
        parent=notices, slug="open-day", title="県庁見学会のご案内", body=body("見学会の本文です")
    )
    members = NoticePageFactory(
        parent=notices,
        slug="members-only",
        title="会員限定の秘密のお知らせ",
        summary="会員限定の概要",
        body=body("会員限定の本文"),
        visibility=Visibility.MEMBERS,
    )
    draft = NoticePageFactory(
        parent=notices,
        slug="draft",
        title="下書きのお知らせ",
        body=body("下書きの本文"),
        live=False,
    )
    jobs = JobIndexPageFactory(parent=home)
    JobPageFactory(parent=jobs, slug="civil", title="土木技師の募集")
    press = PressReleaseIndexPageFactory(parent=home)
    PressReleasePageFactory(parent=press, slug="launch", title="アルムナイネットワーク開設")
    StandardPageFactory(parent=home, slug="about", title="このサイトについて")
    SurveyPageFactory(parent=home, slug="survey", title="カムバック意向アンケート")
    return SiteTree(home, notices, public, members, draft)


@pytest.fixture
def dist(tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "dist"
    with override_settings(PWA_DIST_DIR=target):
        yield target


def read_all(dist: Path) -> str:
    """Every text file of dist/, concatenated (to look for what must never be there)."""
    return "\n".join(
        f.read_text(errors="replace")
        for f in dist.rglob("*")
        if f.is_file() and f.suffix not in {".png", ".ico"}
    )


@pytest.fixture
def committed(
    django_beside_playwright: None,
    migrated_data_left_behind: None,
    transactional_db: None,
    django_db_serialized_rollback: None,
) -> None:
    """The fresh process reads the database: what the test writes must be committed."""
    from tests.browser.test_push_ui import _rows_of_data_migrations

    _rows_of_data_migrations()
