"""Registration from the invitation link and login by code, in Chromium, against a live API."""

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cms.alumni import services
from cms.alumni.models import Alumnus
from tests.alumni.factories import RosterEntryFactory
from tests.browser.conftest import wait_until
from tests.browser.live_api import served_requests
from tests.fixtures.smtp import SMTPInbox, text_body

pytestmark = pytest.mark.browser

INVITATION_LINK = re.compile(r"http://127\.0\.0\.1:\d+/app/register/#code=[A-Z0-9-]+")
LOGIN_CODE = re.compile(r"確認コード: (\d{6})")
SMALL_PHONE = {"width": 360, "height": 640}


def browser_storage(page: Any) -> str:
    """Everything the page keeps in localStorage, sessionStorage and IndexedDB names."""
    return str(
        page.evaluate(
            """async () => JSON.stringify([
                Object.entries(localStorage), Object.entries(sessionStorage),
                indexedDB.databases ? (await indexedDB.databases()).map(d => d.name) : []])"""
        )
    )


def test_register_from_the_invitation_link_then_log_in_with_the_mailed_code(
    pwa_api_server: str, page: Any, smtp: SMTPInbox, tmp_path: Path
) -> None:
    entry = RosterEntryFactory(
        email="hanako.b@example.jp",
        family_name="宮城",
        given_name="花子",
        birth_date=dt.date(1985, 4, 1),
        retired_on=dt.date.today() - dt.timedelta(days=400),
    )
    services.invitation_queue_emails(entries=[entry], actor=None)
    [invitation_mail] = smtp.wait_for(1)
    link = INVITATION_LINK.search(text_body(invitation_mail))
    assert link is not None and link.group(0).startswith(pwa_api_server)

    page.set_viewport_size(SMALL_PHONE)
    already_served = len(served_requests)
    page.goto(link.group(0))
    code = link.group(0).split("#code=")[1]
    assert page.locator("#f-invitation_code").input_value() == code
    # Read from the fragment and taken out of the address bar and the history entry at once.
    assert page.evaluate("location.href") == f"{pwa_api_server}/app/register/"
    wait_until(page, "() => document.querySelectorAll('#purposes li').length > 0")
    page.screenshot(path=str(tmp_path / "register.png"), full_page=True)

    # A wrong birth date is refused inline, in Japanese, and nothing is stored.
    page.fill("#f-family_name", "宮城")
    page.fill("#f-given_name", "花子")
    page.fill("#f-family_name_kana", "みやぎ")
    page.fill("#f-given_name_kana", "はなこ")
    page.fill("#f-birth_date", "1985-04-02")
    page.fill("#f-email", "hanako.b@example.jp")
    page.check("#f-consent_email")
    page.check("#f-accept_privacy_notice")
    page.get_by_role("button", name="登録する").click()
    status = page.locator("#register-form [data-status]")
    wait_until(page, "() => document.querySelector('#register-form .form-status--error')")
    assert "生年月日が正しくありません" in status.inner_text()
    # The same refusal meets someone who registered already (a code works once): the way to
    # the login is on the screen.
    assert page.locator("#register-login").get_by_role("link", name="ログイン").is_visible()
    page.screenshot(path=str(tmp_path / "register-error.png"), full_page=True)
    assert not Alumnus.objects.exists()

    page.fill("#f-birth_date", "1985-04-01")
    page.get_by_role("button", name="登録する").click()
    page.locator("#register-done").wait_for(state="visible")
    assert page.locator("#register-login").is_hidden()  # 「ログインする」 in the message instead
    alumnus = Alumnus.objects.get()
    assert alumnus.email == "hanako.b@example.jp"
    assert alumnus.consent_email and not alumnus.consent_push
    # The code went in the registration's JSON body only: no request target (what a server or
    # CDN logs) ever carried it.
    targets = served_requests[already_served:]
    assert "/app/register/?" in targets
    assert not [target for target in targets if code in target]

    page.get_by_role("link", name="ログインする").click()
    page.wait_for_url("**/app/login/")
    page.fill("#login-email", "hanako.b@example.jp")
    page.get_by_role("button", name="確認コードを送る").click()
    page.locator("#code-form").wait_for(state="visible")
    [_, code_mail] = smtp.wait_for(2)
    assert code_mail["To"] == "hanako.b@example.jp"
    login_code = LOGIN_CODE.search(text_body(code_mail))
    assert login_code is not None
    page.screenshot(path=str(tmp_path / "login-code.png"), full_page=True)

    wrong = "000000" if login_code.group(1) != "000000" else "111111"
    page.fill("#login-code", wrong)
    page.get_by_role("button", name="ログイン", exact=True).click()
    error = page.locator("#e-login-code")
    error.wait_for(state="visible")
    assert "確認コードが正しくない" in error.inner_text()
    page.screenshot(path=str(tmp_path / "login-error.png"), full_page=True)

    page.fill("#login-code", login_code.group(1))
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url("**/app/")  # the member home; マイページ is a tab away
    page.locator("nav.tabbar a.tab").filter(has_text="マイページ").click()
    page.wait_for_url("**/app/profile/")
    page.locator("#account").wait_for(state="visible")
    wait_until(page, "() => document.getElementById('p-email').value !== ''")
    assert page.locator("#p-family_name").input_value() == "宮城"
    assert page.locator("#p-email").input_value() == "hanako.b@example.jp"
    assert page.locator("#p-consent_email").is_checked()
    page.screenshot(path=str(tmp_path / "profile.png"), full_page=True)

    cookies = {c["name"]: c for c in page.context.cookies(pwa_api_server)}
    assert cookies["sessionid"]["httpOnly"]
    stored = browser_storage(page)
    assert "hanako" not in stored and "宮城" not in stored

    # 開示: the export becomes a download of everything held about the person.
    page.get_by_role("button", name="データを用意する").click()
    with page.expect_download() as download:
        page.locator("#export-link").click()
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["profile"]["email"] == "hanako.b@example.jp"

    # 削除: refused until confirmed, then the account is gone and the session ended.
    page.get_by_role("button", name="退会する").click()
    assert "確認のチェック" in page.locator("#pe-confirm_delete").inner_text()
    assert Alumnus.objects.exists()
    page.check("#confirm-delete")
    page.get_by_role("button", name="退会する").click()
    page.wait_for_url("**/app/login/?deleted=1")
    assert page.locator("#deleted-notice").is_visible()
    assert not Alumnus.objects.exists()
    page.goto(pwa_api_server + "/app/profile/")
    page.wait_for_url("**/app/login/?next=%2Fapp%2Fprofile%2F")


def test_a_retiree_types_the_birth_date_in_wareki_from_the_letter_on_a_390_px_phone(
    pwa_api_server: str, chromium: Any
) -> None:
    from tests.alumni.factories import letter_code_for

    entry = RosterEntryFactory(
        email="ichiro.s@example.jp",
        family_name="白石",
        given_name="一郎",
        birth_date=dt.date(1980, 5, 12),
        retired_on=dt.date.today() - dt.timedelta(days=400),
    )
    code = letter_code_for(entry)
    context = chromium.new_context(
        locale="ja-JP", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{pwa_api_server}/app/register/#code={code}")
    wait_until(page, "() => document.querySelectorAll('#purposes li').length > 0")
    page.fill("#f-family_name", "白石")
    page.fill("#f-given_name", "一郎")
    page.fill("#f-family_name_kana", "しろいし")
    page.fill("#f-given_name_kana", "いちろう")
    page.fill("#f-email", "ichiro.s@example.jp")
    page.check("#f-accept_privacy_notice")
    birth = page.locator("#f-birth_date")
    # A calendar picker that opened at today (and refused 昭和55年… as typed) before.
    birth.fill("昭和55年5月")
    page.get_by_role("button", name="登録する").click()
    error = page.locator("#e-birth_date")
    error.wait_for(state="visible")
    seen = {"error": error.inner_text(), "invalid": birth.get_attribute("aria-invalid")}

    birth.fill("昭和55年5月12日")
    page.get_by_role("button", name="登録する").click()
    page.locator("#register-done").wait_for(state="visible")
    context.close()

    assert seen == {
        "error": "日付の形式が正しくありません（例: 昭和35年4月1日、1960/4/1）。",
        "invalid": "true",
    }
    assert Alumnus.objects.get().roster_entry == entry
