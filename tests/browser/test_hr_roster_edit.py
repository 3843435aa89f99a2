"""HR corrects a roster entry in Chromium through the admin's real edit form (名簿 → 編集,
RosterEntryForm): an address too long for the letter's envelope window is refused on its field,
in Japanese, with the rest of the entry kept as typed; a postcode typed in full-width digits
with a long dash is saved as the import would keep it (980-8570), and a birth date typed in the
Japanese era (昭和63年5月12日) as the date it is."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.alumni.models import RosterEntry
from cms.staff_roles import ALUMNI_HR, PAGE_EDITORS, role_grant
from tests.alumni.factories import RosterEntryFactory
from tests.browser.conftest import in_browser_thread
from tests.browser.screens import axe_violations, refused_field
from tests.browser.test_hr_notice import HR_PASSWORD, admin_page, migrated_content_back

pytestmark = pytest.mark.browser
ADDRESS_LABEL = "退職時の住所"
POSTCODE_LABEL = "郵便番号"
# Within the field's 200 characters, too long for the window of the letter's envelope.
TOO_LONG = "宮城県仙台市青葉区本町三丁目八番一号" * 6
FITS = "宮城県仙台市青葉区本町三丁目８番１号"


def test_hr_edits_a_roster_entry_address_refused_on_its_field_postcode_normalised(
    admin_static: None, pwa_api_server: str
) -> None:
    base = pwa_api_server
    migrated_content_back()
    entry = RosterEntryFactory(
        staff_number="R0042", family_name="青葉", given_name="花子", postal_code="", address=""
    )
    hr = get_user_model().objects.create_user("hr-roster", password=HR_PASSWORD)
    hr.groups.add(Group.objects.get(name=PAGE_EDITORS))
    role_grant(hr, ALUMNI_HR)
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        page.goto(f"{base}/admin/")
        page.get_by_role("button", name="アルムナイ").click()
        page.get_by_role("link", name="名簿", exact=True).click()
        page.get_by_role("link", name="R0042", exact=True).click()
        page.get_by_role("textbox", name=POSTCODE_LABEL).fill("９８０ー８５７０")
        page.get_by_role("textbox", name=ADDRESS_LABEL).fill(TOO_LONG)
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        seen["refused"] = refused_field(page, "#id_address")
        seen["postcode kept"] = page.get_by_role("textbox", name=POSTCODE_LABEL).input_value()
        seen["axe"] = axe_violations(page)
        seen["stored while refused"] = RosterEntry.objects.values_list(
            "postal_code", "address"
        ).get(pk=entry.pk)
        page.get_by_role("textbox", name=ADDRESS_LABEL).fill(FITS)
        page.get_by_role("textbox", name="生年月日").fill("昭和63年5月12日")
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        seen["after save"] = page.locator(".messages").inner_text()

    in_browser_thread(scenario)

    message = "長すぎて案内状の宛名の窓に収まりません（全角で約 80 文字まで）"
    assert seen["refused"]["invalid"] == "true"
    assert seen["refused"]["error"] == message
    assert any(message in text for text in seen["refused"]["described"])
    assert seen["refused"]["focused"]
    assert seen["postcode kept"] == "９８０ー８５７０"
    assert seen["axe"] == []
    assert seen["stored while refused"] == ("", "")
    assert "青葉 花子" in seen["after save"]
    entry.refresh_from_db()
    assert (entry.postal_code, entry.address) == ("980-8570", "宮城県仙台市青葉区本町三丁目8番1号")
    assert entry.birth_date == dt.date(1988, 5, 12)
