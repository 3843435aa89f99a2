"""The built PWA in Chromium: installable, offline reading, push, accessibility, 360 px layout."""

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import service_worker_registration, wait_until
from tests.browser.screens import axe_violations

from .conftest import BuiltSite, serve

pytestmark = pytest.mark.browser


def wait_for_service_worker(page: Any) -> None:
    wait_until(page, "() => navigator.serviceWorker.controller !== null")


def test_the_site_is_installable(page: Any, built_site: BuiltSite) -> None:
    page.goto(built_site.url + "/")
    wait_for_service_worker(page)
    cdp = page.context.new_cdp_session(page)
    result = cdp.send("Page.getInstallabilityErrors")
    assert result["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []


def test_a_visited_notice_reads_offline_and_an_unvisited_url_shows_the_offline_page(
    page: Any, built_site: BuiltSite
) -> None:
    visited = built_site.url + "/notices/visited/"
    page.goto(visited)
    wait_for_service_worker(page)
    wait_until(page, "url => caches.match(url).then(hit => Boolean(hit))", visited)
    page.context.set_offline(True)
    try:
        page.goto(visited)
        assert page.locator("h1").inner_text() == "県庁見学会のご案内"
        assert "県庁見学会のご案内の本文です。" in page.locator("main").inner_text()
        page.goto(built_site.url + "/notices/unvisited/")
        assert page.locator("h1").inner_text() == "オフラインです"
    finally:
        page.context.set_offline(False)


def test_a_declarative_web_push_shows_a_notification_whose_click_opens_the_notice(
    page: Any, built_site: BuiltSite
) -> None:
    page.goto(built_site.url + "/")
    wait_for_service_worker(page)
    cdp, registration_id = service_worker_registration(page, built_site.url)
    payload = {
        "web_push": 8030,
        "notification": {
            "title": "新しいお知らせ",
            "body": "プッシュで届いたお知らせを公開しました",
            "navigate": built_site.url + "/notices/pushed/",
            "lang": "ja",
        },
    }
    shown = None
    for _attempt in range(5):  # a worker still starting up may miss the first message
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": built_site.url,
                "registrationId": registration_id,
                "data": json.dumps(payload, ensure_ascii=False),
            },
        )
        try:
            shown = wait_until(
                page,
                """async () => {
                    const reg = await navigator.serviceWorker.ready;
                    const list = await reg.getNotifications();
                    return list.length ? {title: list[0].title, body: list[0].body} : null;
                }""",
                timeout=3.0,
            )
            break
        except AssertionError:
            continue
    assert shown == {"title": "新しいお知らせ", "body": "プッシュで届いたお知らせを公開しました"}
    # Chromium cannot click a notification through CDP: dispatch the same event the click sends.
    worker = next(w for w in page.context.service_workers if w.url == built_site.url + "/sw.js")
    worker.evaluate(
        """async () => {
            for (let i = 0; i < 100; i++) {
                const [notification] = await self.registration.getNotifications();
                if (notification) {
                    self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
                    return;
                }
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
            throw new Error("no notification to click");
        }"""
    )
    page.wait_for_url(built_site.url + "/notices/pushed/", timeout=15_000)
    assert page.locator("h1").inner_text() == "プッシュで届いたお知らせ"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/notices/visited/",
        "/jobs/civil/",
        "/press/launch/",
        "/survey/",
        "/notices/",
        "/jobs/",
        "/about/",
        "/app/help/",
        "/app/login/",
        "/offline/",
    ],
)
def test_axe_finds_no_wcag_a_or_aa_violation(page: Any, built_site: BuiltSite, path: str) -> None:
    page.goto(built_site.url + path)
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/", "/notices/visited/", "/jobs/", "/survey/", "/notices/"])
def test_layout_holds_at_360_by_640(page: Any, built_site: BuiltSite, path: str) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(built_site.url + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font >= 18  # large, readable text for older readers


@dataclass
class LiveVersion:
    """The first version served on its own origin; `swap()` puts the second live, as a deploy
    would (one symlink replaced)."""

    url: str
    live: Path
    second: Path
    old_css: str
    new_css: str

    def swap(self) -> None:
        link = self.live.with_name(".live-next")
        link.symlink_to(self.second)
        os.replace(link, self.live)


def _css_url(dist: Path) -> str:
    return "/" + next((dist / "assets/css").glob("site.*.css")).relative_to(dist).as_posix()


@pytest.fixture(scope="module")
def two_versions(built_site: BuiltSite) -> Iterator[LiveVersion]:
    versions = built_site.versions
    assert versions is not None
    live = versions.first.parent / "live"
    live.symlink_to(versions.first)
    server = serve(live, versions.port)
    yield LiveVersion(
        versions.url, live, versions.second, _css_url(versions.first), _css_url(versions.second)
    )
    server.shutdown()
    server.server_close()


def _stylesheet(page: Any) -> str:
    return str(
        page.evaluate("() => new URL(document.querySelector('link[rel=stylesheet]').href).pathname")
    )


def test_a_new_version_shows_the_banner_and_updating_reloads_into_it(
    page: Any, two_versions: LiveVersion
) -> None:
    assert two_versions.old_css != two_versions.new_css
    page.goto(two_versions.url + "/")
    wait_for_service_worker(page)
    assert page.locator("#update-banner").is_hidden()
    two_versions.swap()
    page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
    wait_until(page, "() => !document.getElementById('update-banner').hidden", timeout=30)
    # Nothing swapped under the open page: it still runs the first version.
    assert _stylesheet(page) == two_versions.old_css
    with page.expect_navigation(timeout=30_000):
        page.get_by_role("button", name="更新する").click()
    page.wait_for_load_state()
    assert _stylesheet(page) == two_versions.new_css
    assert page.locator("#update-banner").is_hidden()
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    # The new worker serves its precache: the new stylesheet is there, the old one gone.
    assert wait_until(page, "(url) => caches.match(url).then(Boolean)", two_versions.new_css)
    assert not page.evaluate("(url) => caches.match(url).then(Boolean)", two_versions.old_css)


def test_the_install_button_appears_when_the_browser_offers_to_install(
    page: Any, built_site: BuiltSite
) -> None:
    # Every beforeinstallprompt the page receives (Chromium may fire its own once the worker
    # runs, besides the one dispatched below) gets a prompt() that counts and a user who
    # accepts, in place of the install dialog a headless browser cannot answer.
    page.add_init_script(
        """window.promptsShown = 0;
        window.addEventListener("beforeinstallprompt", (event) => {
            event.prompt = () => { window.promptsShown += 1; return Promise.resolve(); };
            Object.defineProperty(event, "userChoice", {
                value: Promise.resolve({outcome: "accepted", platform: "web"}),
            });
        }, true);"""
    )
    page.goto(built_site.url + "/")
    page.wait_for_load_state()
    # Headless Chromium need not fire beforeinstallprompt by itself: dispatch one, shaped like
    # the browser's (prompt() opens its install dialog, userChoice settles with the answer).
    prevented = page.evaluate(
        """() => {
            const event = new Event("beforeinstallprompt", {cancelable: true});
            event.prompt = () => Promise.resolve();
            event.userChoice = Promise.resolve({outcome: "accepted", platform: "web"});
            window.dispatchEvent(event);
            return event.defaultPrevented;
        }"""
    )
    assert prevented  # our button instead of the browser's mini-infobar
    button = page.get_by_role("button", name="ホーム画面に追加")
    assert button.is_visible()
    button.click()
    wait_until(
        page, "() => window.promptsShown === 1 && document.getElementById('install-banner').hidden"
    )


IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def test_iphone_safari_shows_the_add_to_home_screen_guide_until_dismissed(
    chromium: Any, built_site: BuiltSite, page: Any
) -> None:
    page.goto(built_site.url + "/")
    page.wait_for_load_state()
    assert page.locator("#ios-install").is_hidden()  # not on Chromium's own user agent
    iphone = chromium.new_context(
        user_agent=IPHONE_SAFARI,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="ja-JP",
    ).new_page()
    iphone.goto(built_site.url + "/")
    iphone.wait_for_load_state()
    guide = iphone.locator("#ios-install")
    assert guide.is_visible()
    assert "ホーム画面に追加" in guide.inner_text()
    iphone.get_by_role("button", name="閉じる").click()
    assert guide.is_hidden()
    iphone.reload()
    iphone.wait_for_load_state()
    assert iphone.locator("#ios-install").is_hidden()  # dismissed stays dismissed
