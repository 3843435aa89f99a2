"""HR's notice journeys through Wagtail's real editor at 1366 px: a group notice published in
one go, read in the app at 390 px by a member and not by anyone else; a live notice edited and
published at once stays published, even when the editor's autosave arrives during the publish."""

import importlib
import re
import threading
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.servers.basehttp import ThreadedWSGIServer
from django.http import HttpRequest
from wagtail import hooks
from wagtail.models import GroupPagePermission, Page

from cms.content.models import (
    HomePage,
    NoticeCategory,
    NoticeIndexPage,
    NoticePage,
    Visibility,
)
from cms.groups.models import AudienceGroup
from cms.staff_roles import DELIVERY_HR, PAGE_EDITORS, PAGE_PUBLISHERS, role_grant
from tests.browser import live_api
from tests.browser.conftest import (
    admin_sign_in,
    in_browser_thread,
    open_editor,
    wait_for_edit_seen,
    wait_until,
)
from tests.browser.screens import screenshot
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory
from tests.fixtures.smtp import SMTPInbox, text_body
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.browser

HR_PASSWORD = "hr-editor-test-pw"
ADMIN = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
LOGIN_CODE = re.compile(r"確認コード: (\d{6})")
REACH_SAYS = "(text) => document.getElementById('notice-reach-text').textContent.includes(text)"


@pytest.fixture
def threaded_server(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    """The live server answers requests in threads, as the demo and production servers do
    (the editor's publish and its autosave are then handled at the same time, the race), and
    serves the admin's own static files, as WhiteNoise does in the demo."""
    monkeypatch.setattr(live_api._LiveServerThread, "server_class", ThreadedWSGIServer)
    settings.WHITENOISE_USE_FINDERS = True


def migrated_content_back() -> None:
    """What the migrations wrote and an earlier browser test's flush may have taken: the
    default notice categories, Wagtail's 編集者 and 公開担当者 with their page permissions."""
    categories = importlib.import_module("cms.content.migrations.0002_default_categories")
    for name, slug, order in categories.DEFAULT_CATEGORIES:
        NoticeCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "sort_order": order}
        )
    root = Page.get_first_root_node()
    access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    for name, actions in (
        (PAGE_EDITORS, ("add", "change")),
        (PAGE_PUBLISHERS, ("add", "change", "publish")),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(access)
        for action in actions:
            permission = Permission.objects.get(
                content_type__app_label="wagtailcore", codename=f"{action}_page"
            )
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)


@pytest.fixture
def notices(threaded_server: None, pwa_api_server: str) -> NoticeIndexPage:
    migrated_content_back()
    index: NoticeIndexPage = NoticeIndexPageFactory(parent=HomePage.objects.get())
    return index


@pytest.fixture
def hr(notices: NoticeIndexPage) -> Any:
    """Like the demo's hr-editor: Wagtail's 編集者 and 公開担当者, and HR's delivery role."""
    user = get_user_model().objects.create_user(
        "hr-editor", password=HR_PASSWORD, first_name="人事", last_name="花子"
    )
    user.groups.add(*Group.objects.filter(name__in=[PAGE_EDITORS, PAGE_PUBLISHERS]))
    role_grant(user, DELIVERY_HR)
    return user


def admin_page(browser: Any, base: str, user: Any) -> Any:
    """HR signed in at /admin/login/ in a window of their own, 1366 px wide."""
    page = browser.new_context(locale="ja-JP", viewport=ADMIN).new_page()
    admin_sign_in(page, base, user.username, HR_PASSWORD)
    return page


def publish_from_editor(page: Any) -> None:
    """公開, from the editor's footer menu (下書きを保存 is its first action)."""
    publish = page.locator('button[name="action-publish"]')
    if not publish.is_visible():
        page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    publish.click()


def app_sign_in(browser: Any, base: str, email: str, smtp: SMTPInbox) -> Any:
    """An alumnus signs in to the app on a 390 px phone with the code mailed to them."""
    page = browser.new_context(locale="ja-JP", viewport=PHONE).new_page()
    page.goto(f"{base}/app/login/")
    page.fill("#login-email", email)
    page.get_by_role("button", name="確認コードを送る").click()
    page.locator("#code-form").wait_for(state="visible")
    code = None
    for _ in range(100):
        mails = [m for m in smtp.messages if m["To"] == email and LOGIN_CODE.search(text_body(m))]
        if mails:
            code = LOGIN_CODE.search(text_body(mails[-1]))
            break
        page.wait_for_timeout(100)
    assert code is not None, f"no login code mailed to {email}"
    page.fill("#login-code", code.group(1))
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(re.compile(r".*/app/(?!login).*"))
    return page


def feed_text(page: Any, base: str, expected: str) -> str:
    """The app's お知らせ once the feed has loaded (`expected` is in everyone's)."""
    page.goto(f"{base}/app/feed/")
    wait_until(
        page,
        "(t) => document.getElementById('feed-list').textContent.includes(t)",
        expected,
    )
    return str(page.locator("#feed-list").inner_text())


def test_hr_publishes_a_group_notice_in_one_go_and_only_members_see_it(
    notices: NoticeIndexPage, pwa_api_server: str, hr: Any, smtp: SMTPInbox
) -> None:
    base = pwa_api_server
    member = AlumnusFactory(email="member@example.jp", family_name="土木", given_name="一郎")
    outsider = AlumnusFactory(email="outsider@example.jp", family_name="総務", given_name="二郎")
    group = AudienceGroup.objects.create(name="土木職の元職員")
    group.members.set([member])
    group.save()
    NoticePageFactory(parent=notices, title="全員へのお知らせ", visibility=Visibility.MEMBERS)
    seen: dict[str, str] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        page.goto(f"{base}/admin/pages/{notices.pk}/")
        page.get_by_role("link", name="子ページを追加").first.click()
        page.locator("#id_title").wait_for()
        page.fill("#id_title", "土木職の皆さまへ：説明会のご案内")
        page.fill("#id_summary", "11月に土木職の説明会を開きます。")
        page.locator("#id_category-chooser [data-chooser-action-choose]").click()
        page.locator(".modal-content").get_by_role("link", name="イベント").click()
        page.locator("#id_category-chooser .chooser__title").get_by_text("イベント").wait_for()
        page.select_option("#id_visibility", Visibility.GROUPS)
        wait_until(page, REACH_SAYS, "配信グループを選ぶと")
        page.get_by_label("土木職の元職員").check()
        page.get_by_label("登録者に通知する").check()
        wait_until(page, REACH_SAYS, "届く人: 1人")
        seen["reach"] = page.locator("#notice-reach-text").inner_text()
        screenshot(page, "hr-notice-editor-reach")

        publish_from_editor(page)
        page.wait_for_url(f"{base}/admin/pages/{notices.pk}/")
        seen["after publish"] = page.locator("main").inner_text()
        screenshot(page, "hr-notice-published")

        member_page = app_sign_in(browser, base, member.email, smtp)
        seen["member feed"] = feed_text(member_page, base, "全員へのお知らせ")
        screenshot(member_page, "hr-notice-member-feed")
        outsider_page = app_sign_in(browser, base, outsider.email, smtp)
        seen["outsider feed"] = feed_text(outsider_page, base, "全員へのお知らせ")
        screenshot(outsider_page, "hr-notice-outsider-feed")

    in_browser_thread(scenario)

    assert seen["reach"] == (
        "このお知らせが届く人: 1人（プッシュ通知 0人・メール 1人・受け取り設定なし 0人）"
    )
    assert "配信グループを選んでください" not in seen["after publish"]
    notice = NoticePage.objects.get(title="土木職の皆さまへ：説明会のご案内")
    assert notice.live and not notice.has_unpublished_changes
    assert list(notice.audience_groups.all()) == [group]
    assert "土木職の皆さまへ：説明会のご案内" in seen["member feed"]
    assert "土木職の皆さまへ" not in seen["outsider feed"]
    # The fan-out mailed the member, and only the member, as the reach said.
    notice_mails = [m for m in smtp.messages if "説明会のご案内" in str(m["Subject"])]
    assert [m["To"] for m in notice_mails] == [member.email]


class AutosaveInFlight:
    """Holds the editor's autosave on the server, after its edit view has read the page, until
    a publish of the page is done: an autosave on its way when 公開 is pressed, handled by a
    second server thread at the same time as the publish (what was reported)."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.published = threading.Event()

    def before_edit_page(self, request: HttpRequest, page: Page) -> None:
        is_autosave = request.method == "POST" and not request.accepts("text/html")
        if is_autosave and not self.arrived.is_set():
            self.arrived.set()
            self.published.wait(timeout=60)

    def after_publish_page(self, request: HttpRequest, page: Page) -> None:
        self.published.set()


class AutosaveAfterPublish:
    """Holds the publish on the server a little (long enough for the editor's timers to send an
    autosave, while the editor is still open); the autosaves that arrive meanwhile are counted.
    Whether the editor *sent* one after 公開 is read from the order in which Chromium issued the
    requests: an autosave sent just before the click may reach the server after the publish on
    a loaded machine, and the server refuses that one (the next test)."""

    def __init__(self) -> None:
        self.publish_arrived = threading.Event()
        self.autosave_came = threading.Event()

    def before_edit_page(self, request: HttpRequest, page: Page) -> None:
        if request.method != "POST":
            return
        if "action-publish" in request.POST:
            self.publish_arrived.set()
            self.autosave_came.wait(timeout=3)
        elif not request.accepts("text/html") and self.publish_arrived.is_set():
            self.autosave_came.set()


def editor_posts(page: Any, edit_url: str, issued: list[str]) -> None:
    """Record, in the order Chromium issues them, the editor's POSTs: 公開 or an autosave."""

    def seen(request: Any) -> None:
        if request.method != "POST" or not request.url.endswith(edit_url):
            return
        body = request.post_data_buffer or b""
        accept = request.headers.get("accept", "")
        if b"action-publish" in body:
            issued.append("publish")
        elif "text/html" not in accept:
            issued.append("autosave")

    page.on("request", seen)


def edit_and_publish(
    notices: NoticeIndexPage,
    notice: NoticePage,
    base: str,
    hr: Any,
    hold: Any,
    name: str,
    issued: list[str] | None = None,
) -> dict[str, str]:
    """HR changes the title of a live notice and publishes; what the editor and the public
    page then show. `hold` (a threading.Event or None) is awaited between the two; the editor's
    POSTs go into `issued` in the order they were sent."""
    seen: dict[str, str] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        if issued is not None:
            editor_posts(page, f"/admin/pages/{notice.pk}/edit/", issued)
        open_editor(page, f"{base}/admin/pages/{notice.pk}/edit/")
        page.fill("#id_title", "説明会のご案内（会場変更）")
        wait_for_edit_seen(page)
        if hold is not None:
            assert hold.wait(timeout=60), "the autosave did not come"
        publish_from_editor(page)
        page.wait_for_url(f"{base}/admin/pages/{notices.pk}/")
        screenshot(page, name)
        page.goto(f"{base}/admin/pages/{notice.pk}/edit/")
        seen["editor title"] = page.locator("#id_title").input_value()
        page.goto(f"{base}/notices/{notice.slug}/")
        seen["public title"] = page.locator("h1").inner_text()

    in_browser_thread(scenario)
    return seen


@pytest.fixture
def live_notice(notices: NoticeIndexPage, hr: Any, settings: Any) -> NoticePage:
    notice: NoticePage = NoticePageFactory(
        parent=notices, slug="setsumeikai", title="説明会のご案内"
    )
    notice.save_revision(user=hr).publish()
    settings.PWA_BUILD_ON_PUBLISH = True  # the public page is rebuilt on publish, as in the demo
    return notice


def assert_live_with_new_title(notice: NoticePage, seen: dict[str, str]) -> None:
    notice.refresh_from_db()
    assert notice.live and notice.title == "説明会のご案内（会場変更）"
    assert not notice.has_unpublished_changes
    assert notice.latest_revision_id == notice.live_revision_id
    assert seen["editor title"] == "説明会のご案内（会場変更）"
    assert seen["public title"] == "説明会のご案内（会場変更）"


def test_a_live_notice_edited_and_published_at_once_stays_published(
    notices: NoticeIndexPage, live_notice: NoticePage, pwa_api_server: str, hr: Any
) -> None:
    watch = AutosaveAfterPublish()
    issued: list[str] = []
    with hooks.register_temporarily("before_edit_page", watch.before_edit_page):
        seen = edit_and_publish(
            notices, live_notice, pwa_api_server, hr, None, "hr-notice-republished", issued
        )
    assert watch.publish_arrived.is_set()
    assert "publish" in issued
    after_publish = issued[issued.index("publish") + 1 :]
    assert "autosave" not in after_publish, f"the editor sent an autosave after 公開: {issued}"
    assert_live_with_new_title(live_notice, seen)


def test_a_live_notice_stays_published_when_its_autosave_arrives_during_the_publish(
    notices: NoticeIndexPage, live_notice: NoticePage, pwa_api_server: str, hr: Any
) -> None:
    in_flight = AutosaveInFlight()
    with hooks.register_temporarily(
        [
            ("before_edit_page", in_flight.before_edit_page),
            ("after_publish_page", in_flight.after_publish_page),
        ]
    ):
        seen = edit_and_publish(
            notices, live_notice, pwa_api_server, hr, in_flight.arrived, "hr-notice-overtaken"
        )
    assert_live_with_new_title(live_notice, seen)


class FirstAutosaveHeld:
    """Holds a new page's first autosave on the server once it has created the page, until
    released: 公開 pressed while the autosave that creates the page is on its way."""

    def __init__(self) -> None:
        self.created = threading.Event()
        self.release = threading.Event()

    def after_create_page(self, request: HttpRequest, page: Page) -> None:
        if not request.accepts("text/html") and not self.created.is_set():
            self.created.set()
            self.release.wait(timeout=60)


def test_a_new_notice_published_while_its_first_autosave_is_on_its_way_is_made_once(
    notices: NoticeIndexPage, pwa_api_server: str, hr: Any
) -> None:
    base = pwa_api_server
    held = FirstAutosaveHeld()
    publishes: list[str] = []

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        page.on(
            "request",
            lambda r: (
                publishes.append(r.url)
                if r.method == "POST" and b"action-publish" in (r.post_data_buffer or b"")
                else None
            ),
        )
        open_editor(page, f"{base}/admin/pages/add/content/noticepage/{notices.pk}/")
        page.fill("#id_title", "窓口時間変更のお知らせ")
        page.fill("#id_summary", "12月から窓口の時間が変わります。")
        page.locator("#id_category-chooser [data-chooser-action-choose]").click()
        page.locator(".modal-content").get_by_role("link", name="イベント").click()
        page.locator("#id_category-chooser .chooser__title").get_by_text("イベント").wait_for()
        wait_for_edit_seen(page)
        assert held.created.wait(timeout=60), "the autosave did not create the page"
        publish_from_editor(page)
        page.wait_for_timeout(1500)  # time for a publish sent at once to reach the server
        held.release.set()
        page.wait_for_url(f"{base}/admin/pages/{notices.pk}/", timeout=60_000)
        screenshot(page, "hr-notice-new-published-after-autosave")

    with hooks.register_temporarily("after_create_page", held.after_create_page):
        in_browser_thread(scenario)

    made = NoticePage.objects.filter(title="窓口時間変更のお知らせ")
    assert made.count() == 1, publishes
    notice = made.get()
    assert notice.live and not notice.has_unpublished_changes
    # 公開 went once, to the page the autosave had made (an autosave refused for a missing
    # field may have posted to the create view before: it creates nothing).
    assert publishes == [f"{base}/admin/pages/{notice.pk}/edit/"]
