"""A signed-in alumnus's phone loses its connection, in Chromium at 390 px against a live API: the
header says オフライン (not ログイン, as if signed out), the offline page lists the pages kept on
the device, and nothing personal is written to browser storage for it."""

from typing import Any

import pytest

from tests.alumni.factories import RosterEntryFactory
from tests.browser.conftest import wait_until
from tests.browser.screens import axe_violations, screenshot, small_tap_targets
from tests.browser.test_account import STORED, profile_opened, registered, signed_in_phone
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site

pytestmark = pytest.mark.browser

ACCOUNT = "() => document.getElementById('account-label').textContent"


@pytest.fixture
def notice_site(pwa_api_server: str, settings: Any) -> str:
    """The live origin with one public notice, built again with it."""
    from pwa_build.build import build

    notices = NoticeIndexPageFactory(parent=make_site())
    NoticePageFactory(parent=notices, slug="open-day", title="県庁見学会のご案内")
    build(full=True, dist=settings.PWA_DIST_DIR)
    return pwa_api_server


def test_offline_the_header_says_so_and_leads_to_the_pages_kept_on_the_device(
    notice_site: str, chromium: Any
) -> None:
    alumnus = registered(
        RosterEntryFactory(email="hanako@example.jp"), family_name="宮城", given_name="花子"
    )
    phone = signed_in_phone(chromium, notice_site, alumnus)
    page = phone.new_page()
    page.goto(notice_site + "/")
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    page.goto(notice_site + "/notices/open-day/")  # read once: kept for offline
    page.goto(notice_site + "/")
    wait_until(page, f"() => ({ACCOUNT})() === 'マイページ'")

    phone.set_offline(True)
    page.reload()

    # It said ログイン, as if the person were signed out; the sign-in cannot be known offline.
    wait_until(page, f"() => ({ACCOUNT})() === 'オフライン'")
    assert page.locator("#offline-status").is_visible()
    page.locator("#account-link").click()
    page.wait_for_url(notice_site + "/offline/")
    saved = page.locator("#saved-pages")
    saved.wait_for(state="visible")
    assert saved.get_by_role("link", name="県庁見学会のご案内").is_visible()
    assert page.locator("#account-link").get_attribute("aria-current") == "page"
    assert axe_violations(page) == []
    assert small_tap_targets(page) == []
    screenshot(page, "offline-saved-pages")
    saved.get_by_role("link", name="県庁見学会のご案内").click()
    assert page.locator("h1").inner_text() == "県庁見学会のご案内"

    # Back online, the header asks again and shows the person signed in.
    phone.set_offline(False)
    wait_until(page, f"() => ({ACCOUNT})() === 'マイページ'")
    assert page.locator("#account-link").get_attribute("href") == "/app/profile/"
    stored = str(page.evaluate(STORED))
    assert "宮城" not in stored and "hanako" not in stored and "/api/" not in stored


# What the offline page asks the service worker (it alone names its cache): null when no answer.
SAVED_PAGES = """() => new Promise((resolve) => {
  setTimeout(() => resolve(null), 3000);
  const channel = new MessageChannel();
  channel.port1.onmessage = (event) => resolve(event.data.urls);
  navigator.serviceWorker.controller.postMessage({type: 'SAVED_PAGES'}, [channel.port2]);
})"""


def test_the_service_worker_tells_the_offline_page_which_pages_it_keeps(
    notice_site: str, chromium: Any
) -> None:
    context = chromium.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(notice_site + "/")
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    page.goto(notice_site + "/notices/open-day/")

    # The offline page read the cache by a name written a second time in offline.js.
    saved = page.evaluate(SAVED_PAGES)
    context.close()

    assert saved is not None and notice_site + "/notices/open-day/" in saved


def test_offline_sign_out_and_the_json_export_say_they_failed_instead_of_pretending(
    pwa_api_server: str, chromium: Any
) -> None:
    alumnus = registered(RosterEntryFactory(email="hanako@example.jp"))
    phone, page = profile_opened(chromium, pwa_api_server, alumnus)

    phone.set_offline(True)
    page.get_by_role("button", name="JSON 形式のデータを用意する").click()
    status = page.locator("#export-status.form-status--error")
    status.wait_for()
    # It offered the error itself as my-data.json.
    assert status.inner_text() == "通信できませんでした。接続を確認してください。"
    assert page.locator("#export-link").is_hidden()

    page.get_by_role("button", name="ログアウト", exact=True).click()
    failed = page.locator("#logout-status.form-status--error")
    failed.wait_for()
    # It went to the login screen while the session went on.
    assert failed.inner_text() == "通信できませんでした。接続を確認してください。"
    assert page.url == pwa_api_server + "/app/profile/"
    assert page.evaluate("document.activeElement.id") == "logout-status"

    phone.set_offline(False)
    page.get_by_role("button", name="ログアウト", exact=True).click()
    page.wait_for_url(pwa_api_server + "/app/login/")
    wait_until(page, f"() => ({ACCOUNT})() === 'ログイン'")
