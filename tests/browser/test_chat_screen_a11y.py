"""The conversation screen on a 390 px phone in Chromium against a live API: message times in
Japan time whatever zone the phone is set to, and a composer that stays usable with the text at
200 %."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from cms.groups.chat.models import Membership, Message
from tests.alumni.factories import RosterEntryFactory
from tests.browser.conftest import wait_until
from tests.browser.screens import PHONE, axe_violations, screenshot, small_tap_targets
from tests.browser.test_account import registered, signed_in_phone
from tests.groups.chat.factories import CommunityGroupFactory, member_of, post

pytestmark = pytest.mark.browser

DOUBLE = "document.documentElement.style.fontSize = '200%'"


def session_cookie(alumnus: Any) -> str:
    """The value of a session cookie in which `alumnus` is signed in."""
    client = Client()
    client.force_login(alumnus.user)
    return str(client.cookies["sessionid"].value)


@pytest.fixture
def membership(pwa_api_server: str) -> Membership:
    """An alumnus in アルムナイ交流広場, where a friend wrote one message."""
    alumnus = registered(RosterEntryFactory(email="hanako@example.jp"))
    group = CommunityGroupFactory(name="アルムナイ交流広場")
    post(group, member_of(group).alumnus, "今度の日曜に泉ヶ岳へ行きませんか")
    return member_of(group, alumnus)


def test_message_times_are_japan_time_on_a_phone_set_to_los_angeles(
    pwa_api_server: str, chromium: Any, membership: Membership
) -> None:
    alumnus, group = membership.alumnus, membership.group
    message = Message.objects.get(group=group)
    # 00:30 UTC on 3 November is 09:30 on the 3rd in Japan, 16:30 on the 2nd in Los Angeles.
    Message.objects.filter(pk=message.pk).update(
        created_at=dt.datetime(2026, 11, 3, 0, 30, tzinfo=dt.UTC)
    )
    phone = chromium.new_context(locale="ja-JP", viewport=PHONE, timezone_id="America/Los_Angeles")
    phone.add_cookies(
        [{"name": "sessionid", "value": session_cookie(alumnus), "url": pwa_api_server}]
    )
    page = phone.new_page()
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == (
        "America/Los_Angeles"
    )

    page.goto(f"{pwa_api_server}/app/chat/?group={group.pk}")
    wait_until(page, "() => document.querySelector('#messages time') !== null")

    assert page.locator("#messages time").inner_text() == "11月3日 09:30"


# The composer's parts, as boxes: the field's width in characters of its own text, and whether
# 送信 sits on the screen.
COMPOSER = """() => {
  const field = document.getElementById('chat-body');
  const send = document.querySelector('.chat-send').getBoundingClientRect();
  const box = field.getBoundingClientRect();
  return {
    chars: Math.floor((field.clientWidth - 16) / parseFloat(getComputedStyle(field).fontSize)),
    send_on_screen: send.left >= 0 && send.right <= window.innerWidth,
    send_height: send.height,
    field_height: box.height,
    page_width: document.documentElement.scrollWidth,
  };
}"""


def test_the_composer_keeps_a_usable_field_and_send_button_with_text_at_200_percent(
    pwa_api_server: str, chromium: Any, membership: Membership
) -> None:
    page = signed_in_phone(chromium, pwa_api_server, membership.alumnus).new_page()
    page.goto(f"{pwa_api_server}/app/chat/?group={membership.group_id}")
    page.locator("#chat-room").wait_for(state="visible")

    page.evaluate(DOUBLE)

    composer = page.evaluate(COMPOSER)
    # Beside 送信 the field held four characters a line; it now has the width of the screen.
    assert composer["chars"] >= 7, composer
    assert composer["send_on_screen"] and composer["send_height"] >= 44
    assert composer["page_width"] <= PHONE["width"]
    page.fill("#chat-body", "こんにちは、佐藤です。今度の日曜日に集まりませんか。")
    assert axe_violations(page) == []
    assert small_tap_targets(page) == []
    screenshot(page, "chat-composer-text-200")


def test_the_push_setting_says_when_this_phone_gets_no_pushes_and_never_shows_a_change_not_made(
    pwa_api_server: str, chromium: Any, membership: Membership
) -> None:
    phone = signed_in_phone(chromium, pwa_api_server, membership.alumnus)
    page = phone.new_page()
    page.goto(f"{pwa_api_server}/app/chat/?group={membership.group_id}")
    page.locator("#chat-room").wait_for(state="visible")
    page.locator("#chat-settings summary").click()

    # Ticked, on a phone that never turned pushes on: nothing would arrive; the note says so.
    box = page.get_by_label("新しいメッセージをプッシュ通知で知らせる")
    wait_until(page, "() => document.getElementById('notify').checked")  # the membership read
    note = page.locator("#notify-device")
    note.wait_for(state="visible")
    assert note.get_by_role("link", name="通知の設定").get_attribute("href") == (
        "/app/notifications/"
    )
    assert box.get_attribute("aria-describedby") == "notify-device"
    assert axe_violations(page) == []

    # Offline, unticking changes nothing on the server: the box stays ticked and says why.
    phone.set_offline(True)
    box.click()
    wait_until(page, "() => document.getElementById('notify').checked")
    assert page.inner_text("#chat-status") == "通信できませんでした。接続を確認してください。"
    phone.set_offline(False)
    membership.refresh_from_db()
    assert not membership.muted
