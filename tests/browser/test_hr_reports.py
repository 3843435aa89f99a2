"""HR opens this month's figures on the admin's home in Chromium, goes to 実績と報告, downloads
the month's Excel report (it opens with its charts) and the completion report PDF; axe finds
nothing at 1366 px nor at 390 px."""

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Page

from cms.alumni.models import Alumnus
from cms.push.models import Delivery, DeliveryStatus
from cms.staff_roles import DELIVERY_HR, PAGE_EDITORS, role_grant
from tests.alumni.factories import AlumnusFactory
from tests.browser.conftest import in_browser_thread
from tests.browser.screens import axe_violations, screenshot
from tests.browser.test_hr_notice import HR_PASSWORD, PHONE, admin_page, migrated_content_back

pytestmark = pytest.mark.browser


def _hr(name: str) -> Any:
    """A member of HR's delivery role, who sees 実績と報告."""
    hr = get_user_model().objects.create_user(name, password=HR_PASSWORD)
    hr.groups.add(Group.objects.get(name=PAGE_EDITORS))
    role_grant(hr, DELIVERY_HR)
    return hr


def test_hr_reads_the_dashboard_and_downloads_the_reports(
    admin_static: None, pwa_api_server: str
) -> None:
    base = pwa_api_server
    migrated_content_back()
    item = Page.objects.filter(depth=2).first() or Page.get_first_root_node()
    alumni = [AlumnusFactory(consent_analytics=True) for _ in range(7)]
    Delivery.objects.bulk_create(
        Delivery(
            item=item,
            alumnus=a,
            channel="push",
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
        )
        for a in alumni[:6]
    )
    hr = _hr("hr-reports")
    month = f"{timezone.localdate():%Y-%m}"
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        home = page.locator("[data-report-dashboard]")
        seen["home"] = home.inner_text()
        seen["home axe"] = axe_violations(page)
        page.get_by_role("link", name="月を選んで見る・報告をダウンロード").click()
        page.wait_for_url(f"{base}/admin/reports/")
        seen["page axe"] = axe_violations(page)
        screenshot(page, "hr-reports-dashboard-1366")
        with page.expect_download() as download:
            page.locator('[data-download="xlsx"]').click()
        seen["xlsx name"] = download.value.suggested_filename
        seen["xlsx"] = open(download.value.path(), "rb").read()  # noqa: SIM115
        with page.expect_download() as pdf:
            page.locator('[data-download="pdf"]').click()
        seen["pdf"] = open(pdf.value.path(), "rb").read()  # noqa: SIM115
        page.set_viewport_size(PHONE)
        page.reload()
        seen["phone axe"] = axe_violations(page)
        seen["phone overflow"] = page.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth"
        )
        screenshot(page, "hr-reports-dashboard-390")
        page.goto(f"{base}/admin/")
        seen["phone home axe"] = axe_violations(page)

    in_browser_thread(scenario)

    assert "登録者数" in seen["home"] and "7" in seen["home"]
    assert seen["home axe"] == seen["page axe"] == []
    assert seen["phone axe"] == seen["phone home axe"] == []
    assert seen["phone overflow"] <= 0
    assert seen["xlsx name"] == f"monthly_report_{month}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(seen["xlsx"]))
    assert sum(len(sheet._charts) for sheet in book.worksheets) >= 6
    items = next(s for s in book.worksheets if "届いた項目（経路別）" in str(s["A1"].value))
    push = next(r for r in items.iter_rows(min_row=4) if r[0].value == "プッシュ通知")
    assert push[1].value == 6
    assert seen["pdf"].startswith(b"%PDF")


def test_hr_cannot_read_a_hidden_month_off_its_total(
    admin_static: None, pwa_api_server: str
) -> None:
    """This month 12 registered by e-mail and 2 without an invitation, no one before: the month
    row hides the 12 and the 2, and its 合計 row does not show them back (on the screen and in
    the CSV HR downloads from it)."""
    from tests.reports.test_suppression import read_off

    base = pwa_api_server
    migrated_content_back()
    made = [AlumnusFactory(channel="email") for _ in range(12)]
    made += [AlumnusFactory(channel="open") for _ in range(2)]
    Alumnus.objects.filter(pk__in=[a.pk for a in made]).update(registered_at=timezone.now())
    hr = _hr("hr-hidden")
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        page.get_by_role("link", name="月を選んで見る・報告をダウンロード").click()
        page.wait_for_url(f"{base}/admin/reports/")
        table = page.locator('[data-table="registrations"] table')
        seen["screen"] = [
            [cell.strip() for cell in row.locator("td").all_inner_texts()]
            for row in table.locator("tbody tr").all()
        ]
        with page.expect_download() as download:
            page.locator('[data-download="csv"]').click()
        seen["csv"] = open(download.value.path(), "rb").read()  # noqa: SIM115

    in_browser_thread(scenario)

    screen = seen["screen"]
    month, total = screen[-2], screen[-1]
    assert month == ["秘匿", "5未満", "5未満", "秘匿"]
    assert "12" not in total and "14" not in total
    assert read_off(screen) == []
    rows = list(csv.reader(io.StringIO(seen["csv"].decode("utf-8-sig"))))
    assert next(row[2:] for row in rows if row[:1] == ["合計"]) == total
