"""HR imports 応募結果 in Chromium with the files a spreadsheet habit produces: a CSV whose UTF-8
BOM sits before CP932 text (once a 500), then one with a stray double quote (once a silent loss
of the rows after it), then the right file. Each refusal lands the focus on the file field, which
names its Japanese error through aria-describedby; nothing is recorded until the confirmation."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.comeback.models import Outcome, Season
from cms.staff_roles import ALUMNI_HR, PAGE_EDITORS, role_grant
from tests.alumni.factories import AlumnusFactory, RosterEntryFactory
from tests.browser.conftest import in_browser_thread
from tests.browser.screens import axe_violations
from tests.browser.test_hr_notice import HR_PASSWORD, admin_page, migrated_content_back

pytestmark = pytest.mark.browser
FILE_LABEL = "応募者の一覧（CSV または XLSX）"

# What the file field says and which element has the focus, read in the page.
_FIELD_STATE = """() => {
  const input = document.getElementById('id_file');
  const described = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  return {
    invalid: input.getAttribute('aria-invalid'),
    description: described.map((id) => document.getElementById(id)?.innerText.trim() ?? '!' + id),
    focused: document.activeElement === input,
  };
}"""


def test_refused_files_name_their_error_on_the_focused_field_and_record_nothing(
    admin_static: None, pwa_api_server: str, tmp_path: Path
) -> None:
    base = pwa_api_server
    migrated_content_back()
    season = Season.objects.create(
        year=2027,
        applications_open=dt.date(2026, 10, 20),
        applications_close=dt.date(2026, 10, 31),
        selection_on=dt.date(2026, 12, 13),
        appointment_on=dt.date(2027, 4, 1),
    )
    first = AlumnusFactory(roster_entry=RosterEntryFactory(staff_number="A001"))
    second = AlumnusFactory(roster_entry=RosterEntryFactory(staff_number="A002"))
    table = "職員番号,応募\r\nA001,○\r\n"
    bom_then_cp932 = tmp_path / "応募者_bom.csv"
    bom_then_cp932.write_bytes(b"\xef\xbb\xbf" + table.encode("cp932"))
    stray_quote = tmp_path / "応募者_quote.csv"
    stray_quote.write_bytes(('職員番号,応募\r\nA001,"○\r\nA002,○\r\n').encode("cp932"))
    right = tmp_path / "応募者.csv"
    right.write_bytes("職員番号,応募\r\nA001,○\r\nA002,○\r\n".encode("cp932"))
    hr = get_user_model().objects.create_user("hr-import", password=HR_PASSWORD)
    hr.groups.add(Group.objects.get(name=PAGE_EDITORS))
    role_grant(hr, ALUMNI_HR)
    seen: dict[str, Any] = {}

    def submit(page: Any, path: Path) -> None:
        page.goto(f"{base}/admin/comeback/outcomes/import/")
        page.get_by_label("募集年度").select_option(label=str(season))
        page.get_by_label(FILE_LABEL).set_input_files(str(path))
        page.get_by_role("button", name="確認する").click()
        page.wait_for_load_state()

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        submit(page, bom_then_cp932)
        seen["bom"] = page.evaluate(_FIELD_STATE)
        seen["bom axe"] = axe_violations(page)
        submit(page, stray_quote)
        seen["quote"] = page.evaluate(_FIELD_STATE)
        seen["outcomes before"] = Outcome.objects.count()
        submit(page, right)
        page.get_by_role("button", name="この内容で取り込む（2 件）").click()
        page.get_by_text("応募結果を取り込みました（2 件）").wait_for(state="visible")

    in_browser_thread(scenario)

    help_text = "職員番号、または氏名と生年月日の列で名簿と照合します。"
    assert seen["bom"] == {
        "invalid": "true",
        "description": [
            help_text,
            "文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）",
        ],
        "focused": True,
    }
    assert seen["bom axe"] == []
    assert seen["quote"]["invalid"] == "true" and seen["quote"]["focused"]
    assert "2 行目の欄が次の行まで続いています" in seen["quote"]["description"][-1]
    assert seen["outcomes before"] == 0
    assert sorted(Outcome.objects.values_list("alumnus_id", "season_id", "applied")) == sorted(
        [(first.pk, season.pk, True), (second.pk, season.pk, True)]
    )
