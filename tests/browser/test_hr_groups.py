"""HR builds an audience group in the real admin in Chromium: a hand-picked alumnus is found with
the search-as-you-type chooser (never a list of everybody), the group is saved with them, and
the editor's live preview shows one page of members with the total; staff who may not see
alumni get the same total and no names."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from cms.groups.models import AudienceGroup
from cms.groups.selectors import PREVIEW_PAGE_SIZE
from cms.staff_roles import ALUMNI_HR, DELIVERY_HR, PAGE_EDITORS, role_grant
from tests.browser.conftest import ADMIN_VIEWPORT, admin_sign_in
from tests.browser.screens import axe_violations
from tests.browser.test_hr_notice import HR_PASSWORD, migrated_content_back
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory

pytestmark = pytest.mark.browser

REGION_MEMBERS = PREVIEW_PAGE_SIZE + 3  # two pages of preview


@pytest.fixture
def region_alumni(admin_static: None, pwa_api_server: str) -> None:
    migrated_content_back()
    for n in range(REGION_MEMBERS):
        AlumnusFactory(family_name="石巻", given_name=f"太郎{n:02d}", current_region="石巻市")


def _staff(username: str, *roles: str) -> Any:
    user = get_user_model().objects.create_user(username, password=HR_PASSWORD)
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    for role in roles:
        role_grant(user, role)
    return user


def _signed_in(browser: Any, base: str, user: Any) -> Any:
    """A 1366 px admin page signed in through the login form and the authenticator code."""
    page = browser.new_context(locale="ja-JP", viewport=ADMIN_VIEWPORT).new_page()
    admin_sign_in(page, base, user.username, HR_PASSWORD)
    return page


def _with_session(browser: Any, base: str, user: Any) -> Any:
    """A 1366 px admin page with the session of a completed sign-in (password and second
    factor, `force_login`): the login screens themselves are the first test's journey."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="ja-JP", viewport=ADMIN_VIEWPORT)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    return context.new_page()


def _preview_frame(page: Any) -> Any:
    """The editor's live preview side panel, opened, and the document in its frame once the
    member count is in it."""
    page.locator("[data-side-panel-toggle='preview']").click()
    frame = page.frame_locator("#w-preview-iframe")
    frame.locator("[data-member-count]").wait_for()
    return frame


def test_hr_picks_a_member_with_the_chooser_and_previews_the_group_page_by_page(
    region_alumni: None, pwa_api_server: str, chromium: Any
) -> None:
    base = pwa_api_server
    picked = AlumnusFactory(
        family_name="松島", given_name="花子", family_name_kana="まつしま", current_region="仙台市"
    )
    AlumnusFactory(family_name="松山", family_name_kana="まつやま", current_region="仙台市")
    hr = _staff("hr-groups", DELIVERY_HR, ALUMNI_HR)
    seen: dict[str, Any] = {}

    page = _signed_in(chromium, base, hr)  # the admin's real login and its second factor
    page.goto(f"{base}/admin/snippets/groups/audiencegroup/add/")
    seen["editor"] = page.locator("main").inner_text()
    page.fill("#id_name", "石巻と松島さん")
    page.fill("#id_regions", "石巻市")
    page.get_by_role("button", name="登録者を選ぶ").click()
    modal = page.locator(".modal-content")
    modal.get_by_text("3ページ中1ページ目").wait_for()  # everybody, a page at a time
    modal.get_by_role("textbox").fill("まつし")
    modal.get_by_text("3ページ中1ページ目").wait_for(state="detached")  # as HR types
    result = modal.get_by_role("link", name="松島 花子")
    seen["modal"] = modal.inner_text()
    result.click()
    modal.wait_for(state="hidden")
    page.locator("footer button[type=submit]").first.click()
    page.wait_for_url(f"{base}/admin/snippets/groups/audiencegroup/")
    page.get_by_role("link", name="石巻と松島さん").click()
    frame = _preview_frame(page)
    seen["count"] = frame.locator("[data-member-count]").inner_text()
    seen["first page"] = frame.locator("body").inner_text()
    seen["axe"] = axe_violations(page)
    frame.get_by_role("link", name=f"次の {PREVIEW_PAGE_SIZE} 人").click()
    frame.get_by_text("2 / 2 ページ").wait_for()
    seen["second page"] = frame.locator("body").inner_text()

    group = AudienceGroup.objects.get(name="石巻と松島さん")
    assert list(group.members.all()) == [picked]
    assert "石巻" not in seen["editor"] and "松島" not in seen["editor"]
    assert "松島" in seen["modal"] and "松山" not in seen["modal"]
    total = REGION_MEMBERS + 1
    assert seen["count"] == str(total)
    assert f"全 {total} 人" in seen["first page"]
    assert f"1〜{PREVIEW_PAGE_SIZE} 人目" in seen["first page"]
    assert "石巻 太郎" in seen["first page"]
    assert f"{PREVIEW_PAGE_SIZE + 1}〜{total} 人目" in seen["second page"]
    assert seen["axe"] == []


def test_staff_who_may_not_see_alumni_see_the_count_and_no_names(
    region_alumni: None, pwa_api_server: str, chromium: Any
) -> None:
    base = pwa_api_server
    group = AudienceGroupFactory(name="石巻在住", regions="石巻市")
    delivery = _staff("hr-delivery", DELIVERY_HR)
    seen: dict[str, Any] = {}

    page = _with_session(chromium, base, delivery)
    page.goto(f"{base}/admin/snippets/groups/audiencegroup/edit/{group.pk}/")
    seen["editor"] = page.locator("main").inner_text()
    seen["chooser"] = page.get_by_role("button", name="登録者を選ぶ").count()
    frame = _preview_frame(page)
    seen["count"] = frame.locator("[data-member-count]").inner_text()
    seen["preview"] = frame.locator("body").inner_text()

    assert seen["count"] == str(REGION_MEMBERS)
    assert seen["chooser"] == 0
    assert "太郎" not in seen["preview"] and "太郎" not in seen["editor"]
