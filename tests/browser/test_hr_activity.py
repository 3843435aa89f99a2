"""HR reads 利用状況 in Chromium the way a person does: from the admin menu to the list of those
who agreed to analysis, one person's activity, and the 個人情報ファイル簿; axe finds nothing, and
opening the person is in the audit log."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.alumni.models import AuditLogEntry
from cms.analytics.models import ContentKind, SignalType
from cms.analytics.services import SignalEvent, signal_record, signals_store
from cms.content.models import HomePage
from cms.staff_roles import ALUMNI_HR, PAGE_EDITORS, role_grant
from tests.alumni.factories import AlumnusFactory
from tests.browser.conftest import in_browser_thread
from tests.browser.screens import axe_violations, screenshot
from tests.browser.test_hr_notice import HR_PASSWORD, admin_page, migrated_content_back

pytestmark = pytest.mark.browser


def test_hr_opens_activity_from_the_menu_and_reads_one_person(
    admin_static: None, pwa_api_server: str
) -> None:
    base = pwa_api_server
    migrated_content_back()
    reader = AlumnusFactory(consent_analytics=True, family_name="青葉", given_name="花子")
    signal_record(alumnus=reader, type=SignalType.LOGIN)
    signals_store(
        alumnus=reader,
        events=[
            SignalEvent(
                type=SignalType.JOB_VIEWED,
                content_kind=ContentKind.JOB,
                content_id=HomePage.objects.get().pk,
            )
        ],
    )
    AlumnusFactory(consent_analytics=False, family_name="泉", given_name="健")
    hr = get_user_model().objects.create_user("hr-activity", password=HR_PASSWORD)
    hr.groups.add(Group.objects.get(name=PAGE_EDITORS))
    role_grant(hr, ALUMNI_HR)
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        page.get_by_role("link", name="利用状況").first.click()
        page.wait_for_url(f"{base}/admin/analytics/")
        seen["list"] = page.locator("main").inner_text()
        seen["list axe"] = axe_violations(page)
        page.get_by_role("link", name="青葉 花子").click()
        page.wait_for_url(f"{base}/admin/analytics/people/{reader.pk}/")
        seen["person"] = page.locator("main").inner_text()
        seen["person axe"] = axe_violations(page)
        screenshot(page, "hr-activity-person")
        page.get_by_role("link", name="利用状況に戻る").click()
        page.get_by_role("link", name="個人情報ファイル簿を見る").click()
        page.wait_for_url(f"{base}/admin/analytics/inventory/")
        seen["inventory axe"] = axe_violations(page)

    in_browser_thread(scenario)

    assert "青葉 花子" in seen["list"] and "泉" not in seen["list"]
    assert "求人情報" in seen["person"]
    assert seen["list axe"] == seen["person axe"] == seen["inventory axe"] == []
    assert AuditLogEntry.objects.filter(
        target="signal_person", record_ids=[str(reader.pk)]
    ).exists()
