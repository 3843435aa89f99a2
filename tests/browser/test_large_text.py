"""An alumnus with the phone's text at 200 % on a 390 px screen, in Chromium against a live API:
the tab bar's unread badge beside the tab's name, not over it; the chat's title on lines of its
own, not one character per line; the disclosure's tables and the checkboxes' labels with lines a
person can read."""

from typing import Any

import pytest

from tests.alumni.factories import RosterEntryFactory
from tests.browser.conftest import wait_until
from tests.browser.screens import axe_violations, screenshot, small_tap_targets
from tests.browser.test_account import registered, signed_in_phone
from tests.groups.chat.factories import CommunityGroupFactory, member_of, post

pytestmark = pytest.mark.browser

DOUBLE = "document.documentElement.style.fontSize = '200%'"

# Each shown badge and its tab's name, as boxes; the badge's box overlapping the name's is a
# name covered (the name is what a sighted person reads to know where the tab leads).
BADGES_OVER_NAMES = """() => Array.from(document.querySelectorAll('.tabbar .tab-badge:not([hidden])'))
  .filter((badge) => {
    const b = badge.getBoundingClientRect();
    const n = badge.closest('.tab').querySelector('.tab-label').getBoundingClientRect();
    return b.left < n.right && n.left < b.right && b.top < n.bottom && n.top < b.bottom;
  }).map((badge) => badge.closest('.tab').querySelector('.tab-label').textContent)"""

# The chat's title: how many characters a line holds, how many lines it takes, and whether it
# shares its line with 一覧.
TITLE = """() => {
  const title = document.getElementById('chat-heading');
  const box = title.getBoundingClientRect();
  const style = getComputedStyle(title);
  const back = document.querySelector('.chat-back').getBoundingClientRect();
  return {
    per_line: Math.floor(box.width / parseFloat(style.fontSize)),
    lines: Math.round(box.height / parseFloat(style.lineHeight)),
    beside_back: box.top < back.bottom && back.top < box.bottom,
  };
}"""


@pytest.fixture
def chatting(pwa_api_server: str, chromium: Any) -> tuple[Any, int]:
    """A 390 px phone signed in as a member of アルムナイ交流広場 with two unread messages."""
    alumnus = registered(RosterEntryFactory(email="hanako@example.jp"))
    group = CommunityGroupFactory(name="アルムナイ交流広場")
    member_of(group, alumnus)
    friend = member_of(group).alumnus
    post(group, friend, "今度の日曜に泉ヶ岳へ行きませんか")
    post(group, friend, "初心者向けのコースです")
    return signed_in_phone(chromium, pwa_api_server, alumnus).new_page(), group.pk


def test_the_unread_badge_stays_off_the_tab_name_with_text_at_200_percent(
    pwa_api_server: str, chatting: tuple[Any, int]
) -> None:
    page, _ = chatting
    page.goto(pwa_api_server + "/app/")
    wait_until(page, "() => !document.querySelector('[data-badge=chat]').hidden")
    assert page.evaluate(BADGES_OVER_NAMES) == []

    page.evaluate(DOUBLE)

    assert page.evaluate(BADGES_OVER_NAMES) == []
    screenshot(page, "app-home-text-200")


def test_the_chat_title_keeps_lines_of_six_characters_or_more_with_text_at_200_percent(
    pwa_api_server: str, chatting: tuple[Any, int]
) -> None:
    page, group = chatting
    page.goto(f"{pwa_api_server}/app/chat/?group={group}")
    page.locator("#chat-room").wait_for(state="visible")
    wait_until(
        page, "() => document.getElementById('chat-heading').textContent !== 'グループでの会話'"
    )
    # At the standard size: one line, between 一覧 and 設定.
    standard = page.evaluate(TITLE)
    assert standard["lines"] == 1 and standard["beside_back"]

    page.evaluate(DOUBLE)

    # Squeezed between them it was 9 lines of one character; now on a line of its own.
    title = page.evaluate(TITLE)
    assert title["per_line"] >= 6 and title["lines"] <= 2 and not title["beside_back"]
    screenshot(page, "chat-text-200")


HEADER_BOTTOM_AFTER_SCROLL = """() => {
  window.scrollTo(0, 600);
  return document.querySelector('.site-header').getBoundingClientRect().bottom;
}"""


def test_a_header_wrapped_by_text_at_200_percent_scrolls_away_instead_of_covering_the_screen(
    pwa_api_server: str, chatting: tuple[Any, int]
) -> None:
    page, _ = chatting
    page.goto(pwa_api_server + "/app/profile/")
    page.locator("#account").wait_for(state="visible")
    # At the standard size the header (56 px) stays at the top while the page scrolls.
    assert page.evaluate(HEADER_BOTTOM_AFTER_SCROLL) > 0
    page.evaluate("window.scrollTo(0, 0)")

    page.evaluate(DOUBLE)

    # Three rows, a fifth of the screen: it goes up with the page; it stayed, over the fields.
    wait_until(page, "() => document.querySelector('.site-header').offsetHeight > 844 / 5")
    wait_until(page, f"() => ({HEADER_BOTTOM_AFTER_SCROLL})() <= 0")


def test_a_conversation_with_text_at_200_percent_gives_the_messages_the_header_s_place(
    pwa_api_server: str, chatting: tuple[Any, int]
) -> None:
    page, group = chatting
    page.goto(f"{pwa_api_server}/app/chat/?group={group}")
    page.locator("#chat-room").wait_for(state="visible")
    assert page.locator(".site-header").is_visible()  # the standard size: as before

    page.evaluate(DOUBLE)

    # The header's three rows (222 px) left the messages about 280 px of 844: two lines.
    wait_until(page, "() => document.getElementById('chat-scroll').offsetHeight > 844 * 0.5")
    assert page.locator(".site-header").is_hidden()
    assert page.get_by_role("link", name="一覧").is_visible()  # the way back to the screens
    page.wait_for_timeout(500)  # hiding the header must not make it come back
    assert page.locator(".site-header").is_hidden()


MESSAGES_HEIGHT = "() => document.getElementById('chat-scroll').getBoundingClientRect().height"
HEADING_SHOWN = "() => document.getElementById('chat-heading').getBoundingClientRect().height > 20"


def test_a_long_message_being_written_at_200_percent_leaves_the_messages_nearly_half_the_screen(
    pwa_api_server: str, chatting: tuple[Any, int]
) -> None:
    page, group = chatting
    page.goto(f"{pwa_api_server}/app/chat/?group={group}")
    page.locator("#chat-room").wait_for(state="visible")
    # The first poll has come back: it names the room (「グループでの会話」 until then).
    wait_until(
        page, "() => document.getElementById('chat-heading').textContent === 'アルムナイ交流広場'"
    )
    page.evaluate(DOUBLE)
    wait_until(page, "() => document.querySelector('.site-header').offsetHeight === 0")

    page.locator("#chat-body").fill("泉ヶ岳の登山口までは、バスで行けます。" * 20)

    # The composer grew to 253 px and the title took two lines: 270 px of 844 were left for
    # the messages, two lines of them.
    wait_until(page, "() => document.getElementById('chat-body').scrollTop > 0")
    assert page.evaluate(MESSAGES_HEIGHT) >= 844 * 0.45
    # The on-screen keyboard up (the visible part of the screen about 480 px): the messages
    # kept 16 px, then 131 px (27 %) under the title's own line and a padded 送信. Now the
    # name is left to screen readers while the keyboard is up, and the messages keep 45 %.
    # The page follows the visible screen a moment after it shrinks (on its resize event): wait
    # for the name to go, then for the messages' share of the layout that follows.
    page.set_viewport_size({"width": 390, "height": 480})
    wait_until(page, f"() => !({HEADING_SHOWN})()")
    wait_until(page, f"() => ({MESSAGES_HEIGHT})() >= 480 * 0.45")
    heading = page.get_by_role("heading", name="アルムナイ交流広場", level=1)
    assert heading.count() == 1
    for control in (
        page.get_by_role("link", name="一覧"),
        page.locator(".chat-settings summary"),
        page.get_by_role("button", name="送信"),
    ):
        assert control.is_visible()
    assert axe_violations(page) == []
    assert small_tap_targets(page) == []
    screenshot(page, "chat-composing-text-200")
    # The keyboard goes down: the group's name is shown again.
    page.set_viewport_size({"width": 390, "height": 844})
    wait_until(page, HEADING_SHOWN)


# The narrowest text box of the selector's elements, in characters of its own text a line.
FEWEST_CHARACTERS = """(selector) => Math.min(...Array.from(document.querySelectorAll(selector))
  .filter((el) => el.getClientRects().length)
  .map((el) => {
    const style = getComputedStyle(el);
    const inner = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return Math.floor(inner / parseFloat(style.fontSize));
  }))"""
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


def test_the_disclosure_tables_keep_readable_lines_with_text_at_200_percent(
    pwa_api_server: str, chatting: tuple[Any, int]
) -> None:
    page, _ = chatting
    page.goto(pwa_api_server + "/app/export/")
    page.locator("#export").wait_for(state="visible")
    # At the standard size: 項目 beside 内容, as a table.
    assert page.evaluate(FEWEST_CHARACTERS, ".export-table th") >= 5
    assert page.locator(".export-table th").first.bounding_box()["x"] < 100  # type: ignore[index]

    page.evaluate(DOUBLE)

    # Beside each other they held two characters a line (「生年／月日」 over three lines); each
    # 項目 now stands above its 内容, both the width of the screen.
    assert page.evaluate(FEWEST_CHARACTERS, ".export-table th, .export-table td") >= 8
    assert page.evaluate(PAGE_WIDTH) <= 390
    assert axe_violations(page) == []
    screenshot(page, "export-text-200")


def test_checkbox_labels_keep_readable_lines_with_text_at_200_percent(
    pwa_api_server: str, chatting: tuple[Any, int]
) -> None:
    page, _ = chatting
    page.goto(pwa_api_server + "/app/profile/")
    page.locator("#account").wait_for(state="visible")

    page.evaluate(DOUBLE)

    # In the consent fieldset a label kept four characters a line beside a 56 px box.
    assert page.evaluate(FEWEST_CHARACTERS, ".account-form .check label") >= 6
    assert page.evaluate(PAGE_WIDTH) <= 390
    assert small_tap_targets(page) == []
    assert axe_violations(page) == []
    screenshot(page, "profile-text-200")
