"""Two alumni chat in two browser contexts (Chromium) against a live API; a message written
offline is sent once when the connection is back; markup in messages stays inert text."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cms.groups.chat.models import Membership, Message
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, wait_until
from tests.browser.screens import axe_violations
from tests.chat.factories import AlumnusFactory, CommunityGroupFactory, member_of

pytestmark = pytest.mark.browser

HOSTILE = (
    '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> '
    "javascript:window.__pwned=3 \u202eevil\u202c https://example.jp/page?q=1。"
)


def session_cookie(alumnus: Any) -> str:
    client = Client()
    client.force_login(alumnus.user)
    return str(client.cookies["sessionid"].value)


def in_browser_thread(scenario: Callable[[Any], None], timeout: float = 180.0) -> None:
    """Runs `scenario(browser)` with its own Playwright in a thread of its own: the session's
    persistent context already holds this thread's Playwright, and one context per alumnus
    needs a browser that can open more than one."""
    from playwright.sync_api import sync_playwright

    failure: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                try:
                    scenario(browser)
                finally:
                    browser.close()
        except BaseException as error:  # re-raised in the test's thread
            failure.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise AssertionError("the browser scenario did not finish")
    if failure:
        raise failure[0]


SHOWN_TEXTS = "() => Array.from(document.querySelectorAll('#messages li:not(.is-pending) .chat-body')).map(n => n.textContent)"
HAS_TEXT = f"(text) => ({SHOWN_TEXTS})().includes(text)"


def test_two_alumni_chat_and_an_offline_message_arrives_once(pwa_api_server: str) -> None:
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

    def scenario(browser: Any) -> None:
        pages = {}
        dialogs: list[str] = []
        for name, value in cookies.items():
            context = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
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

        # Markup, a javascript: link and bidi controls arrive as text; the URL is a link.
        a.fill("#chat-body", HOSTILE)
        a.get_by_role("button", name="送信").click()
        wait_until(b, HAS_TEXT, HOSTILE)
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

        # Offline: the text is kept, the page says so; back online it is sent once.
        a.context.set_offline(True)
        a.fill("#chat-body", "電波の届かない山の上から")
        a.get_by_role("button", name="送信").click()
        a.locator("#connection").wait_for(state="visible")
        seen["pending"] = a.locator("#messages li.is-pending .chat-body").inner_text()
        seen["storage"] = a.evaluate(
            "JSON.stringify(sessionStorage) + JSON.stringify(localStorage)"
        )
        a.wait_for_timeout(500)
        a.context.set_offline(False)
        wait_until(a, HAS_TEXT, "電波の届かない山の上から")
        wait_until(b, HAS_TEXT, "電波の届かない山の上から")
        b.wait_for_timeout(3500)  # one more poll on each side
        seen["b_texts"] = b.evaluate(SHOWN_TEXTS)
        seen["a_pending_left"] = a.locator("#messages li.is-pending").count()

        # Opened offline (the service worker serves the screen): "offline", not "sign in".
        a.context.set_offline(True)
        a.reload()
        a.locator("#connection").wait_for(state="visible")
        seen["offline_load_says_signed_out"] = a.locator("#signed-out").is_visible()
        a.context.set_offline(False)
        seen["dialogs"] = dialogs

    in_browser_thread(scenario)

    assert seen["axe_groups"] == [] and seen["axe_chat"] == []
    assert seen["width"] <= 360 and seen["font"] >= 18
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
    assert Message.objects.get(body__startswith="<img").body == HOSTILE
