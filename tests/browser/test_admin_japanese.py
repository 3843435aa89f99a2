"""HR's admin in Chromium at 1366 px: the page editor's parts that its JavaScript draws (the
autosave banner, 「すべて折りたたむ」, the side panels, the block menus, the action menu) are in Japanese, on
creating and on editing a notice; the delivery monitor's new screens pass axe."""

from typing import Any

import pytest

from cms.content.models import NoticeCategory
from cms.push.models import Channel, Delivery, DeliveryStatus
from tests.admin.visible_text import english_ui
from tests.alumni.factories import AlumnusFactory
from tests.browser.conftest import (
    ADMIN_VIEWPORT,
    admin_sign_in,
    open_editor,
    wait_for_edit_seen,
    wait_until,
)
from tests.browser.screens import axe_violations, screenshot
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory

# The session's built site reads the database, which Django refuses once Playwright's event loop
# runs in this thread: it is made before these tests start Playwright.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("built_site")]

PASSWORD = "hr-admin-pass-2026"
# What a person sees or hears: text nodes that are rendered, and labels read aloud.
SHOWN = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, element = node.parentElement;
    if (!element || !node.textContent.trim()) continue;
    if (element.closest('script, style, template, textarea, [hidden], [aria-hidden=true]')) continue;
    if (!element.getClientRects().length && !element.closest('.w-sr-only')) continue;
    texts.push(node.textContent.trim());
  }
  for (const element of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
    if (element.closest('[hidden]')) continue;
    for (const name of ['aria-label', 'placeholder', 'title']) {
      const value = element.getAttribute(name);
      if (value) texts.push(value);
    }
  }
  return texts;
}"""


def _english(page: Any) -> list[str]:
    return english_ui(page.evaluate(SHOWN))


AUTOSAVED = """() => {
  const indicator = document.querySelector('#w-autosave-indicator');
  const said = indicator && indicator.dataset.wTooltipContentValue;
  return said && !said.endsWith('…') ? [said, indicator.innerText.trim()] : null;
}"""


def _edit_and_autosave(page: Any) -> list[str]:
    """Types in the title of the editor opened with `open_editor`, as an editor does; returns
    what the autosave indicator and its tooltip say when Wagtail has stored the change."""
    page.locator("#id_title").press("End")
    page.keyboard.type("（追記）")
    wait_for_edit_seen(page)
    return list(wait_until(page, AUTOSAVED, timeout=60))


def _site() -> Any:
    """The notices section of the live server's site (the default categories are put back
    first: an earlier test with a live server may have flushed what the migrations wrote)."""
    from wagtail.models import Page

    NoticeCategory.objects.get_or_create(slug="other", defaults={"name": "その他"})
    return NoticeIndexPageFactory(parent=Page.objects.get(depth=2))


def test_the_page_editor_is_japanese_also_where_its_javascript_draws(
    admin_static: None,
    pwa_api_server: str,
    chromium: Any,
    django_user_model: Any,
) -> None:
    notices = _site()
    notice = NoticePageFactory(parent=notices, title="秋の説明会のお知らせ")
    django_user_model.objects.create_superuser(
        "hr-admin", "hr-admin@example.jp", PASSWORD, first_name="人事"
    )
    seen: dict[str, Any] = {}

    page = chromium.new_context(locale="ja-JP", viewport=ADMIN_VIEWPORT).new_page()
    admin_sign_in(page, pwa_api_server, "hr-admin", PASSWORD)
    for name, url in (
        ("edit", f"/admin/pages/{notice.pk}/edit/"),
        ("create", f"/admin/pages/add/content/noticepage/{notices.pk}/"),
    ):
        open_editor(page, f"{pwa_api_server}{url}")
        page.get_by_role("button", name="すべて折りたたむ").wait_for(state="visible")
        seen[f"{name}-opened"] = _english(page)
        # The action menu: 公開, スケジュール, and submitting to the default workflow by its name.
        page.get_by_role("button", name="他のアクション").click()
        page.get_by_role("button", name="公開", exact=True).wait_for(state="visible")
        seen[f"{name}-actions"] = _english(page)
        page.keyboard.press("Escape")
        if name == "edit":
            seen["autosaved"] = _edit_and_autosave(page)
            seen["edit-autosaved"] = _english(page)
        page.get_by_role("button", name="すべて折りたたむ").click()
        page.get_by_role("button", name="すべて展開").wait_for(state="visible")
        seen[f"{name}-collapsed"] = _english(page)
        screenshot(page, f"admin-notice-{name}")

    assert seen["autosaved"] == ["変更を自動保存しました。", "保存しました"]
    assert {key: texts for key, texts in seen.items() if key != "autosaved" and texts} == {}


def test_the_delivery_monitors_drill_down_passes_axe(
    admin_static: None,
    pwa_api_server: str,
    chromium: Any,
    django_user_model: Any,
) -> None:
    notice = NoticePageFactory(parent=_site(), title="説明会")
    person = AlumnusFactory(family_name="鳴子", given_name="陽子")
    Delivery.objects.create(
        item=notice, alumnus=person, channel=Channel.PUSH, status=DeliveryStatus.FAILED
    )
    django_user_model.objects.create_superuser("hr-admin", "hr-admin@example.jp", PASSWORD)
    violations: dict[str, Any] = {}

    page = chromium.new_context(locale="ja-JP", viewport=ADMIN_VIEWPORT).new_page()
    admin_sign_in(page, pwa_api_server, "hr-admin", PASSWORD)
    page.goto(f"{pwa_api_server}/admin/delivery-monitor/")
    violations["monitor"] = axe_violations(page)
    page.get_by_label("氏名（漢字・ふりがな）またはメールアドレス").fill("鳴子")
    page.get_by_role("button", name="探す").click()
    page.wait_for_url("**/delivery-monitor/people/?q=*")
    violations["search"] = axe_violations(page)
    page.get_by_role("link", name="鳴子 陽子").click()
    page.wait_for_url(f"**/delivery-monitor/people/{person.pk}/")
    violations["person"] = axe_violations(page)
    screenshot(page, "admin-delivery-person")
    page.get_by_role("link", name="説明会").click()
    page.wait_for_url(f"**/delivery-monitor/notices/{notice.pk}/")
    violations["recipients"] = axe_violations(page)

    assert violations == {name: [] for name in violations}
