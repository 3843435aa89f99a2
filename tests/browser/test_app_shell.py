"""The app shell in Chromium at 390 px against a live API: the code login lands on the member home,
every tab and back, badges, deep links that survive the login, the public header from 320 to
430 px, the text size, and what the service worker keeps (nothing member-only)."""

import datetime as dt
import importlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.content.models import ContactSettings, NoticeIndexPage, NoticePage, Visibility
from cms.push.services import notice_push_bytes, vapid_key_create
from tests.alumni.factories import AlumnusFactory
from tests.browser.conftest import BuiltSite, service_worker_registration, wait_until
from tests.browser.screens import (
    PHONE,
    axe_violations,
    focus_ring_contrast,
    screenshot,
    small_tap_targets,
)
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
from tests.groups.chat.factories import CommunityGroupFactory, member_of, post

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
    from django.apps import apps

    from pwa_build.build import build

    # A flush after an earlier transactional test removes the categories a migration wrote.
    importlib.import_module("cms.content.migrations.0002_default_categories").create_categories(
        apps, None
    )
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


# Controls that stick out of the screen or clip their own text.
HEADER_AND_TABS = (
    ".site-header a, .site-header button:not([hidden]), .tabbar .tab, .tabbar .tab-label"
)
CUT_OFF = """([width, controls]) => Array.from(document.querySelectorAll(controls)).filter((el) => {
    const r = el.getBoundingClientRect();
    return r.left < 0 || r.right > width || el.scrollWidth > el.clientWidth + 1;
}).map((el) => el.textContent)"""


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
    page.wait_for_load_state("networkidle")
    checked(page, "app-login")
    sign_in_with_code(page, smtp)
    page.wait_for_url(app_site.url + "/app/")
    page.locator("#home-content").wait_for(state="visible")
    assert page.locator("#home-greeting").inner_text() == "青葉 花子 さん、おかえりなさい。"
    assert counts(page) == {"notices": "2", "jobs": "1", "surveys": "1", "chat": "2"}
    assert page.locator('[data-list="notices"] .card-title').all_inner_texts() == [
        "会員限定の個別相談会",
        "県庁見学会のご案内",
    ]
    page.locator("#comeback-clock").wait_for(state="visible")
    assert page.locator("#comeback-clock").inner_text().startswith("応募資格はあと")
    # Badges: the count shown, and said in words to a screen reader.
    wait_until(page, "() => !document.querySelector('[data-badge=notices]').hidden")
    assert tab(page, "お知らせ").inner_text().split() == ["お知らせ", "2", "（未読", "2", "件）"]
    assert "（未読 2 件）" in tab(page, "グループ").inner_text()
    assert tab(page, "ホーム").get_attribute("aria-current") == "page"
    # The header shows the signed-in state: the initial and マイページ instead of ログイン.
    account = page.locator("#account-link")
    assert account.get_attribute("href") == "/app/profile/"
    assert account.inner_text().split() == ["青", "マイページ", "（ログイン中）"]
    # Text at twice its size (the phone's text setting): the header wraps, マイページ is not cut off.
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    doubled = {"width": page.evaluate("document.documentElement.scrollWidth")}
    header = ".site-header a, .site-header button:not([hidden])"
    doubled["cut"] = page.evaluate(CUT_OFF, [PHONE["width"], header])
    page.evaluate("document.documentElement.style.fontSize = ''")
    assert doubled == {"width": PHONE["width"], "cut": []}
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
            # Its notification settings, a screen of the shell too, and back to the list.
            page.get_by_role("link", name="通知の設定").click()
            page.get_by_role("button", name="通知を受け取る").wait_for(state="visible")
            checked(page, "app-notifications")
            page.go_back()
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


def _registration(page: Any, url: str) -> dict[str, Any]:
    cdp, registration_id = service_worker_registration(page, url)
    return {"cdp": cdp, "id": registration_id}


def test_a_push_for_a_members_notice_opened_signed_out_returns_to_it_after_the_code_login(
    app_site: AppSite, phone: Any, smtp: SMTPInbox
) -> None:
    page = phone
    notice = app_site.members_notice
    page.context.grant_permissions(["notifications"], origin=app_site.url)
    page.goto(app_site.url + "/")
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    registration = _registration(page, app_site.url)
    payload = notice_push_bytes(notice=notice).decode("utf-8")
    navigate = json.loads(payload)["notification"]["navigate"]
    assert navigate == f"{app_site.url}/app/feed/?notice={notice.pk}&via=push"
    for _attempt in range(5):  # a worker still starting up may miss the first message
        registration["cdp"].send(
            "ServiceWorker.deliverPushMessage",
            {"origin": app_site.url, "registrationId": registration["id"], "data": payload},
        )
        try:
            wait_until(
                page,
                "async () => (await (await navigator.serviceWorker.ready).getNotifications()).length",
                timeout=3.0,
            )
            break
        except AssertionError:
            continue
    worker = next(w for w in page.context.service_workers if w.url == app_site.url + "/sw.js")
    worker.evaluate(
        """async () => {
            const [notification] = await self.registration.getNotifications();
            self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
        }"""
    )
    # Signed out: the member screen leads to the login, naming where to come back to.
    next_path = f"/app/feed/?notice={notice.pk}&via=push"
    page.wait_for_url(f"{app_site.url}/app/login/?next=*", timeout=15_000)
    assert page.evaluate("() => new URLSearchParams(location.search).get('next')") == next_path
    sign_in_with_code(page, smtp)
    page.wait_for_url(f"{app_site.url}/app/feed/?notice={notice.pk}", timeout=15_000)
    page.locator("#feed-notice").wait_for(state="visible")
    assert page.locator("#notice-title").inner_text() == "会員限定の個別相談会"


@pytest.mark.parametrize(
    "next_value",
    ["//evil.example/app/", "https://evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_the_login_never_returns_to_another_site(
    app_site: AppSite, phone: Any, smtp: SMTPInbox, next_value: str
) -> None:
    page = phone
    page.goto(f"{app_site.url}/app/login/?next={json.dumps(next_value)[1:-1]}")
    page.evaluate(
        "(value) => history.replaceState(null, '', '/app/login/?next=' + encodeURIComponent(value))",
        next_value,
    )
    sign_in_with_code(page, smtp)
    page.wait_for_url(app_site.url + "/app/")


def test_a_chat_link_opened_signed_out_returns_to_the_chat_after_the_code_login(
    app_site: AppSite, phone: Any, smtp: SMTPInbox
) -> None:
    page = phone
    page.goto(f"{app_site.url}/app/chat/?group={app_site.group_id}")
    page.wait_for_url(f"{app_site.url}/app/login/?next=*")
    sign_in_with_code(page, smtp)
    page.wait_for_url(f"{app_site.url}/app/chat/?group={app_site.group_id}")
    page.locator("#chat-room").wait_for(state="visible")


@pytest.mark.parametrize("width", [320, 390, 430])
def test_the_public_header_and_the_tab_bar_are_never_cut_off(
    page: Any, built_site: BuiltSite, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 760})
    page.goto(built_site.url + "/")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(CUT_OFF, [width, HEADER_AND_TABS]) == []
    labels = page.locator(".tabbar .tab-label").all_inner_texts()
    assert labels == ["ホーム", "お知らせ", "求人", "グループ", "マイページ"]
    assert page.locator("#account-link").inner_text() == "ログイン"
    assert small_tap_targets(page) == []


# The focused control, unless what is seen at its centre is the control itself: it is hidden (under
# the sticky header or the fixed tab bar) or off the screen.
FOCUS_HIDDEN = """() => {
    const el = document.activeElement;
    const r = el.getBoundingClientRect();
    const seen = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return seen && (seen === el || el.contains(seen)) ? null : el.textContent.trim();
}"""


def test_the_keyboard_focus_is_never_hidden_under_the_header_or_the_tab_bar(
    page: Any, built_site: BuiltSite
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(built_site.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "本文へ移動"
    hidden = [page.evaluate(FOCUS_HIDDEN)]
    faint: dict[str, float] = {}
    for _ in range(40):  # the header, the page, the footer and the tab bar
        page.keyboard.press("Tab")
        hidden.append(page.evaluate(FOCUS_HIDDEN))
        ratio = focus_ring_contrast(page)
        if ratio < 3:  # the focus ring, on the blue header too, is seen (WCAG 1.4.11)
            faint[page.evaluate("document.activeElement.textContent.trim()")] = round(ratio, 2)
    assert [name for name in hidden if name] == []
    assert faint == {}


def test_the_text_size_is_kept_on_the_device_and_applies_to_every_page(
    page: Any, built_site: BuiltSite
) -> None:
    page.goto(built_site.url + "/")
    standard = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    try:
        page.locator(".site-footer").get_by_role("button", name="特大").click()
        assert page.evaluate("document.documentElement.dataset.textSize") == "xlarge"
        page.goto(built_site.url + "/notices/visited/")
        # Set by the blocking script in <head>: there before the body is parsed.
        assert page.evaluate("document.documentElement.dataset.textSize") == "xlarge"
        larger = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert larger == pytest.approx(standard * 1.25)
        pressed = page.locator(".site-footer [aria-pressed=true]").inner_text()
        assert pressed == "特大"
        assert page.evaluate("JSON.stringify(Object.entries(localStorage))").count("text-size") == 1
        page.set_viewport_size({"width": 320, "height": 640})
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        screenshot(page, "app-text-size-xlarge-320")
    finally:
        page.evaluate("localStorage.removeItem('text-size')")
        page.set_viewport_size(PHONE)


def cached_urls(page: Any) -> list[str]:
    return list(
        page.evaluate(
            """async () => {
                const found = [];
                for (const name of await caches.keys()) {
                    const cache = await caches.open(name);
                    for (const request of await cache.keys()) found.push(request.url);
                }
                return found;
            }"""
        )
    )


def cached_text(page: Any) -> str:
    return str(
        page.evaluate(
            """async () => {
                const found = [];
                for (const name of await caches.keys()) {
                    const cache = await caches.open(name);
                    for (const request of await cache.keys()) {
                        if (!request.url.includes('/assets/')) found.push(await (await cache.match(request)).text());
                    }
                }
                return found.join('\\n');
            }"""
        )
    )


def test_the_service_worker_keeps_no_member_data_and_sign_out_clears_what_an_old_one_kept(
    app_site: AppSite, phone: Any
) -> None:
    page = phone
    client = Client()
    client.force_login(app_site.alumnus.user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": app_site.url}]
    )
    page.goto(app_site.url + "/")
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    notice = app_site.members_notice
    for path in (
        "/app/",
        f"/app/feed/?notice={notice.pk}&via=push",
        "/app/groups/",
        f"/app/chat/?group={app_site.group_id}",
        "/notices/open-day/?via=push",
        "/app/profile/",
    ):
        page.goto(app_site.url + path)
        page.wait_for_load_state("networkidle")
    page.locator("#account").wait_for(state="visible")
    urls = cached_urls(page)
    shells = {"/app/", "/app/feed/", "/app/groups/", "/app/chat/", "/app/profile/"}
    paths = {u.removeprefix(app_site.url) for u in urls}
    assert not [u for u in urls if "/api/" in u or "?" in u or "/admin/" in u]
    assert shells <= paths  # the static shells, precached from the build
    assert f"{app_site.url}/notices/open-day/" in urls  # a public page read: kept for offline
    text = cached_text(page)
    for personal in ("青葉", EMAIL, "会員限定の個別相談会", "泉ヶ岳"):
        assert personal not in text

    # What an older worker kept (it stored every page it saw), and a notification showing a
    # members-only title: the sign-out drops them.
    page.context.grant_permissions(["notifications"], origin=app_site.url)
    page.evaluate(
        """async (pk) => {
            const cache = await caches.open('pages-v1');
            await cache.put('/app/feed/?notice=' + pk, new Response('会員限定の個別相談会'));
            await cache.put('/api/v1/me/home', new Response('{}'));
            const registration = await navigator.serviceWorker.ready;
            await registration.showNotification('会員限定の個別相談会');
        }""",
        notice.pk,
    )
    page.get_by_role("button", name="ログアウト", exact=True).click()
    page.wait_for_url(app_site.url + "/app/login/")
    wait_until(
        page,
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            const shown = await registration.getNotifications();
            const cache = await caches.open('pages-v1');
            const left = (await cache.keys()).filter((r) => r.url.includes('?') || r.url.includes('/api/'));
            return shown.length === 0 && left.length === 0;
        }""",
    )
    assert "会員限定の個別相談会" not in cached_text(page)
    assert page.locator("#account-link").inner_text() == "ログイン"


STANDALONE = "Object.defineProperty(navigator, 'standalone', {value: true})"
"""What an app added to an iPhone's home screen reports (Chromium has no such mode here)."""


def test_the_installed_iphone_app_shows_a_back_control_on_inner_screens(
    app_site: AppSite, phone: Any
) -> None:
    page = phone
    client = Client()
    client.force_login(app_site.alumnus.user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": app_site.url}]
    )
    back = page.get_by_role("button", name="戻る")
    page.goto(app_site.url + "/app/help/")
    assert back.is_hidden()  # a browser has its own back button
    page.add_init_script(STANDALONE)
    page.goto(app_site.url + "/app/")
    page.locator("#home-content").wait_for(state="visible")
    assert back.is_hidden()  # the home is where the app starts
    page.locator('[data-list="chat"] a').click()
    page.wait_for_url(f"{app_site.url}/app/chat/?group={app_site.group_id}")
    back.wait_for(state="visible")
    back.click()
    page.wait_for_url(app_site.url + "/app/")
    # Opened straight from a notification there is no history: back leads to the home.
    page.goto(app_site.url + "/app/help/")
    checked(page, "app-help")
    new = page.context.new_page()
    try:
        new.set_viewport_size(PHONE)
        new.add_init_script(STANDALONE)
        new.goto(app_site.url + "/app/groups/")
        new.get_by_role("button", name="戻る").click()
        new.wait_for_url(app_site.url + "/app/")
    finally:
        new.close()


def test_the_login_screen_of_a_signed_in_alumnus_goes_on_to_the_named_screen(
    app_site: AppSite, phone: Any
) -> None:
    page = phone
    client = Client()
    client.force_login(app_site.alumnus.user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": app_site.url}]
    )
    page.goto(app_site.url + "/app/login/?next=%2Fapp%2Fgroups%2F")
    page.wait_for_url(app_site.url + "/app/groups/")
