"""The alumnus's account in Chromium against a live API: withdrawal is remembered by HR's
invitation screen, 「すべての端末からログアウト」, and the export readable by a person."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from cms.alumni.models import Alumnus, Invitation, RosterEntry
from cms.staff_roles import ALUMNI_HR, role_grant
from tests.alumni.factories import AlumnusFactory, RosterEntryFactory
from tests.browser.conftest import wait_until
from tests.browser.screens import PHONE, axe_violations, screenshot, small_tap_targets
from tests.fixtures.smtp import SMTPInbox
from tests.fixtures.staff_otp import complete_second_factor

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1366, "height": 900}
STORED = """async () => {
  const cached = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) cached.push(request.url);
  }
  return JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), cached]);
}"""


def signed_in_phone(browser: Any, base: str, alumnus: Alumnus) -> Any:
    """A 390 px phone context where `alumnus` is signed in (the session cookie of the API)."""
    client = Client()
    client.force_login(alumnus.user)
    context = browser.new_context(locale="ja-JP", viewport=PHONE)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    return context


def profile_opened(browser: Any, base: str, alumnus: Alumnus) -> tuple[Any, Any]:
    """A signed-in phone (context) and its page on マイページ, the person's data filled in."""
    phone = signed_in_phone(browser, base, alumnus)
    page = phone.new_page()
    page.goto(base + "/app/profile/")
    page.locator("#account").wait_for(state="visible")
    wait_until(page, "() => document.getElementById('p-email').value !== ''")
    return phone, page


def registered(entry: RosterEntry, **fields: Any) -> Alumnus:
    Invitation.objects.create(
        roster_entry=entry, channel="email", delivery="sent", used_at=timezone.now()
    )
    alumnus: Alumnus = AlumnusFactory(roster_entry=entry, email=entry.email, **fields)
    return alumnus


def test_a_withdrawn_person_is_not_invited_again_by_send_to_all(
    pwa_api_server: str, chromium: Any, smtp: SMTPInbox
) -> None:
    gone = RosterEntryFactory(
        staff_number="W100", family_name="石巻", given_name="一郎", email="ichiro@example.jp"
    )
    alumnus = registered(gone, family_name="石巻", given_name="一郎")
    RosterEntryFactory(staff_number="N200", email="new-a@example.jp")
    RosterEntryFactory(staff_number="N201", email="new-b@example.jp")
    hr = get_user_model().objects.create_user("hr-clerk", password="pw-clerk-2026")
    hr.user_permissions.add(Permission.objects.get(codename="access_admin"))
    role_grant(hr, ALUMNI_HR)

    # The alumnus withdraws through マイページ on the phone.
    phone = signed_in_phone(chromium, pwa_api_server, alumnus)
    page = phone.new_page()
    page.goto(pwa_api_server + "/app/profile/")
    page.locator("#account").wait_for(state="visible")
    page.check("#confirm-delete")
    page.get_by_role("button", name="退会する").click()
    page.wait_for_url("**/app/login/?deleted=1")
    assert not Alumnus.objects.exists()
    phone.close()

    # HR, in the admin at 1366 px, presses 「未送信の全員に招待メールを送る」.
    desk = chromium.new_context(locale="ja-JP", viewport=DESKTOP)
    admin = desk.new_page()
    admin.goto(pwa_api_server + "/admin/login/")
    admin.fill("#id_username", "hr-clerk")
    admin.fill("#id_password", "pw-clerk-2026")
    admin.locator("form button[type=submit]").first.click()
    complete_second_factor(admin, "hr-clerk")
    admin.wait_for_url("**/admin/")
    admin.goto(pwa_api_server + "/admin/alumni/invitations/")
    assert "退会済みのため対象外: 1 人" in admin.inner_text("main")
    admin.get_by_role("button", name="未送信の全員に招待メールを送る").click()
    admin.get_by_text("2 件の招待メールを送信キューに入れました。").wait_for()

    delivered = smtp.wait_for(2)
    assert sorted(str(m["To"]) for m in delivered) == ["new-a@example.jp", "new-b@example.jp"]
    assert len(smtp.wait_for(3, timeout=1.0)) == 2
    assert smtp.to("ichiro@example.jp") == []

    admin.reload()
    withdrawn = admin.locator("table[aria-labelledby=withdrawn] tbody tr")
    assert withdrawn.count() == 1
    row = withdrawn.first.inner_text()
    assert "W100" in row and "石巻 一郎" in row and "退会済み" in row and "送りません" in row
    screenshot(admin, "account-admin-invitations-withdrawn")
    desk.close()


def test_sign_out_everywhere_signs_out_the_other_browser_too(
    pwa_api_server: str, chromium: Any
) -> None:
    alumnus = AlumnusFactory(family_name="宮城", given_name="花子", email="hanako@example.jp")
    phone = signed_in_phone(chromium, pwa_api_server, alumnus)
    laptop = signed_in_phone(chromium, pwa_api_server, alumnus)
    other_tab = laptop.new_page()
    other_tab.goto(pwa_api_server + "/app/profile/")
    other_tab.locator("#account").wait_for(state="visible")

    page = phone.new_page()
    page.goto(pwa_api_server + "/app/profile/")
    page.locator("#account").wait_for(state="visible")
    wait_until(page, "() => document.getElementById('session-days').textContent === '180'")
    page.get_by_role("button", name="すべての端末からログアウト", exact=True).click()
    confirm = page.locator("#sessions-confirm")
    confirm.wait_for(state="visible")
    assert "この端末を含む、すべての端末" in confirm.inner_text()
    assert axe_violations(page) == []
    assert small_tap_targets(page) == []
    screenshot(page, "account-sign-out-everywhere")

    page.get_by_role("button", name="すべての端末からログアウトする").click()
    done = page.locator("#signed-out-everywhere")
    done.wait_for(state="visible")
    assert "すべての端末からログアウトしました（終了したログイン: 2 件）" in done.inner_text()
    assert page.locator("#account").is_hidden()

    # The other device is signed out: マイページ sends it to the login, to come back after it.
    other_tab.reload()
    other_tab.wait_for_url("**/app/login/?next=%2Fapp%2Fprofile%2F")
    phone.close()
    laptop.close()


def test_export_prints_with_japanese_labels_and_downloads_a_csv(
    pwa_api_server: str, chromium: Any
) -> None:
    entry = RosterEntryFactory(staff_number="A100", email="hanako@example.jp")
    alumnus = registered(
        entry,
        family_name="宮城",
        given_name="花子",
        birth_date=dt.date(1985, 4, 1),
        consent_email=True,
    )
    phone = signed_in_phone(chromium, pwa_api_server, alumnus)
    page = phone.new_page()
    page.goto(pwa_api_server + "/app/profile/")
    page.locator("#account").wait_for(state="visible")
    wait_until(page, "() => document.getElementById('p-email').value !== ''")
    assert axe_violations(page) == []
    assert small_tap_targets(page) == []
    screenshot(page, "account-profile")

    # CSV: a download from memory, with Japanese column labels, for Excel.
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV をダウンロード（Excel 用）").click()
    content = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename.startswith("my-data-")
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8-sig")
    assert (
        text.startswith("区分,項目,内容") and "登録情報,生年月日,昭和60年（1985年）4月1日" in text
    )
    page.locator("#export-status.form-status--ok").wait_for()

    # The printable page.
    page.get_by_role("link", name="画面で見る・印刷する").click()
    page.wait_for_url("**/app/export/")
    page.locator("#export").wait_for(state="visible")
    sheet = page.inner_text("#export-sections")
    for label in (
        "登録情報",
        "姓",
        "宮城",
        "生年月日",
        "昭和60年（1985年）4月1日",
        "職員番号",
        "A100",
    ):
        assert label in sheet
    assert "メールでのお知らせ\tはい" in sheet
    assert "family_name" not in sheet and "consent_email" not in sheet
    assert axe_violations(page) == []
    assert small_tap_targets(page) == []
    screenshot(page, "account-export-printable")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator("#print-button").is_hidden()
    page.emulate_media(media="screen")

    # Nothing personal kept by the browser: no storage, no API answer in the SW's caches.
    stored = str(page.evaluate(STORED))
    assert "/api/" not in stored and "宮城" not in stored and "hanako" not in stored
    phone.close()


def test_a_sentence_typed_as_an_interest_is_refused_next_to_the_field_in_japanese(
    pwa_api_server: str, chromium: Any
) -> None:
    alumnus = registered(RosterEntryFactory(email="hanako@example.jp"))
    phone, page = profile_opened(chromium, pwa_api_server, alumnus)
    sentence = "介護、子育て支援や高齢者福祉に関わる仕事をしながら地域のまちづくりに関する活動にも参加したいと考えています。"

    page.fill("#p-interests", sentence)
    page.locator("#account").get_by_role("button", name="保存する").click()

    message = page.locator("#pe-interests")
    message.wait_for(state="visible")
    assert message.inner_text() == "2 番目: この項目が50文字より長くならないようにしてください。"
    assert page.input_value("#p-interests") == sentence  # what was typed is still there
    alumnus.refresh_from_db()
    assert alumnus.interests == []
    phone.close()


OFFLINE_SCREENS = [
    ("/app/mydata/", "#mydata-error", "#mydata-signed-out"),
    ("/app/groups/", "#chat-status", "#signed-out"),
    ("/app/feed/", "#feed-status", "#feed-signed-out"),
    ("/app/profile/", "#profile-error", "#signed-out"),
]


def test_a_members_screen_opened_offline_says_so_instead_of_asking_to_sign_in(
    pwa_api_server: str, chromium: Any
) -> None:
    alumnus = registered(RosterEntryFactory(email="hanako@example.jp"))
    phone = signed_in_phone(chromium, pwa_api_server, alumnus)
    page = phone.new_page()
    page.goto(pwa_api_server + "/app/")
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    for path, _, _ in OFFLINE_SCREENS:  # opened once online: the service worker keeps them
        page.goto(pwa_api_server + path)
        page.wait_for_load_state("networkidle")

    phone.set_offline(True)
    seen: dict[str, tuple[str, bool]] = {}
    for path, message, signed_out in OFFLINE_SCREENS:
        page.goto(pwa_api_server + path)
        page.locator(message).wait_for(state="visible")
        seen[path] = (page.inner_text(message), page.locator(signed_out).is_visible())
    phone.set_offline(False)  # マイページ loads by itself once the connection is back
    page.locator("#account").wait_for(state="visible")
    wait_until(page, "() => document.getElementById('p-email').value === 'hanako@example.jp'")
    phone.close()

    assert seen == {
        path: ("通信できませんでした。接続を確認してください。", False)
        for path, _, _ in OFFLINE_SCREENS
    }
