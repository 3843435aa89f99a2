"""The built PWA in Chromium: installable, offline reading, push, accessibility, 360 px layout."""

import json
import time
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest

from .conftest import BuiltSite

pytestmark = pytest.mark.browser

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def wait_until(page: Any, script: str, arg: Any = None, timeout: float = 15.0) -> Any:
    """Polls `script` (a JS function) until it returns something truthy. Playwright's own
    wait_for_function evaluates strings, which the site's CSP (no 'unsafe-eval') forbids."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {script}")
        page.wait_for_timeout(100)


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
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(200)  # let the registration event arrive
    registration = next(r for r in registrations if r["scopeURL"] == built_site.url + "/")
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
                "registrationId": registration["registrationId"],
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
    ["/", "/notices/visited/", "/jobs/civil/", "/press/launch/", "/survey/", "/notices/", "/jobs/"],
)
def test_axe_finds_no_wcag_a_or_aa_violation(page: Any, built_site: BuiltSite, path: str) -> None:
    page.goto(built_site.url + path)
    page.evaluate(AXE_JS)
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
    assert violations == []
    assert len(result["passes"]) > 10  # axe really looked at the page


@pytest.mark.parametrize("path", ["/", "/notices/visited/", "/jobs/", "/survey/", "/notices/"])
def test_layout_holds_at_360_by_640(page: Any, built_site: BuiltSite, path: str) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(built_site.url + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font >= 18  # large, readable text for older readers
