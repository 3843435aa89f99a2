"""HR's invitation screen in Chromium (1366 px): each invitation mail's state, reason and
attempts, and 「再送」 on a failed one, which sends it once through the real mail server."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cms.alumni import services
from cms.alumni.models import AuditLogEntry, Invitation, RosterEntry
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


def test_hr_downloads_address_labels_for_excel_and_is_told_what_shift_jis_lacks(
    admin_static: None,
    pwa_api_server: str,
    chromium: Any,
    django_user_model: Any,
) -> None:
    """Two people to write to by post, 髙橋 and 𠮷田: the page says, before any download, that
    𠮷 becomes 〓 in the Excel (Shift_JIS) file; that file opens as CP932 with 髙 kept, the
    UTF-8 one keeps 𠮷."""
    RosterEntryFactory(email="", family_name="髙橋", given_name="一郎")
    yoshida = RosterEntryFactory(email="", family_name="𠮷田", given_name="花子")
    services.invitation_issue_letters(
        entries=list(RosterEntry.objects.filter(email="")), actor=None
    )
    django_user_model.objects.create_superuser("hr", password=PASSWORD, first_name="人事")

    page = chromium.new_context(
        locale="ja-JP", viewport=ADMIN_VIEWPORT, reduced_motion="reduce", accept_downloads=True
    ).new_page()
    admin_sign_in(page, pwa_api_server, "hr", PASSWORD)
    page.get_by_role("link", name="招待", exact=True).first.click()
    page.wait_for_url("**/admin/alumni/invitations/")
    warning = page.locator("[data-labels-beyond-sjis]").inner_text()
    violations = axe_violations(page)
    with page.expect_download() as sjis:
        page.get_by_role("link", name="宛名ラベル（CSV・Excel用 Shift_JIS）").click()
    with page.expect_download() as utf8:
        page.get_by_role("link", name="宛名ラベル（CSV・UTF-8）").click()
    sjis_text = Path(sjis.value.path()).read_bytes().decode("cp932")
    utf8_text = Path(utf8.value.path()).read_bytes().decode("utf-8-sig")

    assert f"{yoshida.staff_number} 𠮷田 花子 さん（𠮷→〓）" in warning
    assert "UTF-8 版を使うか" in warning and "髙橋" not in warning
    assert sjis.value.suggested_filename.endswith("_SJIS.csv")
    assert "髙橋 一郎 様" in sjis_text and "〓田 花子 様" in sjis_text
    assert "𠮷田 花子 様" in utf8_text
    assert violations == []
