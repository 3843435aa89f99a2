"""The moderator's journey in the admin (Chromium, 1366 px): signs in with the role the demo
gives them (no is_staff), opens the reports queue from the menu, hides a message an alumnus
reported through the API; the members' chat API no longer serves its text."""

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
    assert notice and emptied
    assert "モデレーター（moderator）" in log and "「儲かる副業の話があります」" in log
    assert "儲かる副業の話があります" not in hidden_for_members
    assert unhidden
    assert "儲かる副業の話があります" in _bodies(member, group.pk)
    message.refresh_from_db()
    assert message.hidden_at is None
