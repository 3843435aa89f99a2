"""HR uses 「カムバック推計」 in Chromium through the admin's real forms: filters the list by band,
opens a person's panel (every contribution, the history), imports who applied (the preview shows
the row that matched nobody), and switches to a fitted model after reading its metrics; axe finds
nothing, and the list and the panel are in the audit log with exactly the people shown."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.alumni.models import AuditLogEntry
from cms.analytics.models import ContentKind, SignalType
from cms.analytics.services import SignalEvent, signals_store
from cms.comeback.models import ModelVersion, Outcome, Season
from cms.comeback.services import comeback_scores_recompute
from cms.staff_roles import ALUMNI_HR, PAGE_EDITORS, role_grant
from tests.alumni.factories import AlumnusFactory
from tests.browser.conftest import in_browser_thread
from tests.browser.screens import axe_violations, screenshot
from tests.browser.test_hr_notice import HR_PASSWORD, admin_page, migrated_content_back
from tests.comeback.factories import SeasonFactory
from tests.comeback.ui_builders import fitted_version_of_use, prior_version, stored_estimate

pytestmark = pytest.mark.browser
JOBS = ("job_views_3m", "求人情報を直近3か月で3回閲覧", 1.2)
INTENT = ("intent_no", "アンケートで今は考えていないと回答", -0.9)


def _hr(name: str) -> Any:
    """A member of HR's alumni role, who sees 「カムバック推計」."""
    hr = get_user_model().objects.create_user(name, password=HR_PASSWORD)
    hr.groups.add(Group.objects.get(name=PAGE_EDITORS))
    role_grant(hr, ALUMNI_HR)
    return hr


def _open_menu_item(page: Any, name: str) -> None:
    page.get_by_role("button", name="カムバック推計").click()
    page.get_by_role("link", name=name).click()


def test_hr_filters_opens_a_person_imports_outcomes_and_switches_the_model(
    admin_static: None, pwa_api_server: str, tmp_path: Path
) -> None:
    base = pwa_api_server
    migrated_content_back()
    prior = prior_version()
    season = Season.objects.create(
        year=2027,
        applications_open=dt.date(2026, 10, 20),
        applications_close=dt.date(2026, 10, 31),
        selection_on=dt.date(2026, 12, 13),
        appointment_on=dt.date(2027, 4, 1),
    )
    high = AlumnusFactory(
        family_name="青葉",
        given_name="花子",
        birth_date=dt.date(1985, 6, 1),
        consent_analytics=True,
    )
    low = AlumnusFactory(family_name="泉", given_name="健", consent_analytics=True)
    stored_estimate(
        high,
        probability=0.3,
        version=prior,
        reasons=(JOBS, INTENT),
        window_closes_on=dt.date(2031, 3, 31),
    )
    stored_estimate(low, probability=0.02, version=prior, reasons=(INTENT,))
    fitted = ModelVersion.objects.create(
        kind="fitted",
        season=season,
        coefficients={"intercept": -2.5, "features": {}},
        metrics={"brier": 0.0612, "brier_skill": 0.081, "ece": 0.0142, "auc": 0.712, "n": 2400},
    )
    applicants = tmp_path / "applicants.csv"
    applicants.write_text(
        "氏名,生年月日,応募\n青葉 花子,1985-06-01,○\n山田 太郎,1970-01-01,○\n", encoding="utf-8-sig"
    )
    hr = _hr("hr-comeback")
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        _open_menu_item(page, "推計の一覧")
        page.wait_for_url(f"{base}/admin/comeback/")
        seen["list"] = page.locator("main").inner_text()
        seen["list axe"] = axe_violations(page)
        page.get_by_role("button", name="絞り込みを表示").click()
        page.get_by_role("button", name="区分").click()
        page.locator("#drilldown-id_band").get_by_label("高", exact=True).check()
        page.wait_for_url("**/admin/comeback/?band=high*")
        page.locator("#listing-results").get_by_role("link", name="泉 健").wait_for(
            state="detached"
        )
        seen["filtered"] = page.locator("#listing-results").inner_text()
        page.locator("#listing-results").get_by_role("link", name="青葉 花子").click()
        page.wait_for_url(f"{base}/admin/comeback/people/{high.pk}/")
        seen["person"] = page.locator("main").inner_text()
        seen["person axe"] = axe_violations(page)
        screenshot(page, "hr-comeback-person")

        _open_menu_item(page, "応募結果の取り込み")
        page.get_by_label("募集年度").select_option(label=str(season))
        page.get_by_label("応募者の一覧（CSV または XLSX）").set_input_files(str(applicants))
        page.get_by_role("button", name="確認する").click()
        page.locator("[data-unmatched]").wait_for(state="visible")
        seen["preview"] = page.locator("main").inner_text()
        seen["preview axe"] = axe_violations(page)
        page.get_by_role("button", name="この内容で取り込む（1 件）").click()
        page.get_by_text("応募結果を取り込みました（1 件）").wait_for(state="visible")

        _open_menu_item(page, "推計モデル")
        page.get_by_role("link", name=f"{fitted.label}（{fitted.pk}）").click()
        page.locator("[data-metrics]").wait_for(state="visible")
        seen["metrics"] = page.locator("[data-metrics]").inner_text()
        seen["model axe"] = axe_violations(page)
        page.get_by_role("button", name="このモデルに切り替える").click()
        page.get_by_text("推計に使うモデルを").wait_for(state="visible")

    in_browser_thread(scenario)

    assert "青葉 花子" in seen["list"] and "泉 健" in seen["list"]
    assert "推計は情報提供の優先付けのためのもので、選考には用いません" in seen["list"]
    assert "事前設定による推計" in seen["list"]
    assert "青葉 花子" in seen["filtered"] and "泉 健" not in seen["filtered"]
    assert (
        "求人情報を直近3か月で3回閲覧" in seen["person"]
        and "令和13年（2031年）3月31日" in seen["person"]
    )
    assert "氏名と生年月日が一致する登録者がいません" in seen["preview"]
    assert "0.0612" in seen["metrics"] and "0.0142" in seen["metrics"]
    assert seen["list axe"] == seen["person axe"] == seen["preview axe"] == seen["model axe"] == []
    lists = AuditLogEntry.objects.filter(target="comeback_estimates").order_by("pk")
    assert [e.record_ids for e in lists][-1] == [str(high.pk)]
    assert sorted(lists.first().record_ids) == sorted([str(high.pk), str(low.pk)])  # type: ignore[union-attr]
    assert AuditLogEntry.objects.filter(
        target="comeback_person", record_ids=[str(high.pk)]
    ).exists()
    assert Outcome.objects.get().alumnus == high
    fitted.refresh_from_db()
    assert fitted.is_active


def test_hr_reads_that_someone_who_stays_signed_in_used_the_service(
    admin_static: None, pwa_api_server: str
) -> None:
    """青葉 stayed signed in and read pages in the month: her panel does not say
    「直近3か月のログインなし」 beside 「今月も利用あり」 but that she used it signed in."""
    base = pwa_api_server
    migrated_content_back()
    today = dt.date(2026, 6, 15)
    SeasonFactory()
    fitted_version_of_use()
    aoba = AlumnusFactory(
        family_name="青葉",
        given_name="花子",
        consent_analytics=True,
        hired_on=dt.date(2010, 4, 1),
        retired_on=dt.date(2020, 3, 31),
        birth_date=dt.date(1985, 5, 10),
    )
    signals_store(
        alumnus=aoba,
        events=[SignalEvent(type=SignalType.PAGE_VIEW, content_kind=ContentKind.PAGE)] * 2,
        at=dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC),
    )
    comeback_scores_recompute(today=today)
    hr = _hr("hr-comeback-use")
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        _open_menu_item(page, "推計の一覧")
        page.locator("#listing-results").get_by_role("link", name="青葉 花子").click()
        page.wait_for_url(f"{base}/admin/comeback/people/{aoba.pk}/")
        seen["person"] = page.locator("main").inner_text()

    in_browser_thread(scenario)

    assert "今月も利用あり" in seen["person"]
    assert "直近3か月は確認コードでのログインなし（ログインしたまま利用）" in seen["person"]
    assert "直近3か月のログインなし" not in seen["person"]
