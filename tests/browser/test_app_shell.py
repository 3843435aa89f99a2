"""The app shell in Chromium at 390 px against a live API: the code login lands on the member home,
every tab and back, badges, deep links that survive the login, the public header from 320 to
430 px, the text size, and what the service worker keeps (nothing member-only)."""

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.content.models import ContactSettings, NoticeIndexPage, NoticePage, Visibility
from cms.push.services import notice_push_bytes, vapid_key_create
from tests.alumni.factories import AlumnusFactory
from tests.browser.conftest import BuiltSite, wait_until
from tests.browser.screens import PHONE, axe_violations, screenshot, small_tap_targets
from tests.chat.factories import CommunityGroupFactory, member_of, post
from tests.content.factories import (
    JobIndexPageFactory,
    JobPageFactory,
    NoticeIndexPageFactory,
    NoticePageFactory,
    StandardPageFactory,
    SurveyPageFactory,
    make_site,
)
from tests.fixtures.smtp import SMTPInbox, text_body

pytestmark = pytest.mark.browser

LOGIN_CODE = re.compile(r"確認コード: (\d{6})")
EMAIL = "aoba.hanako@example.jp"


@dataclass
class AppSite:
    url: str
    alumnus: Alumnus
    members_notice: NoticePage
    group_id: int


def _published(notice: NoticePage, *, hours_ago: int) -> NoticePage:
    notice.first_published_at = timezone.now() - dt.timedelta(hours=hours_ago)
    notice.save()
    return notice


@pytest.fixture
def app_site(pwa_api_server: str, settings: Any) -> AppSite:
    """A small site with what the home counts (two new notices, one of them for members, an
    open job, an open survey, two unread messages), built again with it."""
    from pwa_build.build import build

    home = make_site()
    ContactSettings.objects.update_or_create(
        pk=1,
        defaults={
            "department": "総務部 人事課 人材確保班",
            "phone": "022-211-0000",
            "email": "jinji@example.jp",
            "hours": "平日 8時30分〜17時15分",
        },
    )
    StandardPageFactory(parent=home, slug="faq", title="よくあるご質問")
    StandardPageFactory(parent=home, slug="privacy", title="プライバシーポリシー")
    index: NoticeIndexPage = NoticeIndexPageFactory(parent=home)
    _published(
        NoticePageFactory(parent=index, slug="open-day", title="県庁見学会のご案内"), hours_ago=5
    )
    members = _published(
        NoticePageFactory(
            parent=index,
            slug="members",
            title="会員限定の個別相談会",
            summary="人事課が個別にご相談に応じます。",
            visibility=Visibility.MEMBERS,
        ),
        hours_ago=2,
    )
    today = timezone.localdate()
    jobs = JobIndexPageFactory(parent=home)
    JobPageFactory(
        parent=jobs,
        slug="civil",
        title="土木技師（カムバック採用）",
        application_opens=today - dt.timedelta(days=2),
        application_closes=today + dt.timedelta(days=20),
    )
    SurveyPageFactory(
        parent=home,
        slug="survey",
        title="カムバック採用に関するアンケート",
        closes_at=timezone.now() + dt.timedelta(days=14),
    )
    alumnus = AlumnusFactory(
        email=EMAIL,
        family_name="青葉",
        given_name="花子",
        birth_date=dt.date(1988, 6, 1),
        hired_on=dt.date(2010, 4, 1),
        retired_on=today.replace(year=today.year - 2, month=3, day=31),
    )
    group = CommunityGroupFactory(name="山歩きの会")
    member_of(group, alumnus)
    friend = member_of(group).alumnus
    post(group, friend, "今度の日曜に泉ヶ岳へ行きませんか")
    post(group, friend, "初心者向けのコースです")
    vapid_key_create()
    build(full=True, dist=settings.PWA_DIST_DIR)
    return AppSite(pwa_api_server, alumnus, members, group.pk)


def sign_in_with_code(page: Any, smtp: SMTPInbox) -> None:
    """The code login as a person does it: the address, then the code from the mail."""
    page.fill("#login-email", EMAIL)
    page.get_by_role("button", name="確認コードを送る").click()
    page.locator("#code-form").wait_for(state="visible")
    mail = smtp.wait_for(1)[-1]
    code = LOGIN_CODE.search(text_body(mail))
    assert code is not None
    page.fill("#login-code", code.group(1))
    page.get_by_role("button", name="ログイン", exact=True).click()


def tab(page: Any, name: str) -> Any:
    return page.locator("nav.tabbar a.tab").filter(has_text=name)


def counts(page: Any) -> dict[str, str]:
    return dict(
        page.evaluate(
            """() => Array.from(document.querySelectorAll('[data-count]'))
                .map((n) => [n.dataset.count, n.textContent])"""
        )
    )


def checked(page: Any, name: str) -> None:
    """axe and the tap targets on the screen, and its 390 px screenshot."""
    assert axe_violations(page) == [], name
    assert small_tap_targets(page) == [], name
    screenshot(page, name)


@pytest.fixture
def phone(page: Any) -> Iterator[Any]:
    page.set_viewport_size(PHONE)
    try:
        yield page
    finally:
        page.context.clear_cookies()


def test_an_alumnus_signs_in_lands_on_the_home_and_moves_through_every_tab_and_back(
    app_site: AppSite, phone: Any, smtp: SMTPInbox
) -> None:
    page = phone
    page.goto(app_site.url + "/app/login/")
    sign_in_with_code(page, smtp)
    page.wait_for_url(app_site.url + "/app/")
    page.locator("#home-content").wait_for(state="visible")
    assert page.locator("#home-greeting").inner_text() == "青葉 花子 さん、おかえりなさい。"
    assert counts(page) == {"notices": "2", "jobs": "1", "surveys": "1", "chat": "2"}
    assert page.locator('[data-list="notices"] .card-title').all_inner_texts() == [
        "会員限定の個別相談会",
        "県庁見学会のご案内",
    ]
    assert (
        "カムバック採用の対象期間（目安）：令和" in page.locator("#home-eligibility").inner_text()
    )
    # Badges: the count shown, and said in words to a screen reader.
    wait_until(page, "() => !document.querySelector('[data-badge=notices]').hidden")
    assert tab(page, "お知らせ").inner_text().split() == ["お知らせ", "2", "（未読", "2", "件）"]
    assert "（未読 2 件）" in tab(page, "グループ").inner_text()
    assert tab(page, "ホーム").get_attribute("aria-current") == "page"
    # The header shows the signed-in state: the initial and マイページ instead of ログイン.
    account = page.locator("#account-link")
    assert account.get_attribute("href") == "/app/profile/"
    assert account.inner_text().split() == ["青", "マイページ", "（ログイン中）"]
    checked(page, "app-home")

    visited = [("お知らせ", "/app/feed/"), ("求人", "/jobs/"), ("グループ", "/app/groups/")]
    visited.append(("マイページ", "/app/profile/"))
    for name, path in visited:
        tab(page, name).click()
        page.wait_for_url(app_site.url + path)
        assert tab(page, name).get_attribute("aria-current") == "page"
        assert page.locator("nav.tabbar [aria-current]").count() == 1
        if name == "お知らせ":
            page.locator("#feed-list .card-title").first.wait_for(state="visible")
        if name == "グループ":
            page.locator("#my-groups li").first.wait_for(state="visible")
        if name == "マイページ":
            page.locator("#account").wait_for(state="visible")
            screenshot(page, "app-tab-mypage")
        else:
            checked(page, f"app-tab-{path.strip('/').replace('/', '-')}")

    for _name, path in reversed([("ホーム", "/app/"), *visited[:-1]]):
        page.go_back()
        page.wait_for_url(app_site.url + path)
    page.locator("#home-content").wait_for(state="visible")
    # The notice list was opened: nothing unread there now; the chat was not read.
    wait_until(page, "() => document.querySelector('[data-count=notices]').textContent === '0'")
    assert counts(page)["chat"] == "2"
    wait_until(page, "() => document.querySelector('[data-badge=notices]').hidden")
    assert "（未読 2 件）" in tab(page, "グループ").inner_text()
