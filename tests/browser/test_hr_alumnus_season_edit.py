"""HR edits a registered alumnus (アルムナイ → 登録者 → 編集) and a 募集年度 in Chromium through the
admin's real forms: a refused field says why in Japanese, on the field (its aria-describedby
names the message) with the focus moved to it, and nothing is saved; corrected, the edit is
saved. The season's dates are typed in 和暦 (令和8年10月20日), as HR writes them."""

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.alumni.models import Alumnus
from cms.comeback.models import Season
from cms.staff_roles import ALUMNI_HR, PAGE_EDITORS, role_grant
from tests.browser.conftest import in_browser_thread
from tests.browser.screens import axe_violations, refused_field
from tests.browser.test_hr_notice import HR_PASSWORD, admin_page, migrated_content_back
from tests.comeback.factories import SeasonFactory
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.browser


def _hr(username: str) -> Any:
    hr = get_user_model().objects.create_user(username, password=HR_PASSWORD)
    hr.groups.add(Group.objects.get(name=PAGE_EDITORS))
    role_grant(hr, ALUMNI_HR)
    return hr


def test_hr_edits_an_alumnus_kana_in_kanji_refused_on_its_field(
    admin_static: None, pwa_api_server: str
) -> None:
    base = pwa_api_server
    migrated_content_back()
    alumnus = AlumnusFactory(
        family_name="青葉", given_name="花子", family_name_kana="あおば", given_name_kana="はなこ"
    )
    hr = _hr("hr-alumnus")
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        page.get_by_role("button", name="アルムナイ").click()
        page.get_by_role("link", name="登録者", exact=True).click()
        page.get_by_role("link", name="青葉 花子").click()
        page.locator("#id_family_name").fill("宮城")
        page.locator("#id_given_name_kana").fill("花子")  # kanji, not kana
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        seen["refused"] = refused_field(page, "#id_given_name_kana")
        seen["family name kept"] = page.locator("#id_family_name").input_value()
        seen["axe"] = axe_violations(page)
        seen["stored while refused"] = Alumnus.objects.values_list(
            "family_name", "given_name_kana"
        ).get(pk=alumnus.pk)
        page.locator("#id_given_name_kana").fill("ハナコ")
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        seen["after save"] = page.locator(".messages").inner_text()

    in_browser_thread(scenario)

    message = "ふりがなで入力してください。"
    assert seen["refused"]["invalid"] == "true"
    assert seen["refused"]["error"] == message
    assert any(message in text for text in seen["refused"]["described"])
    assert seen["refused"]["focused"]
    assert seen["family name kept"] == "宮城"
    assert seen["axe"] == []
    assert seen["stored while refused"] == ("青葉", "はなこ")
    assert "宮城 花子" in seen["after save"]
    alumnus.refresh_from_db()
    assert (alumnus.family_name, alumnus.given_name_kana) == ("宮城", "ハナコ")


def test_hr_edits_a_season_in_wareki_a_date_out_of_order_refused_on_its_field(
    admin_static: None, pwa_api_server: str
) -> None:
    base = pwa_api_server
    migrated_content_back()
    season = SeasonFactory(year=2027)
    hr = _hr("hr-season-edit")
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        page.get_by_role("button", name="カムバック推計").click()
        page.get_by_role("link", name="募集年度").click()
        page.get_by_role("link", name=re.compile("2027年度")).first.click()
        seen["shown"] = page.locator("#id_selection_on").input_value()
        page.locator("#id_applications_open").fill("令和8年10月15日")
        page.locator("#id_selection_on").fill("令和8年10月1日")  # before the close
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        seen["refused"] = refused_field(page, "#id_selection_on")
        seen["opening kept"] = page.locator("#id_applications_open").input_value()
        seen["axe"] = axe_violations(page)
        seen["stored while refused"] = Season.objects.values_list(
            "applications_open", "selection_on"
        ).get(pk=season.pk)
        page.locator("#id_selection_on").fill("R8.12.6")
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        seen["after save"] = page.locator(".messages").inner_text()
        seen["listed"] = page.locator("main").inner_text()

    in_browser_thread(scenario)

    message = "選考日は申込受付終了日より後にしてください。"
    assert seen["shown"] == "令和8年12月13日"
    assert seen["refused"]["invalid"] == "true"
    assert seen["refused"]["error"] == message
    assert any(message in text for text in seen["refused"]["described"])
    assert seen["refused"]["focused"]
    assert seen["opening kept"] == "令和8年10月15日"
    assert seen["axe"] == []
    assert seen["stored while refused"] == (dt.date(2026, 10, 20), dt.date(2026, 12, 13))
    assert "2027年度（令和9年度）" in seen["after save"]
    assert "令和8年12月6日" in seen["listed"]
    season.refresh_from_db()
    assert (season.applications_open, season.selection_on) == (
        dt.date(2026, 10, 15),
        dt.date(2026, 12, 6),
    )
