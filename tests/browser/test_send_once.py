"""A double tap sends once, on every screen where an alumnus changes data (js/api.js `sendOnce`):
registration, マイページ's save, 退会 and the chat's 送信, in Chromium at 390 px against a live
API. Each first request is held back, as on a slow line, while the second tap comes."""

from collections.abc import Callable
from typing import Any

import pytest

from cms.alumni import services
from cms.alumni.models import Alumnus
from cms.groups.chat.models import Message
from tests.alumni.factories import RosterEntryFactory
from tests.browser.conftest import wait_until
from tests.browser.screens import PHONE
from tests.browser.test_account import registered, signed_in_phone
from tests.groups.chat.factories import CommunityGroupFactory, member_of

pytestmark = pytest.mark.browser


def sent_by_taps(
    page: Any,
    url: str,
    tap_twice: Callable[[], None],
    method: str,
    while_held: Callable[[], None] = lambda: None,
) -> int:
    """How many `method` requests to `url` the two taps of `tap_twice` sent, the first one held
    back until the second tap is in (`while_held` looks at the screen then); then they all go
    through to the server."""
    held: list[Any] = []

    def hold(route: Any) -> None:
        if route.request.method == method:
            held.append(route)
        else:
            route.continue_()

    page.route(url, hold)
    tap_twice()
    page.wait_for_timeout(300)  # a second request, if sent, is held by now
    count = len(held)
    while_held()
    for route in held:
        route.continue_()
    page.unroute(url)
    return count


def test_a_double_tap_on_register_sends_one_registration_and_shows_it_done(
    pwa_api_server: str, chromium: Any
) -> None:
    entry = RosterEntryFactory(email="hanako.w@example.jp")
    [(_, code)] = services.invitation_issue_letters(entries=[entry], actor=None)
    page = chromium.new_context(locale="ja-JP", viewport=PHONE).new_page()
    page.goto(f"{pwa_api_server}/app/register/#code={code}")
    wait_until(page, "() => document.querySelectorAll('#purposes li').length > 0")
    page.fill("#f-family_name", entry.family_name)
    page.fill("#f-given_name", entry.given_name)
    page.fill("#f-family_name_kana", "みやぎ")
    page.fill("#f-given_name_kana", "はなこ")
    page.fill("#f-birth_date", "1985-04-01")
    page.fill("#f-email", "hanako.w@example.jp")
    page.check("#f-accept_privacy_notice")
    register = page.get_by_role("button", name="登録する")

    sent = sent_by_taps(page, "**/api/v1/registrations", register.dblclick, "POST")

    assert sent == 1
    page.locator("#register-done").wait_for(state="visible")
    assert Alumnus.objects.get().email == "hanako.w@example.jp"


def test_profile_save_and_withdrawal_send_once_and_the_unticked_box_is_marked(
    pwa_api_server: str, chromium: Any
) -> None:
    alumnus = registered(RosterEntryFactory(email="jiro@example.jp"))
    page = signed_in_phone(chromium, pwa_api_server, alumnus).new_page()
    page.goto(pwa_api_server + "/app/profile/")
    wait_until(page, "() => document.getElementById('p-email').value !== ''")

    page.fill("#p-current_region", "仙台市")
    save = page.locator("#profile-form").get_by_role("button", name="保存する")
    assert sent_by_taps(page, "**/api/v1/me", save.dblclick, "PATCH") == 1
    wait_until(page, "() => document.querySelector('#profile-form .form-status--ok')")
    # Released once the answer came: the next change can be saved.
    assert save.get_attribute("aria-busy") is None and save.is_enabled()

    # 退会 without the box ticked: the box itself is marked, and says why.
    withdraw = page.get_by_role("button", name="退会する")
    withdraw.click()
    box = page.locator("#confirm-delete")
    message = page.locator("#pe-confirm_delete")
    message.wait_for(state="visible")
    assert box.get_attribute("aria-invalid") == "true"
    assert "pe-confirm_delete" in (box.get_attribute("aria-describedby") or "").split()
    assert message.inner_text() == "退会する場合は、確認のチェックを入れてください。"
    assert Alumnus.objects.exists()

    box.check()
    assert sent_by_taps(page, "**/api/v1/me", withdraw.dblclick, "DELETE") == 1
    page.wait_for_url("**/app/login/?deleted=1")
    assert not Alumnus.objects.exists()


def test_a_double_tap_on_send_posts_the_message_once_and_asks_for_nothing_more(
    pwa_api_server: str, chromium: Any
) -> None:
    group = CommunityGroupFactory(name="山歩きの会")
    hanako = member_of(group).alumnus
    page = signed_in_phone(chromium, pwa_api_server, hanako).new_page()
    page.goto(f"{pwa_api_server}/app/chat/?group={group.pk}")
    page.locator("#chat-room").wait_for(state="visible")
    page.fill("#chat-body", "日曜に泉ヶ岳へ行きませんか")
    send = page.get_by_role("button", name="送信")

    error_while_sending: list[str] = []

    sent = sent_by_taps(
        page,
        f"**/api/v1/groups/{group.pk}/messages",
        send.dblclick,
        "POST",
        lambda: error_while_sending.append(page.locator("#chat-error").text_content() or ""),
    )

    assert sent == 1
    # The second tap found the box emptied by the first, and said so in red until the message
    # had gone: 「メッセージを入力してください。」 under a message being sent.
    assert error_while_sending == [""]
    wait_until(page, "() => document.querySelector('#messages li:not(.is-pending)')")
    assert page.locator("#chat-error").is_hidden()
    assert list(Message.objects.values_list("body", flat=True)) == ["日曜に泉ヶ岳へ行きませんか"]
