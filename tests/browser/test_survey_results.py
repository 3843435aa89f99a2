"""HR opens a survey's results in Chromium at 1366 px: charts beside their tables, the
cross-tabs with 「5未満」, axe finds nothing; the three exports download (Playwright's download)
and open as what they claim to be, each one in the audit log."""

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from openpyxl import load_workbook

from cms.alumni.models import AuditLogEntry
from cms.content.models import HomePage
from cms.staff_roles import ALUMNI_HR, PAGE_EDITORS, role_grant
from cms.surveys.models import SurveyPage
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.browser.conftest import in_browser_thread
from tests.browser.screens import axe_violations, screenshot
from tests.browser.test_hr_notice import HR_PASSWORD, admin_page, migrated_content_back
from tests.groups.factories import AlumnusFactory
from tests.surveys.factories import SurveyPageFactory, question

pytestmark = pytest.mark.browser


@pytest.fixture
def answered_survey(admin_static: None, pwa_api_server: str) -> SurveyPage:
    """A live survey with twelve answers in two departments, one of them hard for CP932."""
    migrated_content_back()
    survey: SurveyPage = SurveyPageFactory(
        parent=HomePage.objects.get(),
        slug="comeback-results",
        title="カムバック採用に関するアンケート",
        questions=[
            question("single", "県職員に戻って働くことに関心はありますか", ["ある", "ない"]),
            question("multiple", "知りたい情報", ["給与・処遇", "勤務地", "職種"]),
            question("long_text", "ご意見", required=False),
        ],
        opens_at=timezone.now() - dt.timedelta(days=1),
    )
    version = survey_current_version(survey=survey)
    assert version is not None
    interest, topics, comment = version.questions
    for n in range(12):
        alumnus = AlumnusFactory(former_department="総務部" if n < 9 else "土木部")
        answers: dict[str, Any] = {
            interest["id"]: interest["options"][n % 2]["id"],
            topics["id"]: [o["id"] for o in topics["options"][: 1 + n % 3]],
        }
        if n == 0:
            answers[comment["id"]] = "週休3日〜テレワーク☑😀"
        survey_response_save(
            survey=survey,
            alumnus=alumnus,
            version_number=version.number,
            answers=answers,
            targeting_consent=[],
        )
    return survey


@pytest.fixture
def hr(answered_survey: SurveyPage) -> Any:
    user = get_user_model().objects.create_user(
        "hr-results", password=HR_PASSWORD, first_name="人事", last_name="花子"
    )
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    role_grant(user, ALUMNI_HR)
    return user


def test_hr_reads_the_results_and_downloads_the_three_exports(
    answered_survey: SurveyPage, pwa_api_server: str, hr: Any, tmp_path: Path
) -> None:
    base = pwa_api_server
    seen: dict[str, Any] = {}
    results_url = f"{base}/admin/surveys/{answered_survey.pk}/"

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        page.goto(f"{base}/admin/pages/{answered_survey.pk}/edit/")
        # 集計結果 is in the actions menu (…) of the editor's header.
        page.locator("header button:has(svg.icon-dots-horizontal)").first.click()
        page.get_by_role("link", name="集計結果").click()
        page.wait_for_url(results_url)
        page.locator("#rate-heading").wait_for()
        seen["charts"] = page.locator("svg[role=img]").count()
        seen["tables"] = page.locator("table.listing caption").all_inner_texts()
        page.locator("details summary").first.click()
        seen["crosstab"] = page.locator("details").first.inner_text()
        seen["note"] = page.locator("#cp932-note").inner_text()
        seen["axe"] = axe_violations(page)
        screenshot(page, "hr-survey-results")
        for name in ("Excel（XLSX）", "CSV（UTF-8）", "CSV（Shift_JIS／CP932）"):
            with page.expect_download() as info:
                page.get_by_role("link", name=f"{name}をダウンロード").click()
            download = info.value
            target = tmp_path / download.suggested_filename
            download.save_as(target)
            seen[name] = target.read_bytes()

    in_browser_thread(scenario)

    assert seen["axe"] == []
    assert seen["charts"] == 2
    assert "問1の回答数" in seen["tables"] and "問2の回答数" in seen["tables"]
    assert "5未満" in seen["crosstab"]
    assert "☑→〓" in seen["note"] and "😀→〓" in seen["note"]
    book = load_workbook(io.BytesIO(seen["Excel（XLSX）"]))
    assert book.sheetnames == ["回答", "質問票"]
    assert book["回答"].max_row == 13
    assert seen["CSV（UTF-8）"].startswith(b"\xef\xbb\xbf")
    assert "週休3日～テレワーク〓〓" in seen["CSV（Shift_JIS／CP932）"].decode("cp932")
    exports = AuditLogEntry.objects.filter(target="survey_export", actor=hr)
    assert exports.count() == 3
    assert any("☑→〓" in entry.detail for entry in exports)
