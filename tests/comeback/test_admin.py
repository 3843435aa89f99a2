"""HR's 「カムバック推計」 screens through the admin's forms: the list (filters, sort, database
pagination, audited rows), the person's panel, the export, seasons, and staff without the
alumni permission (no names)."""

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test.client import RequestFactory
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.admin.menu import admin_menu

from cms.alumni.models import AuditAction, AuditLogEntry
from cms.alumni.normalise import wareki
from cms.analytics.services import analysis_consent_set
from cms.comeback.admin_views import POLICY
from cms.comeback.models import ModelVersion, Outcome, Season
from cms.comeback.selectors import NO_CONSENT
from tests.alumni.factories import AlumnusFactory
from tests.comeback.ui_builders import prior_version, staff_client, stored_estimate

pytestmark = pytest.mark.django_db
LIST = "/admin/comeback/"
JOBS = ("job_views_3m", "求人情報を直近3か月で3回閲覧", 1.2)
LOGINS = ("logins_3m", "直近3か月に確認コードでログイン5回", 0.5)
INTENT = ("intent_no", "アンケートで今は考えていないと回答", -0.9)
# A person in the high band, eligible until 令和13年3月31日.
HIGH: dict[str, Any] = {
    "probability": 0.3,
    "reasons": (JOBS, LOGINS, INTENT),
    "window_closes_on": dt.date(2031, 3, 31),
}


def _consenting(**fields: Any) -> Any:
    """An alumnus who allows analysis (only such a person is ever scored)."""
    return AlumnusFactory(consent_analytics=True, **fields)


def _people() -> dict[str, Any]:
    version = prior_version()
    high = _consenting(family_name="青葉", given_name="花子", former_department="土木部")
    medium = _consenting(family_name="泉", given_name="健", former_department="総務部")
    low = _consenting(family_name="宮城", given_name="次郎", former_department="土木部")
    outside = _consenting(family_name="若林", given_name="静", former_department="土木部")
    stored_estimate(high, version=version, **HIGH)
    stored_estimate(medium, probability=0.08, version=version, reasons=(LOGINS,))
    stored_estimate(low, probability=0.02, version=version, reasons=(INTENT,))
    stored_estimate(
        outside,
        probability=None,
        version=version,
        eligible=False,
        reason="退職から10年を超えている（12年）ため、対象外です",
    )
    return {"high": high, "medium": medium, "low": low, "outside": outside}


def _names(html: str, people: dict[str, Any]) -> list[str]:
    """The people listed, in the order the table shows them."""
    found = [(html.find(str(p)), key) for key, p in people.items() if str(p) in html]
    return [key for _, key in sorted(found)]


def test_the_list_shows_bands_reasons_policy_and_the_prior_label(django_user_model: Any) -> None:
    people = _people()
    client = staff_client(django_user_model, "hr-list")

    html = client.get(LIST).content.decode()

    assert _names(html, people) == ["high", "medium", "low", "outside"]
    assert "求人情報を直近3か月で3回閲覧（＋）" in html
    assert "アンケートで今は考えていないと回答（−）" in html
    assert "退職から10年を超えている（12年）ため、対象外です" in html
    assert POLICY in html and "事前設定による推計" in html


def test_the_list_filters_by_band_eligibility_and_department(django_user_model: Any) -> None:
    people = _people()
    client = staff_client(django_user_model, "hr-filter")

    def shown(query: str) -> list[str]:
        return _names(client.get(f"{LIST}?{query}").content.decode(), people)

    assert shown("band=high") == ["high"]
    assert shown("band=none") == ["outside"]
    assert shown("eligible=no") == ["outside"]
    assert shown("department=土木部") == ["high", "low", "outside"]
    assert shown("department=土木部&band=low") == ["low"]


def test_the_list_sorts_by_name_and_puts_people_without_an_estimate_last(
    django_user_model: Any,
) -> None:
    people = _people()
    client = staff_client(django_user_model, "hr-sort")

    by_probability_up = client.get(f"{LIST}?ordering=probability").content.decode()

    assert _names(by_probability_up, people) == ["low", "medium", "high", "outside"]


def test_each_page_of_the_list_audits_exactly_the_people_it_shows(django_user_model: Any) -> None:
    version = prior_version()
    everyone = [_consenting(given_name=f"人{n:02d}") for n in range(53)]
    for n, alumnus in enumerate(everyone):
        stored_estimate(alumnus, probability=0.01 + n / 100, version=version)
    client = staff_client(django_user_model, "hr-pages")

    second = client.get(f"{LIST}?p=2")

    assert second.status_code == 200
    entry = AuditLogEntry.objects.filter(target="comeback_estimates").latest("pk")
    # Sorted by probability, highest first: the second page holds the three lowest.
    assert entry.record_ids == [str(a.pk) for a in reversed(everyone[:3])]
    assert entry.action == AuditAction.VIEW


def test_staff_without_the_alumni_permission_see_counts_and_no_names(
    django_user_model: Any,
) -> None:
    people = _people()
    client = staff_client(django_user_model, "editor-counts", alumni_role=False)
    client.user.user_permissions.add(  # type: ignore[attr-defined]
        Permission.objects.get(content_type__app_label="comeback", codename="view_estimate")
    )

    html = client.get(LIST).content.decode()

    assert _names(html, people) == []
    assert POLICY in html and "区分ごとの人数" in html
    person = client.get(f"/admin/comeback/people/{people['high'].pk}/")
    export = client.get("/admin/comeback/estimates.csv")
    assert person.status_code != 200 and export.status_code != 200
    assert not AuditLogEntry.objects.filter(target__startswith="comeback").exists()


def test_the_person_panel_shows_every_contribution_the_window_and_the_history(
    django_user_model: Any,
) -> None:
    version = prior_version()
    alumnus = AlumnusFactory(family_name="青葉", given_name="花子")
    today = timezone.localdate()
    stored_estimate(
        alumnus,
        probability=0.04,
        version=version,
        computed_on=today - dt.timedelta(days=1),
        reasons=(LOGINS,),
    )
    stored_estimate(alumnus, version=version, changed="区分が低から高に上がりました", **HIGH)
    client = staff_client(django_user_model, "hr-panel")

    html = client.get(f"/admin/comeback/people/{alumnus.pk}/").content.decode()

    assert "30.0%" in html and "<dd>令和13年（2031年）3月31日</dd>" in html
    for label in ("基準（平均的な方）", "求人情報を直近3か月で3回閲覧", "退職から5年"):
        assert label in html
    assert "+1.200" in html and "-0.900" in html
    assert "区分が低から高に上がりました" in html and "4.0%" in html
    # 計算日 and the history in 和暦, as the window is
    assert f"<dd>{wareki(today)}</dd>" in html
    assert f"<td>{wareki(today - dt.timedelta(days=1))}</td>" in html
    assert POLICY in html
    entry = AuditLogEntry.objects.get(target="comeback_person")
    assert entry.record_ids == [str(alumnus.pk)]


def test_hr_records_an_outcome_on_the_panel_and_a_hired_non_applicant_is_refused(
    django_user_model: Any,
) -> None:
    season = Season.objects.create(
        year=2027,
        applications_open=dt.date(2026, 10, 20),
        applications_close=dt.date(2026, 10, 31),
        selection_on=dt.date(2026, 12, 13),
        appointment_on=dt.date(2027, 4, 1),
    )
    alumnus = AlumnusFactory()
    stored_estimate(alumnus, probability=0.2, version=prior_version())
    client = staff_client(django_user_model, "hr-outcome")
    url = f"/admin/comeback/people/{alumnus.pk}/"

    refused = client.post(url, {"season": season.pk, "hired": "on"})
    assert "採用は応募した方に限り記録できます。" in refused.content.decode()
    assert not Outcome.objects.exists()

    client.post(url, {"season": season.pk, "applied": "on"})
    outcome = Outcome.objects.get()
    assert (outcome.alumnus, outcome.applied, outcome.hired) == (alumnus, True, False)


def test_the_export_has_the_policy_every_filtered_row_and_is_audited(
    django_user_model: Any,
) -> None:
    people = _people()
    client = staff_client(django_user_model, "hr-export")

    response = client.get("/admin/comeback/estimates.csv?department=土木部")

    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == [POLICY]
    assert rows[1][:3] == ["登録者番号", "氏名", "ふりがな"]
    assert [row[1] for row in rows[2:]] == ["青葉 花子", "宮城 次郎", "若林 静"]
    assert rows[2][5:9] == [
        "令和13年（2031年）3月31日",
        "高",
        "30.0",
        "求人情報を直近3か月で3回閲覧（＋）",
    ]
    entry = AuditLogEntry.objects.get(target="comeback_export")
    assert entry.action == AuditAction.EXPORT
    assert sorted(entry.record_ids) == sorted(str(people[k].pk) for k in ("high", "low", "outside"))

    book = load_workbook(io.BytesIO(client.get("/admin/comeback/estimates.xlsx").content))
    sheet = book.active
    assert sheet is not None
    assert sheet["A1"].value == POLICY
    assert sheet.max_row == 2 + len(people)


def test_a_person_who_stopped_the_analysis_is_neither_listed_nor_exported(
    django_user_model: Any,
) -> None:
    people = _people()
    stopped = _consenting(family_name="七ヶ浜", given_name="止")
    stored_estimate(stopped, probability=0.4, version=prior_version(active=False))
    analysis_consent_set(alumnus=stopped, given=False)  # stops it: the score goes
    stored_estimate(stopped, probability=None, reason=NO_CONSENT)  # tonight's recompute
    never = AlumnusFactory(family_name="松島", given_name="否", consent_analytics=False)
    stored_estimate(never, probability=None, eligible=False, reason="採用日が不明のため")
    client = staff_client(django_user_model, "hr-stopped")

    html = client.get(LIST).content.decode()
    exported = client.get("/admin/comeback/estimates.csv").content.decode("utf-8-sig")
    by_band = client.get(f"{LIST}?band=none").content.decode()

    for shown in (html, exported, by_band):
        assert str(stopped) not in shown and str(never) not in shown
    assert _names(html, people) == ["high", "medium", "low", "outside"]
    assert "この一覧と出力にも載せません（2 人）" in html
    audited = AuditLogEntry.objects.filter(target__in=["comeback_estimates", "comeback_export"])
    assert {str(stopped.pk), str(never.pk)}.isdisjoint(
        {pk for entry in audited for pk in entry.record_ids}
    )


def test_a_season_with_dates_out_of_order_gets_a_field_error(django_user_model: Any) -> None:
    client = staff_client(django_user_model, "hr-season")
    form = {
        "year": "2027",
        "applications_open": "2026-10-31",
        "applications_close": "2026-10-20",
        "selection_on": "2026-12-13",
        "appointment_on": "2027-04-01",
        "min_service_years": "2",
        "max_years_since_leaving": "10",
    }

    refused = client.post("/admin/comeback_season/new/", form)

    assert refused.status_code == 200
    assert "申込受付終了日は受付開始日より後にしてください。" in refused.content.decode()
    assert not Season.objects.exists()
    client.post("/admin/comeback_season/new/", {**form, "applications_close": "2026-11-05"})
    assert Season.objects.get().applications_close == dt.date(2026, 11, 5)


def _menu(user: Any) -> dict[str, list[str]]:
    """The admin menu the user is shown: each submenu's label and its items' labels."""
    request = RequestFactory().get("/admin/")
    request.user = user
    return {
        str(item.label): [str(sub.label) for sub in item.menu.menu_items_for_request(request)]
        for item in admin_menu.menu_items_for_request(request)
        if hasattr(item, "menu")
    }


def test_the_menu_offers_the_comeback_screens_to_the_alumni_role(django_user_model: Any) -> None:
    hr = staff_client(django_user_model, "hr-menu").user  # type: ignore[attr-defined]
    assert _menu(hr)["カムバック推計"] == [
        "推計の一覧",
        "募集年度",
        "応募結果の取り込み",
        "推計モデル",
    ]
    other = staff_client(django_user_model, "editor-menu", alumni_role=False).user  # type: ignore[attr-defined]
    assert "カムバック推計" not in _menu(other)


def _season() -> Season:
    season: Season = Season.objects.create(
        year=2027,
        applications_open=dt.date(2026, 10, 20),
        applications_close=dt.date(2026, 10, 31),
        selection_on=dt.date(2026, 12, 13),
        appointment_on=dt.date(2027, 4, 1),
    )
    return season


def _upload(name: str, text: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, ("\ufeff" + text).encode("utf-8"), "text/csv")


IMPORT = "/admin/comeback/outcomes/import/"


def test_the_outcome_import_previews_unmatched_rows_then_records_on_confirmation(
    django_user_model: Any,
) -> None:
    season = _season()
    applicant = AlumnusFactory(
        family_name="青葉", given_name="花子", birth_date=dt.date(1985, 6, 1)
    )
    client = staff_client(django_user_model, "hr-import")
    csv_text = "氏名,生年月日,応募,採用\n青葉 花子,1985-06-01,○,\n山田 太郎,1970-01-01,○,\n"

    preview = client.post(
        IMPORT, {"season": season.pk, "file": _upload("applicants.csv", csv_text)}
    )

    html = preview.content.decode()
    assert "名簿と一致しなかった行" in html and "氏名と生年月日が一致する登録者がいません" in html
    assert "山田 太郎" in html and "青葉 花子" in html
    assert not Outcome.objects.exists()
    token = re.search(r'name="upload" value="([^"]+)"', html)
    assert token is not None

    done = client.post(IMPORT, {"upload": token.group(1)}, follow=True)

    assert "応募結果を取り込みました（1 件）" in done.content.decode()
    outcome = Outcome.objects.get()
    assert (outcome.season, outcome.alumnus, outcome.applied) == (season, applicant, True)


def test_a_bad_outcome_file_gets_a_field_error_and_a_tampered_confirmation_is_refused(
    django_user_model: Any,
) -> None:
    season = _season()
    client = staff_client(django_user_model, "hr-import-bad")

    refused = client.post(IMPORT, {"season": season.pk, "file": _upload("a.csv", "応募\n○\n")})
    assert (
        "「職員番号」の列、または「氏名」と「生年月日」の列が必要です" in refused.content.decode()
    )
    not_a_table = client.post(IMPORT, {"season": season.pk, "file": _upload("a.txt", "x")})
    assert "CSV または XLSX ファイルを選んでください。" in not_a_table.content.decode()
    tampered = client.post(IMPORT, {"upload": "not-a-signed-file"}, follow=True)
    assert "もう一度ファイルを選んでください" in tampered.content.decode()
    assert not Outcome.objects.exists()


def test_hr_sees_a_fitted_models_metrics_then_switches_to_it(django_user_model: Any) -> None:
    prior = prior_version()
    fitted = ModelVersion.objects.create(
        kind="fitted",
        season=_season(),
        coefficients={"intercept": -2.5, "features": {}},
        metrics={
            "brier": 0.0612,
            "brier_skill": 0.081,
            "ece": 0.0142,
            "auc": 0.712,
            "base_rate": 0.07,
            "n": 2400,
            "folds": 5,
            "reliability": [
                {"lo": 0.0, "hi": 0.1, "n": 900, "mean_predicted": 0.05, "observed": 0.048},
                {"lo": 0.9, "hi": 1.0, "n": 0, "mean_predicted": None, "observed": None},
            ],
        },
        reliability_png=b"\x89PNG\r\n\x1a\n",
    )
    client = staff_client(django_user_model, "hr-model")
    url = f"/admin/comeback/models/{fitted.pk}/"

    html = client.get(url).content.decode()
    assert "0.0612" in html and "0.0142" in html and "0.712" in html and "4.8%" in html
    assert "このモデルに切り替える" in html
    assert client.get(f"{url}reliability.png")["Content-Type"] == "image/png"

    client.post(url)

    fitted.refresh_from_db()
    prior.refresh_from_db()
    assert fitted.is_active and not prior.is_active
    assert "学習済みモデル（令和9年度の結果）" in client.get(LIST).content.decode()
