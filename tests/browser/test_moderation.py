"""The moderator's journey in the admin (Chromium, 1366 px): signs in with the role the demo
gives them (no is_staff), opens the reports queue from the menu, hides a message an alumnus
reported through the API; the members' chat API no longer serves its text. The buttons of the
reports', the members' and the approvals' rows name the message or the person they act on."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from cms.staff_roles import CHAT_HR, role_grant
from tests.browser.conftest import (
    ADMIN_VIEWPORT,
    admin_sign_in,
)
from tests.browser.screens import axe_violations, screenshot
from tests.groups.chat.factories import CommunityGroupFactory, member_of, post

# The session's built site reads the database, which Django refuses once Playwright's event loop
# runs in this thread: it is made before these tests start Playwright.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("built_site")]

PASSWORD = "moderator-pass-2026"


def _bodies(client: APIClient, group_id: int) -> list[str]:
    response = client.get(f"/api/v1/groups/{group_id}/messages")
    assert response.status_code == 200
    return [message.get("body") or "" for message in response.json()["messages"]]


def test_the_moderator_hides_a_reported_message_from_the_queue(
    admin_static: None,
    pwa_api_server: str,
    chromium: Any,
    django_user_model: Any,
) -> None:
    group = CommunityGroupFactory(name="子育て世代の会")
    author, reporter = member_of(group).alumnus, member_of(group).alumnus
    message = post(group, author, "儲かる副業の話があります")
    member = APIClient()
    member.force_login(reporter.user)
    reported = member.post(
        f"/api/v1/messages/{message.pk}/report", {"reason": "勧誘です"}, format="json"
    )
    assert reported.status_code == 202
    assert "儲かる副業の話があります" in _bodies(member, group.pk)
    moderator = django_user_model.objects.create_user(
        "moderator", password=PASSWORD, first_name="モデレーター"
    )
    # Admin access as Wagtail's groups give it (they may be gone: an earlier live-server test
    # can have flushed what the migrations wrote), and the chat role, without is_staff.
    moderator.user_permissions.add(Permission.objects.get(codename="access_admin"))
    role_grant(moderator, CHAT_HR)

    page = chromium.new_context(locale="ja-JP", viewport=ADMIN_VIEWPORT).new_page()
    admin_sign_in(page, pwa_api_server, "moderator", PASSWORD)

    page.get_by_role("button", name="グループでの交流").click()
    page.get_by_role("link", name="通報").click()
    page.wait_for_url("**/admin/chat/reports/")
    row = page.get_by_role("row").filter(has_text="儲かる副業の話があります")
    assert "勧誘です" in row.inner_text()
    queue_violations = axe_violations(page)
    screenshot(page, "admin-chat-reports")
    # Out of the table (a screen reader's list of buttons), each says which message and whom.
    suspend = row.get_by_role("button", name=f"投稿者を停止して非表示（{author} さん）", exact=True)
    described = row.get_by_role("button", name="非表示にする").evaluate(
        "(b) => document.getElementById(b.getAttribute('aria-describedby'))?.textContent.trim()"
    )
    seen_in_row = (suspend.count(), described)
    row.get_by_role("button", name="非表示にする").click()
    page.wait_for_url("**/admin/chat/reports/")
    notice = page.get_by_text("メッセージを非表示にしました。").inner_text()
    emptied = page.get_by_text("未対応の通報はありません。").is_visible()

    page.get_by_role("button", name="グループでの交流").click()
    page.get_by_role("link", name="モデレーションの記録").click()
    log = page.locator("table.listing").inner_text()
    hidden_for_members = _bodies(member, group.pk)

    # The log's own button takes the hiding back (the cell template of the log's listing).
    log_row = page.get_by_role("row").filter(has_text="儲かる副業の話があります")
    log_row.get_by_role("button", name="非表示を解除").click()
    page.wait_for_url("**/admin/chat/log/")
    unhidden = page.get_by_text("非表示を解除しました。").inner_text()

    assert queue_violations == []
    assert seen_in_row == (1, "儲かる副業の話があります")
    assert notice and emptied
    assert "モデレーター（moderator）" in log and "「儲かる副業の話があります」" in log
    assert "儲かる副業の話があります" not in hidden_for_members
    assert unhidden
    assert "儲かる副業の話があります" in _bodies(member, group.pk)
    message.refresh_from_db()
    assert message.hidden_at is None


def test_the_buttons_for_one_person_say_whose_they_are(
    admin_static: None,
    pwa_api_server: str,
    chromium: Any,
    django_user_model: Any,
) -> None:
    """A row's 承認する or 投稿を停止 heard with a screen reader, out of its table, names the
    person it acts on (the visible word stays in the name: WCAG 2.5.3)."""
    from cms.alumni.models import AlumnusStatus
    from cms.groups.chat.models import MembershipStatus
    from tests.alumni.factories import AlumnusFactory

    group = CommunityGroupFactory(name="山歩きの会", join_policy="approval")
    waiting = member_of(group, status=MembershipStatus.PENDING).alumnus
    waiting.family_name, waiting.given_name = "青葉", "花子"
    waiting.save()
    applicant = AlumnusFactory(family_name="泉", given_name="一郎", status=AlumnusStatus.PENDING)
    staff = django_user_model.objects.create_user("hr-people", password=PASSWORD)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    staff.user_permissions.add(Permission.objects.get(codename="change_alumnus"))
    role_grant(staff, CHAT_HR)

    page = chromium.new_context(locale="ja-JP", viewport=ADMIN_VIEWPORT).new_page()
    admin_sign_in(page, pwa_api_server, "hr-people", PASSWORD)
    page.goto(f"{pwa_api_server}/admin/chat/groups/{group.pk}/members/")
    page.get_by_role("button", name="青葉 花子 さんの参加を承認", exact=True).click()
    page.get_by_role("button", name="青葉 花子 さんの投稿を停止", exact=True).wait_for()
    members_violations = axe_violations(page)
    page.goto(f"{pwa_api_server}/admin/alumni/approvals/")
    page.get_by_role("button", name="泉 一郎 さんの登録を承認する", exact=True).click()
    page.get_by_text("泉 一郎 さんの登録を承認しました。").wait_for()
    approvals_violations = axe_violations(page)

    assert members_violations == approvals_violations == []
    applicant.refresh_from_db()
    assert applicant.status == AlumnusStatus.ACTIVE
    assert waiting.community_memberships.get().status == MembershipStatus.ACTIVE
