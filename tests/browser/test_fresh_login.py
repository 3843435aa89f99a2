"""A day after signing in, export and deletion ask for a fresh code (#18 finding 6): the PWA
says so at 390 px, takes the person through the login screen and back to マイページ."""

import datetime as dt
import re
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from cms.alumni.sessions import SIGNED_IN_AT
from tests.alumni.factories import AlumnusFactory
from tests.browser.conftest import wait_until
from tests.browser.screens import axe_violations, small_tap_targets
from tests.browser.test_account import signed_in_phone
from tests.fixtures.smtp import SMTPInbox, text_body

pytestmark = pytest.mark.browser


def test_export_after_a_day_asks_for_a_new_code_and_comes_back(
    pwa_api_server: str,
    chromium: Any,
    smtp: SMTPInbox,
) -> None:
    alumnus = AlumnusFactory(family_name="宮城", given_name="花子", email="hanako@example.jp")
    phone = signed_in_phone(chromium, pwa_api_server, alumnus)
    [cookie] = [c for c in phone.cookies() if c["name"] == "sessionid"]
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    session[SIGNED_IN_AT] = (timezone.now() - dt.timedelta(hours=25)).isoformat()
    session.save()

    page = phone.new_page()
    page.goto(pwa_api_server + "/app/profile/")
    page.locator("#account").wait_for(state="visible")
    wait_until(page, "() => document.getElementById('p-email').value !== ''")
    page.get_by_role("button", name="JSON 形式のデータを用意する").click()
    status = page.locator("#export-status")
    status.get_by_role("link", name="確認コードでログインし直す").wait_for()
    assert "もう一度メールの確認コードでログイン" in status.inner_text()
    assert page.locator("#export-link").is_hidden()
    assert axe_violations(page) == []
    assert small_tap_targets(page) == []

    status.get_by_role("link", name="確認コードでログインし直す").click()
    page.wait_for_url("**/app/login/?fresh=1&next=%2Fapp%2Fprofile%2F")
    page.locator("#fresh-notice").wait_for(state="visible")
    page.get_by_label("登録したメールアドレス").fill("hanako@example.jp")
    page.get_by_role("button", name=re.compile("確認コードを送る")).click()
    [mail] = smtp.wait_for(1)
    found = re.search(r"確認コード: (\d{6})", text_body(mail))
    assert found is not None
    page.locator("#code-form").wait_for(state="visible")
    page.fill("#login-code", found.group(1))
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url("**/app/profile/")
    page.locator("#account").wait_for(state="visible")

    page.get_by_role("button", name="JSON 形式のデータを用意する").click()
    page.locator("#export-link").wait_for(state="visible")
    phone.close()


def test_a_download_of_my_data_a_day_later_asks_for_a_new_code_in_japanese(
    pwa_api_server: str, chromium: Any
) -> None:
    alumnus = AlumnusFactory(family_name="宮城", given_name="花子", email="hanako@example.jp")
    phone = signed_in_phone(chromium, pwa_api_server, alumnus)
    page = phone.new_page()
    page.goto(pwa_api_server + "/app/mydata/")
    page.locator("#mydata").wait_for(state="visible")
    # The screen stays open (the installed app is kept in memory) until the next day.
    [cookie] = [c for c in phone.cookies() if c["name"] == "sessionid"]
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    session[SIGNED_IN_AT] = (timezone.now() - dt.timedelta(hours=25)).isoformat()
    session.save()

    page.get_by_text("CSV をダウンロード（Excel 用）").click()

    # A link to the API: its refusal came as a file or as raw JSON on a page of its own.
    status = page.locator("#mydata-download-status")
    status.get_by_role("link", name="確認コードでログインし直す").wait_for()
    assert "もう一度メールの確認コードでログイン" in status.inner_text()
    assert page.evaluate("document.activeElement.id") == "mydata-download-status"
    assert page.url == pwa_api_server + "/app/mydata/"
