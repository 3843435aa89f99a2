"""Two alumni chat in two browser contexts (Chromium) against a live API; a message written
offline is sent once when the connection is back; markup in messages stays inert text."""

from typing import Any

import pytest
from django.test import Client

from cms.groups.chat.models import Membership, Message
from tests.browser.conftest import wait_until
from tests.browser.screens import axe_violations
from tests.groups.chat.factories import AlumnusFactory, CommunityGroupFactory, member_of

pytestmark = pytest.mark.browser

HOSTILE = (
    '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> '
    "javascript:window.__pwned=3 \u202eevil\u202c https://example.jp/page?q=1。"
)
# What is kept and shown: the bidi controls (「請求書\u202egpj.exe」 spoofing) are dropped.
HOSTILE_SHOWN = HOSTILE.replace("\u202e", "").replace("\u202c", "")


def session_cookie(alumnus: Any) -> str:
    client = Client()
    client.force_login(alumnus.user)
    return str(client.cookies["sessionid"].value)


SHOWN_TEXTS = "() => Array.from(document.querySelectorAll('#messages li:not(.is-pending) .chat-body')).map(n => n.textContent)"
HAS_TEXT = f"(text) => ({SHOWN_TEXTS})().includes(text)"


def next_poll(response: Any) -> bool:
    """The conversation's poll for what came after the last message seen (every 3 s)."""
    return response.request.method == "GET" and "/messages?after=" in response.url


def test_two_alumni_chat_and_an_offline_message_arrives_once(
    pwa_api_server: str, chromium: Any
) -> None:
    group = CommunityGroupFactory(
        name="山歩きの会", house_rules="勧誘は禁止です。\n丁寧な言葉で話しましょう。"
    )
    hanako = member_of(group).alumnus
    hanako.given_name = "花子"
    hanako.save()
    ichiro = AlumnusFactory(family_name="鈴木", given_name="一郎")
    cookies = {"hanako": session_cookie(hanako), "ichiro": session_cookie(ichiro)}
    chat_url = f"{pwa_api_server}/app/chat/?group={group.pk}"
    seen: dict[str, Any] = {}

    pages = {}
    dialogs: list[str] = []
    for name, value in cookies.items():
        context = chromium.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
        context.add_cookies([{"name": "sessionid", "value": value, "url": pwa_api_server}])
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        pages[name] = page
    a, b = pages["hanako"], pages["ichiro"]

    # Ichiro joins from the group list after reading the house rules.
    b.goto(f"{pwa_api_server}/app/groups/")
    seen["axe_groups"] = axe_violations(b)
    b.get_by_role("button", name="ルールを読んで参加する").click()
    seen["rules"] = b.locator(".chat-rules").inner_text()
    b.get_by_role("button", name="参加する", exact=True).click()
    seen["refused"] = b.get_by_role("alert").inner_text()
    b.get_by_label("ルールを読み、守ることに同意します").check()
    b.get_by_role("button", name="参加する", exact=True).click()
    b.wait_for_url("**/app/chat/?group=*")
    b.locator("#chat-room").wait_for(state="visible")

    a.goto(chat_url)
    a.locator("#chat-room").wait_for(state="visible")
    wait_until(a, "() => document.querySelector('h1').textContent !== 'グループでの会話'")
    seen["heading"] = a.locator("h1").inner_text()
    a.fill("#chat-body", "こんにちは、佐藤です。")
    a.get_by_role("button", name="送信").click()
    wait_until(b, HAS_TEXT, "こんにちは、佐藤です。")
    b.fill("#chat-body", "鈴木です。よろしくお願いします。")
    b.get_by_role("button", name="送信").click()
    wait_until(a, HAS_TEXT, "鈴木です。よろしくお願いします。")

    # Markup and a javascript: link arrive as text, bidi controls not at all; the URL is a link.
    a.fill("#chat-body", HOSTILE)
    a.get_by_role("button", name="送信").click()
    wait_until(b, HAS_TEXT, HOSTILE_SHOWN)
    seen["hostile"] = b.evaluate(
        """() => ({
            pwned: window.__pwned === undefined ? null : window.__pwned,
            elements: document.querySelectorAll('#messages img, #messages script').length,
            links: Array.from(document.querySelectorAll('#messages a')).map(a => a.href),
        })"""
    )

    b.set_viewport_size({"width": 360, "height": 640})
    seen["width"] = b.evaluate("document.documentElement.scrollWidth")
    seen["font"] = b.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.chat-body')).fontSize)"
    )
    seen["axe_chat"] = axe_violations(b)
    # The narrowest phones with the text at 特大: the composer and 送信 stay on the screen.
    b.set_viewport_size({"width": 320, "height": 640})
    b.evaluate("document.documentElement.dataset.textSize = 'xlarge'")
    seen["xlarge_320"] = b.evaluate(
        """() => ({width: document.documentElement.scrollWidth,
            send: document.querySelector('.chat-send').getBoundingClientRect().right <= 320})"""
    )
    b.evaluate("delete document.documentElement.dataset.textSize")

    # Offline: the text is kept, the page says so; back online it is sent once.
    a.context.set_offline(True)
    a.fill("#chat-body", "電波の届かない山の上から")
    a.get_by_role("button", name="送信").click()
    a.locator("#connection").wait_for(state="visible")
    seen["pending"] = a.locator("#messages li.is-pending .chat-body").inner_text()
    seen["storage"] = a.evaluate("JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
    a.wait_for_timeout(500)
    a.context.set_offline(False)
    wait_until(a, HAS_TEXT, "電波の届かない山の上から")
    wait_until(b, HAS_TEXT, "電波の届かない山の上から")
    with a.expect_response(next_poll), b.expect_response(next_poll):
        pass  # one more poll answered on each side: it must not bring the message again
    seen["b_texts"] = b.evaluate(SHOWN_TEXTS)
    seen["a_pending_left"] = a.locator("#messages li.is-pending").count()

    # Opened offline (the service worker serves the screen): "offline", not "sign in".
    a.context.set_offline(True)
    a.reload()
    a.locator("#connection").wait_for(state="visible")
    seen["offline_load_says_signed_out"] = a.locator("#signed-out").is_visible()
    a.context.set_offline(False)
    seen["dialogs"] = dialogs

    assert seen["axe_groups"] == [] and seen["axe_chat"] == []
    assert seen["width"] <= 360 and seen["font"] >= 18
    assert seen["xlarge_320"] == {"width": 320, "send": True}
    assert seen["refused"] == "ルールへの同意にチェックを入れてください。"
    assert seen["rules"].split() == ["勧誘は禁止です。", "丁寧な言葉で話しましょう。"]
    assert Membership.objects.get(group=group, alumnus=ichiro).status == "active"
    assert seen["heading"] == "山歩きの会"
    assert seen["hostile"] == {
        "pwned": None,
        "elements": 0,
        "links": ["https://example.jp/page?q=1"],
    }
    assert seen["pending"] == "電波の届かない山の上から"
    assert "電波の届かない山の上から" not in seen["storage"]  # kept in the page's memory only
    assert seen["b_texts"].count("電波の届かない山の上から") == 1
    assert seen["a_pending_left"] == 0
    assert seen["offline_load_says_signed_out"] is False
    assert seen["dialogs"] == []
    assert Message.objects.filter(body="電波の届かない山の上から").count() == 1
    assert Message.objects.get(body__startswith="<img").body == HOSTILE_SHOWN


def test_a_message_written_in_a_chat_opened_offline_is_sent_once_back_online(
    pwa_api_server: str, chromium: Any
) -> None:
    """Opened with no connection (the service worker serves the screen), the page never got its
    CSRF token: the message kept in the outbox must still be sent when the connection is back,
    not refused as 「この操作は許可されていません。」."""
    group = CommunityGroupFactory(name="山歩きの会")
    hanako = member_of(group).alumnus
    cookie = session_cookie(hanako)
    chat_url = f"{pwa_api_server}/app/chat/?group={group.pk}"
    seen: dict[str, Any] = {}

    context = chromium.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": pwa_api_server}])
    page = context.new_page()
    page.goto(chat_url)
    page.locator("#chat-room").wait_for(state="visible")
    wait_until(page, "() => navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    page.reload()
    page.locator("#connection").wait_for(state="visible")
    page.fill("#chat-body", "圏外で開いた画面から")
    page.get_by_role("button", name="送信").click()
    page.locator("#messages li.is-pending").wait_for()
    context.set_offline(False)
    wait_until(page, HAS_TEXT, "圏外で開いた画面から")
    seen["error"] = page.locator("#chat-error").inner_text()
    seen["left_in_composer"] = page.input_value("#chat-body")
    context.close()

    assert seen["error"] == ""
    assert seen["left_in_composer"] == ""
    assert Message.objects.filter(group=group, body="圏外で開いた画面から").count() == 1


# The conversation as a messaging app: newest at the bottom, the composer above the keyboard.

MESSAGE_SHOWN = """(text) => {
  const node = Array.from(document.querySelectorAll('#messages .chat-body'))
    .find((n) => n.textContent === text);
  if (!node) return false;
  const r = node.getBoundingClientRect();
  const list = document.getElementById('chat-scroll').getBoundingClientRect();
  const bottom = window.visualViewport.offsetTop + window.visualViewport.height;
  return r.height > 0 && r.top >= list.top - 1 && r.bottom <= list.bottom + 1 && r.bottom <= bottom + 1;
}"""
COMPOSER_IN_VIEW = """() => {
  const r = document.getElementById('send-form').getBoundingClientRect();
  const v = window.visualViewport;
  return r.height > 0 && r.top >= v.offsetTop - 1 && r.bottom <= v.offsetTop + v.height + 1;
}"""
FITTED = """(height) => getComputedStyle(document.documentElement)
  .getPropertyValue('--chat-viewport-height') === height"""
LIST_SCROLL = """() => {
  const list = document.getElementById('chat-scroll');
  return {top: list.scrollTop, height: list.scrollHeight, view: list.clientHeight,
          page: document.documentElement.scrollHeight, window: window.innerHeight};
}"""


def test_a_conversation_opens_at_the_newest_message_above_a_composer_that_stays_in_view(
    pwa_api_server: str, chromium: Any
) -> None:
    from tests.browser.screens import screenshot, small_tap_targets
    from tests.groups.chat.factories import post

    group = CommunityGroupFactory(name="子育て中の元職員の会")
    hanako = member_of(group).alumnus
    ichiro = member_of(group).alumnus
    for n in range(1, 61):  # more than one page (CHAT_PAGE_SIZE = 50) of messages
        post(group, hanako if n % 3 == 0 else ichiro, f"メッセージ {n}")
    cookie = session_cookie(hanako)
    seen: dict[str, Any] = {}

    context = chromium.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": pwa_api_server}])
    page = context.new_page()
    page.goto(f"{pwa_api_server}/app/chat/?group={group.pk}")
    wait_until(page, "() => document.querySelectorAll('#messages li').length === 50")

    # Opened at the newest message, just above the composer; the page itself does not scroll.
    seen["newest_on_open"] = wait_until(page, MESSAGE_SHOWN, "メッセージ 60")
    seen["oldest_loaded_on_open"] = page.evaluate(MESSAGE_SHOWN, "メッセージ 11")
    seen["composer_on_open"] = page.evaluate(COMPOSER_IN_VIEW)
    seen["scroll_on_open"] = page.evaluate(LIST_SCROLL)
    seen["tabbar"] = page.locator(".tabbar").count()
    seen["viewport"] = page.locator("meta[name=viewport]").get_attribute("content")
    seen["axe"] = axe_violations(page)
    seen["small"] = small_tap_targets(page)
    screenshot(page, "chat")

    # The keyboard opens (the visible height shrinks): composer and newest stay in view.
    page.locator("#chat-body").click()
    page.set_viewport_size({"width": 390, "height": 420})
    wait_until(page, FITTED, "420px")
    seen["composer_with_keyboard"] = wait_until(page, COMPOSER_IN_VIEW)
    seen["newest_with_keyboard"] = wait_until(page, MESSAGE_SHOWN, "メッセージ 60")
    seen["axe_keyboard"] = axe_violations(page)
    screenshot(page, "chat-keyboard")
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#chat-body").blur()
    wait_until(page, FITTED, "844px")
    wait_until(page, MESSAGE_SHOWN, "メッセージ 60")

    # Scrolled up to read: a new message does not pull the reader down; a button offers it.
    page.evaluate("() => { document.getElementById('chat-scroll').scrollTop = 0; }")
    wait_until(page, MESSAGE_SHOWN, "メッセージ 11")
    post(group, ichiro, "読んでいる間に届いた")
    wait_until(page, "() => !document.getElementById('jump-newest').hidden")
    seen["kept_reading"] = page.evaluate(MESSAGE_SHOWN, "メッセージ 11")
    seen["jump_small"] = small_tap_targets(page)
    page.get_by_role("button", name="新しいメッセージ").focus()
    page.keyboard.press("Enter")  # the button goes away: the focus stays in the list
    seen["after_jump"] = wait_until(page, MESSAGE_SHOWN, "読んでいる間に届いた")
    seen["jump_hidden"] = page.locator("#jump-newest").is_hidden()
    seen["focus_after_jump"] = page.evaluate("document.activeElement.id")

    # At the bottom, the next message scrolls into view by itself.
    post(group, ichiro, "下で待っている間に届いた")
    seen["followed"] = wait_until(page, MESSAGE_SHOWN, "下で待っている間に届いた")
    seen["no_jump"] = page.locator("#jump-newest").is_hidden()

    # Older messages load above; the message read before stays where it was.
    page.evaluate("() => { document.getElementById('chat-scroll').scrollTop = 0; }")
    page.get_by_role("button", name="以前のメッセージを読む").focus()
    page.keyboard.press("Enter")
    wait_until(page, "() => document.querySelectorAll('#messages li').length === 62")
    seen["focus_after_older"] = page.evaluate("document.activeElement.id")  # none left: gone
    seen["kept_after_older"] = page.evaluate(MESSAGE_SHOWN, "メッセージ 11")
    seen["first_above"] = page.evaluate(MESSAGE_SHOWN, "メッセージ 1")

    # The group's settings open over the conversation, from the top bar.
    page.get_by_text("設定", exact=True).click()
    page.get_by_label("新しいメッセージをプッシュ通知で知らせる").wait_for(state="visible")
    seen["axe_settings"] = axe_violations(page)
    seen["small_settings"] = small_tap_targets(page)
    screenshot(page, "chat-settings")
    context.close()

    assert seen["newest_on_open"] and seen["oldest_loaded_on_open"] is False
    assert seen["composer_on_open"] is True
    scroll = seen["scroll_on_open"]
    assert scroll["height"] > scroll["view"] + 500  # a long conversation scrolls, in its list
    assert scroll["page"] <= scroll["window"]  # the page around it does not
    assert seen["tabbar"] == 0
    assert "interactive-widget=resizes-content" in seen["viewport"]  # Chrome: keyboard resizes
    assert seen["axe"] == [] and seen["axe_keyboard"] == []
    assert seen["small"] == [] and seen["jump_small"] == []
    assert seen["composer_with_keyboard"] and seen["newest_with_keyboard"]
    assert seen["kept_reading"] is True
    assert seen["after_jump"] and seen["jump_hidden"] is True
    assert seen["focus_after_jump"] == seen["focus_after_older"] == "chat-scroll"
    assert seen["followed"] and seen["no_jump"] is True
    assert seen["kept_after_older"] is True and seen["first_above"] is False
    assert seen["axe_settings"] == [] and seen["small_settings"] == []


def own_message_on_screen(pwa_api_server: str, chromium: Any, body: str) -> tuple[Any, Any]:
    """A 390 px phone (context, page) showing 釣りの会, where the signed-in member wrote `body`."""
    from tests.groups.chat.factories import post

    group = CommunityGroupFactory(name="釣りの会")
    hanako = member_of(group).alumnus
    post(group, hanako, body)
    context, page = phone_signed_in(pwa_api_server, chromium, hanako)
    page.goto(f"{pwa_api_server}/app/chat/?group={group.pk}")
    return context, page


def phone_signed_in(pwa_api_server: str, chromium: Any, alumnus: Any) -> tuple[Any, Any]:
    """A 390 px touch phone (context, page) where `alumnus` is signed in."""
    context = chromium.new_context(
        locale="ja-JP", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(alumnus), "url": pwa_api_server}]
    )
    return context, context.new_page()


def test_deleting_a_message_with_the_keyboard_keeps_the_focus_in_the_conversation_and_says_so(
    pwa_api_server: str, chromium: Any
) -> None:
    context, page = own_message_on_screen(pwa_api_server, chromium, "間違えて送ったメッセージ")
    seen: dict[str, Any] = {}
    page.on("dialog", lambda dialog: dialog.accept())  # 「このメッセージを削除しますか？」
    delete = page.locator("#messages").get_by_role("button", name="削除")
    delete.focus()
    page.keyboard.press("Enter")
    page.locator("#messages .chat-removed").wait_for(state="visible")
    seen["status"] = wait_until(
        page, "() => document.getElementById('chat-status').textContent || false"
    )
    seen["focus"] = page.evaluate("document.activeElement.id")
    context.close()

    assert seen["status"] == "メッセージを削除しました。"
    assert seen["focus"] == "chat-scroll"  # the message list, not the top of the page


def test_editing_a_message_gives_back_what_was_being_written_and_keeps_the_focus(
    pwa_api_server: str, chromium: Any
) -> None:
    context, page = own_message_on_screen(pwa_api_server, chromium, "明日は晴れの予報です")
    composer = page.locator("#chat-body")
    composer.fill("港の写真を送ります")  # being written, not sent yet
    edit = page.locator("#messages").get_by_role("button", name="編集")

    edit.focus()
    page.keyboard.press("Enter")
    assert composer.input_value() == "明日は晴れの予報です"
    page.get_by_role("button", name="やめる").focus()
    page.keyboard.press("Enter")
    # The text being written was emptied; the focus fell to the top of the page.
    seen = {"draft": composer.input_value(), "focus": page.evaluate("document.activeElement.id")}

    edit.click()
    composer.fill("明日は雨の予報です")
    page.get_by_role("button", name="送信").click()
    wait_until(page, HAS_TEXT, "明日は雨の予報です")
    seen["draft_after_edit"] = composer.input_value()
    context.close()

    assert seen == {
        "draft": "港の写真を送ります",
        "focus": "chat-body",
        "draft_after_edit": "港の写真を送ります",
    }
    assert Message.objects.get().body == "明日は雨の予報です"


def test_asking_to_join_a_group_with_the_keyboard_leaves_the_focus_on_what_happened(
    pwa_api_server: str, chromium: Any
) -> None:
    CommunityGroupFactory(name="山歩きの会", join_policy="approval")
    context, page = phone_signed_in(pwa_api_server, chromium, AlumnusFactory())
    page.goto(f"{pwa_api_server}/app/groups/")
    page.get_by_role("button", name="ルールを読んで参加する").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Space")  # ルールを読み、守ることに同意します
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # 参加を申し込む
    page.locator("#my-groups").get_by_text("承認待ち").wait_for()

    # The list was drawn again without the button: the focus fell to the top of the page.
    focused = page.evaluate("[document.activeElement.id, document.activeElement.textContent]")
    context.close()

    assert focused == ["chat-status", "参加を申し込みました。承認されると会話に参加できます。"]
    assert Membership.objects.get().status == "pending"
