"""HR's invitation screen in Chromium (1366 px): each invitation mail's state, reason and
attempts, and 「再送」 on a failed one, which sends it once through the real mail server."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cms.alumni.models import AuditLogEntry, Invitation
from tests.alumni.factories import RosterEntryFactory
from tests.browser.conftest import ADMIN_VIEWPORT, admin_sign_in
from tests.browser.screens import axe_violations, screenshot
from tests.fixtures.smtp import SMTPInbox

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("built_site")]

PASSWORD = "hr-pass-2026"


def test_hr_sees_why_an_invitation_failed_and_resends_it(
    admin_static: None,
    pwa_api_server: str,
    chromium: Any,
    django_user_model: Any,
    smtp: SMTPInbox,
) -> None:
    failed = Invitation.objects.create(
        roster_entry=RosterEntryFactory(family_name="泉", given_name="健"),
        channel="email",
        delivery="failed",
        attempts=5,
        delivery_error="メールサーバー: ConnectionRefusedError",
    )
    Invitation.objects.create(
        roster_entry=RosterEntryFactory(family_name="青葉", given_name="花子"),
        channel="email",
        delivery="sending",
        attempts=1,
        claimed_until=timezone.now() - dt.timedelta(minutes=10),
    )
    django_user_model.objects.create_superuser("hr", password=PASSWORD, first_name="人事")

    page = chromium.new_context(
        locale="ja-JP", viewport=ADMIN_VIEWPORT, reduced_motion="reduce"
    ).new_page()
    admin_sign_in(page, pwa_api_server, "hr", PASSWORD)
    page.get_by_role("link", name="招待", exact=True).first.click()
    page.wait_for_url("**/admin/alumni/invitations/")
    failed_row = page.get_by_role("row").filter(has_text="泉 健").inner_text()
    stuck_row = page.get_by_role("row").filter(has_text="青葉 花子").inner_text()
    list_violations = axe_violations(page)
    screenshot(page, "admin-invitations-failed")

    page.get_by_role("button", name="泉 健 さんへ招待メールを再送").click()
    page.wait_for_url("**/admin/alumni/invitations/")
    message = page.get_by_text("泉 健 さんへの招待メールを再送します").inner_text()
    after = page.get_by_role("row").filter(has_text="泉 健").inner_text()
    after_violations = axe_violations(page)

    assert "失敗" in failed_row and "ConnectionRefusedError" in failed_row and "5" in failed_row
    assert "停止（期限切れの送信中）" in stuck_row
    assert "再送" in stuck_row
    assert "再送します" in message
    assert "送信済み" in after and "再送" not in after
    assert len(smtp.to(failed.roster_entry.email)) == 1
    assert AuditLogEntry.objects.filter(target="invitation_resend").count() == 1
    assert list_violations == []
    assert after_violations == []
