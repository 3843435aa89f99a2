"""The notification screen and the member feed in Chromium, against a live API on one origin.

Chromium here cannot reach a real push service, so `PushManager.subscribe` either fails as it
does (the error the page shows) or, where the test follows the subscription to the API, is
replaced by one that returns a subscription of the local push service (real keys and endpoint).
"""

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from cms.alumni.models import Alumnus
from cms.content.models import NoticeIndexPage, NoticePage, Visibility
from cms.push.models import Channel, Delivery, DeliveryStatus, PushSubscription, VapidKey
from cms.push.services import notice_push_bytes, vapid_key_create
from cms.push.validators import b64url_decode
from tests.browser.conftest import service_worker_registration, wait_until
from tests.browser.live_api import pwa_api_origin
from tests.content.factories import NoticePageFactory
from tests.fixtures.push_service import LocalPushService
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.browser

IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.4 Mobile/15E148 Safari/604.1"
)
# Counts permission requests, so a test can tell a prompt on load from one on a tap.
COUNT_PERMISSION_REQUESTS = """
window.__permissionRequests = 0;
const request = Notification.requestPermission.bind(Notification);
Notification.requestPermission = function () {
  window.__permissionRequests += 1;
  return request();
};
"""
# Stands in for the browser's push service registration (unreachable here), with the local
# push service's subscription; records what the page asked for.
LOCAL_PUSH_SUBSCRIPTION = """
(subscription) => {
  PushManager.prototype.subscribe = function (options) {
    window.__subscribeOptions = {
      userVisibleOnly: options.userVisibleOnly,
      key: Array.from(new Uint8Array(options.applicationServerKey)),
    };
    window.__subscription = {
      endpoint: subscription.endpoint,
      toJSON: () => ({endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys}),
      unsubscribe: () => { window.__subscription = null; return Promise.resolve(true); },
    };
    return Promise.resolve(window.__subscription);
  };
  PushManager.prototype.getSubscription = () => Promise.resolve(window.__subscription || null);
}
"""


def _rows_of_data_migrations() -> None:
    """Wagtail's root page, the default locale and the notice categories: the tests here are
    transactional (the server thread reads what they write), and a flush removes these."""
    from django.apps import apps
    from wagtail.models import Locale, Page

    Locale.objects.get_or_create(language_code="ja")
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root"))
    importlib.import_module("cms.content.migrations.0002_default_categories").create_categories(
        apps, None
    )


@pytest.fixture(scope="module", autouse=True)
def django_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop in this thread, which Django takes for an async
    context; the test's database calls (and the flush after each test) are synchronous."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def site(
    migrated_data_left_behind: None,
    transactional_db: None,
    django_db_serialized_rollback: None,
    settings: Any,
    tmp_path: Path,
) -> Iterator[str]:
    """The built PWA and /api/v1/ on one loopback origin, with a notice index and a VAPID key."""
    from pwa_build.build import build
    from tests.content.factories import NoticeIndexPageFactory, make_site

    with pwa_api_origin(tmp_path / "dist", settings) as base:
        _rows_of_data_migrations()
        NoticeIndexPageFactory(parent=make_site())
        vapid_key_create()
        build(full=True, dist=settings.PWA_DIST_DIR)
        yield base


@pytest.fixture
def signed_in(page: Any, site: str) -> Iterator[Alumnus]:
    """An alumnus whose session cookie the browser holds (as after the code login)."""
    alumnus: Alumnus = AlumnusFactory(consent_push=False)
    client = Client()
    client.force_login(alumnus.user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}]
    )
    try:
        yield alumnus
    finally:
        page.context.clear_cookies()


def open_notification_screen(page: Any, site: str) -> None:
    page.add_init_script(COUNT_PERMISSION_REQUESTS)
    page.goto(site + "/app/notifications/")
    page.get_by_role("button", name="通知を受け取る").wait_for(state="visible")


def test_the_screen_says_why_and_asks_permission_only_from_the_tap(
    page: Any, site: str, signed_in: Alumnus, push_service: LocalPushService
) -> None:
    page.context.grant_permissions(["notifications"], origin=site)
    subscription = push_service.subscription()
    page.add_init_script(
        script=f"({LOCAL_PUSH_SUBSCRIPTION})({json.dumps(subscription.as_json())})"
    )
    open_notification_screen(page, site)
    assert "カムバック採用の募集開始" in page.locator("#push-why").inner_text()
    assert page.evaluate("() => window.__permissionRequests") == 0

    page.get_by_role("button", name="通知を受け取る").click()
    page.get_by_role("button", name="この端末の通知を止める").wait_for(state="visible")
    assert page.evaluate("() => window.__permissionRequests") == 1
    assert "通知を受け取る設定にしました" in page.locator("#push-status").inner_text()
    options = page.evaluate("() => window.__subscribeOptions")
    assert options["userVisibleOnly"] is True
    assert bytes(options["key"]) == b64url_decode(VapidKey.objects.get().public_key)
    stored = PushSubscription.objects.get(alumnus=signed_in)
    assert (stored.endpoint, stored.p256dh, stored.auth) == (
        subscription.endpoint,
        subscription.p256dh,
        subscription.auth,
    )
    signed_in.refresh_from_db()
    assert signed_in.consent_push  # the tap is the consent
    assert subscription.endpoint not in page.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
    )

    page.get_by_role("button", name="この端末の通知を止める").click()
    page.get_by_role("button", name="通知を受け取る").wait_for(state="visible")
    assert not PushSubscription.objects.filter(alumnus=signed_in).exists()


def test_a_granted_permission_goes_on_to_the_browsers_push_registration(
    page: Any, site: str, signed_in: Alumnus
) -> None:
    page.context.grant_permissions(["notifications"], origin=site)
    open_notification_screen(page, site)
    page.get_by_role("button", name="通知を受け取る").click()
    # Chromium's own registration cannot reach its push service here: it hangs or fails.
    status = wait_until(
        page,
        """() => {
            const text = document.getElementById('push-status').textContent;
            return /登録しています|登録できませんでした/.test(text) && text;
        }""",
    )
    assert "許可されませんでした" not in status
    assert page.evaluate("() => window.__permissionRequests") == 1
    assert not PushSubscription.objects.exists()


def test_a_denied_permission_is_explained_and_nothing_is_subscribed(
    page: Any, site: str, signed_in: Alumnus
) -> None:
    open_notification_screen(page, site)  # no grant for this origin: Chromium denies
    page.get_by_role("button", name="通知を受け取る").click()
    page.locator("#push-denied").wait_for(state="visible")
    assert "許可されませんでした" in page.locator("#push-status").inner_text()
    assert page.evaluate("() => window.__permissionRequests") == 1
    assert not PushSubscription.objects.exists()


def test_iphone_safari_outside_the_home_screen_app_first_explains_adding_it(
    page: Any, site: str, signed_in: Alumnus
) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setUserAgentOverride", {"userAgent": IPHONE_SAFARI})
    page.add_init_script(COUNT_PERMISSION_REQUESTS)
    page.goto(site + "/app/notifications/")
    guide = page.locator("#push-ios-install")
    guide.wait_for(state="visible")
    assert "ホーム画面に追加" in guide.inner_text()
    assert not page.get_by_role("button", name="通知を受け取る").is_visible()
    assert page.evaluate("() => window.__permissionRequests") == 0


def test_a_notification_click_opens_the_member_notice_in_the_feed(
    page: Any, site: str, signed_in: Alumnus
) -> None:
    notice: NoticePage = NoticePageFactory(
        parent=NoticeIndexPage.objects.get(),
        title="土木部OB・OGの交流会",
        summary="12月に仙台で交流会を開きます。",
        visibility=Visibility.MEMBERS,
        body=[
            {
                "type": "paragraph",
                "value": '<h2>日程</h2><p>12月6日（土）午後</p><p><a href="javascript:alert(1)">'
                "申し込み</a></p>",
            }
        ],
    )
    Delivery.objects.create(
        item=notice, alumnus=signed_in, channel=Channel.PUSH, status=DeliveryStatus.SENT
    )
    page.context.grant_permissions(["notifications"], origin=site)
    page.goto(site + "/app/feed/")
    page.locator("#feed-list .card-title").first.wait_for(state="visible")
    assert page.locator("#feed-list .card-title").all_inner_texts() == ["土木部OB・OGの交流会"]
    wait_until(page, "() => navigator.serviceWorker.controller !== null")

    cdp, registration_id = service_worker_registration(page, site)
    shown = None
    for _attempt in range(5):  # a worker still starting up may miss the first message
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": site,
                "registrationId": registration_id,
                "data": notice_push_bytes(notice=notice).decode("utf-8"),
            },
        )
        try:
            shown = wait_until(
                page,
                """async () => {
                    const reg = await navigator.serviceWorker.ready;
                    const [n] = await reg.getNotifications();
                    return n ? {title: n.title, body: n.body, tag: n.tag} : null;
                }""",
                timeout=3.0,
            )
            break
        except AssertionError:
            continue
    assert shown == {
        "title": "土木部OB・OGの交流会",
        "body": "12月に仙台で交流会を開きます。",
        "tag": f"notice-{notice.pk}",
    }
    # The same notice sent again (a worker killed before it recorded the first) replaces the
    # shown notification through its tag: still one on the screen, the newer one.
    first = page.evaluate(
        "async () => (await (await navigator.serviceWorker.ready).getNotifications())[0].timestamp"
    )
    page.wait_for_timeout(20)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": site,
            "registrationId": registration_id,
            "data": notice_push_bytes(notice=notice).decode("utf-8"),
        },
    )
    assert (
        wait_until(
            page,
            f"""async () => {{
            const shown = await (await navigator.serviceWorker.ready).getNotifications();
            return shown.length === 1 && shown[0].timestamp > {first} ? shown.length : null;
        }}""",
        )
        == 1
    )
    # Chromium cannot click a notification through CDP: dispatch the event a click sends.
    worker = next(w for w in page.context.service_workers if w.url == site + "/sw.js")
    worker.evaluate(
        """async () => {
            const [notification] = await self.registration.getNotifications();
            self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
        }"""
    )
    page.wait_for_url(f"{site}/app/feed/?notice={notice.pk}", timeout=15_000)
    article = page.locator("#feed-notice")
    article.wait_for(state="visible")
    assert page.locator("#notice-title").inner_text() == "土木部OB・OGの交流会"
    assert page.locator("#notice-summary").inner_text() == "12月に仙台で交流会を開きます。"
    assert page.locator("#notice-body h2").inner_text() == "日程"
    link = page.locator("#notice-body a")
    assert link.inner_text() == "申し込み" and link.get_attribute("href") is None
    wait_until(
        page,
        "() => fetch('/api/v1/notices/' + new URLSearchParams(location.search).get('notice'),"
        " {credentials: 'include'}).then(r => r.ok)",
    )
    delivery = Delivery.objects.get(item=notice, alumnus=signed_in)
    assert delivery.opened_at is not None
