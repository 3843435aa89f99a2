"""The comeback clock and band in the PWA (Chromium at 390 px, the real build and API): the home
says how long the person remains eligible and takes the reminder opt-in; 「自分のデータ」 shows
the band and reasons HR sees; someone ineligible reads why, with no band. axe finds nothing."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cms.alumni.normalise import wareki
from cms.comeback.eligibility import add_years
from cms.comeback.models import ReminderPreference
from cms.comeback.person import add_months, eligibility_clock
from tests.alumni.factories import AlumnusFactory
from tests.browser.conftest import wait_until
from tests.browser.screens import PHONE, axe_violations, screenshot, small_tap_targets
from tests.comeback.ui_builders import prior_version, stored_estimate

pytestmark = pytest.mark.browser
JOBS = ("job_views_3m", "求人情報を直近3か月で3回閲覧", 1.2)
SHOWN = "(id) => { const n = document.getElementById(id); return n && !n.hidden; }"


@pytest.fixture
def phone(page: Any) -> Iterator[Any]:
    page.set_viewport_size(PHONE)
    try:
        yield page
    finally:
        page.context.clear_cookies()


def _sign_in(page: Any, base: str, alumnus: Any) -> None:
    client = Client()
    client.force_login(alumnus.user)
    cookie = str(client.cookies["sessionid"].value)
    page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])


def _checked(page: Any, name: str) -> None:
    assert axe_violations(page) == [], name
    assert small_tap_targets(page) == [], name
    screenshot(page, name)


def test_the_home_shows_the_clock_and_mydata_the_band_and_reasons_hr_sees(
    pwa_api_server: str, phone: Any
) -> None:
    base = pwa_api_server
    alumnus = AlumnusFactory(family_name="青葉", given_name="花子", consent_analytics=True)
    closes = add_months(add_years(timezone.localdate(), 3), 2)
    stored_estimate(
        alumnus, probability=0.2, version=prior_version(), reasons=(JOBS,), window_closes_on=closes
    )
    page = phone
    _sign_in(page, base, alumnus)

    expected = eligibility_clock(today=timezone.localdate(), until=closes)
    assert expected.startswith("応募資格はあと3年2か月（令和") and expected.endswith("まで）")

    page.goto(base + "/app/")
    wait_until(page, SHOWN, "home-comeback")
    clock = page.locator("#comeback-clock").inner_text()
    # The same words, unless the day turned (in Japan) between the two readings.
    assert clock in {expected, eligibility_clock(today=timezone.localdate(), until=closes)}
    _checked(page, "comeback-home-clock")

    page.get_by_label("期限が近づいたときと申込受付の開始をお知らせで受け取る").check()
    wait_until(
        page,
        "() => document.getElementById('comeback-status').textContent.includes('受け取る設定')",
    )
    assert ReminderPreference.objects.get(alumnus=alumnus).opted_in is True

    page.get_by_role("link", name="推計の区分と理由は「自分のデータ」").click()
    page.wait_for_url(base + "/app/mydata/")
    section = page.locator('[data-section="comeback_estimate"]')
    section.wait_for(state="visible")
    text = section.inner_text()
    assert "区分\t高" in text and "応募の見込み\t20.0%" in text
    assert f"計算日\t{wareki(timezone.localdate())}" in text
    assert "求人情報を直近3か月で3回閲覧（＋）" in text
    assert "事前設定による推計" in text and "選考には用いません" in text
    _checked(page, "comeback-mydata-band")


def test_an_ineligible_alumnus_reads_why_and_sees_no_band(pwa_api_server: str, phone: Any) -> None:
    base = pwa_api_server
    alumnus = AlumnusFactory(consent_analytics=True)
    reason = "退職から10年を超えている（12年）ため、対象外です"
    stored_estimate(alumnus, probability=None, eligible=False, reason=reason)
    page = phone
    _sign_in(page, base, alumnus)

    page.goto(base + "/app/")
    wait_until(page, SHOWN, "comeback-reason")
    assert page.locator("#comeback-reason").inner_text() == reason
    assert not page.locator("#comeback-clock").is_visible()
    assert not page.locator("#comeback-reminders").is_visible()
    _checked(page, "comeback-home-ineligible")

    page.goto(base + "/app/mydata/")
    section = page.locator('[data-section="comeback_estimate"]')
    section.wait_for(state="visible")
    text = section.inner_text()
    assert f"推計しない理由\t{reason}" in text and "区分\t" not in text
