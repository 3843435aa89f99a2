"""GET and PATCH /api/v1/me/comeback: the eligibility clock, the band and reasons HR sees (or
why there is none), the reminder opt-in, and Japanese errors."""

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cms.comeback.eligibility import add_years
from cms.comeback.models import ReminderPreference
from cms.comeback.person import add_months, eligibility_clock, remaining_text
from cms.comeback.selectors import NO_CONSENT
from tests.alumni.factories import AlumnusFactory
from tests.comeback.ui_builders import prior_version, stored_estimate

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/comeback"
JOBS = ("job_views_3m", "求人情報を直近3か月で3回閲覧", 1.2)


def _signed_in(alumnus: Any) -> APIClient:
    client = APIClient()
    client.force_login(alumnus.user)
    return client


def test_an_eligible_alumnus_sees_the_clock_band_and_reasons_hr_sees() -> None:
    alumnus = AlumnusFactory(consent_analytics=True)
    today = timezone.localdate()
    closes = add_months(add_years(today, 3), 2)
    stored_estimate(
        alumnus,
        probability=0.2,
        version=prior_version(),
        reasons=(JOBS,),
        window_closes_on=closes,
    )

    data = _signed_in(alumnus).get(URL).json()

    assert data["clock"].startswith("応募資格はあと3年2か月（令和")
    assert data["window_closes_on"] == closes.isoformat()
    assert (data["band"], data["band_label"]) == ("high", "高")
    assert data["reasons"][0] == "求人情報を直近3か月で3回閲覧（＋）"
    assert data["model_label"] == "事前設定による推計" and data["is_prior"] is True
    assert data["policy"] == "推計は情報提供の優先付けのためのもので、選考には用いません"
    assert data["reminders"] is False and data["reason"] == ""


def test_an_ineligible_alumnus_gets_the_reason_and_no_band_or_clock() -> None:
    alumnus = AlumnusFactory(consent_analytics=True)
    reason = "在職期間が2年未満（1年）のため、対象外です"
    stored_estimate(alumnus, probability=None, eligible=False, reason=reason)

    data = _signed_in(alumnus).get(URL).json()

    assert (data["eligible"], data["reason"], data["band"], data["clock"]) == (
        False,
        reason,
        "",
        "",
    )
    assert data["reasons"] == [] and data["probability"] is None


def test_without_consent_the_clock_shows_but_there_is_no_band() -> None:
    alumnus = AlumnusFactory(consent_analytics=False)
    closes = timezone.localdate() + dt.timedelta(days=400)
    stored_estimate(alumnus, probability=None, reason=NO_CONSENT, window_closes_on=closes)

    data = _signed_in(alumnus).get(URL).json()

    assert data["eligible"] is True and data["clock"].startswith("応募資格はあと1年1か月")
    assert (data["reason"], data["band"], data["reasons"]) == (NO_CONSENT, "", [])


def test_the_reminder_opt_in_is_kept_and_can_be_withdrawn() -> None:
    alumnus = AlumnusFactory()
    stored_estimate(alumnus, probability=0.1, version=prior_version())
    client = _signed_in(alumnus)

    assert client.patch(URL, {"reminders": True}, format="json").json()["reminders"] is True
    assert ReminderPreference.objects.get(alumnus=alumnus).opted_in is True
    assert client.get(URL).json()["reminders"] is True
    assert client.patch(URL, {"reminders": False}, format="json").json()["reminders"] is False
    assert ReminderPreference.objects.get(alumnus=alumnus).opted_in is False


@pytest.mark.parametrize("body", [{}, {"reminders": "たぶん"}, {"reminders": None}])
def test_a_bad_opt_in_is_refused_in_japanese_and_changes_nothing(body: dict[str, Any]) -> None:
    alumnus = AlumnusFactory()
    response = _signed_in(alumnus).patch(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "入力内容に誤りがあります。"
    assert "reminders" in response.json()["errors"]
    assert not ReminderPreference.objects.exists()


def test_signed_out_and_staff_are_refused_in_japanese(django_user_model: Any) -> None:
    signed_out = APIClient().get(URL)
    assert signed_out.status_code == 401
    assert re.search(r"[ぁ-んァ-ン]", signed_out.json()["detail"])  # Japanese, for the PWA to show
    staff = APIClient()
    staff.force_login(django_user_model.objects.create_user("hr-not-alumnus"))
    refused = staff.patch(URL, {"reminders": True}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "登録済みのアルムナイとしてログインしてください。"


def test_the_clock_counts_whole_years_and_months_then_days() -> None:
    today = dt.date(2026, 1, 31)
    assert remaining_text(today=today, until=dt.date(2029, 3, 31)) == "3年2か月"
    assert remaining_text(today=today, until=dt.date(2026, 2, 27)) == "28日"
    assert remaining_text(today=today, until=dt.date(2026, 2, 28)) == "1か月"
    assert remaining_text(today=today, until=dt.date(2027, 1, 31)) == "1年"
    assert remaining_text(today=today, until=dt.date(2025, 12, 31)) == ""
    assert (
        eligibility_clock(today=dt.date(2025, 11, 29), until=dt.date(2029, 3, 31))
        == "応募資格はあと3年4か月（令和11年3月31日まで）"
    )


def test_my_data_shows_the_estimate_with_its_dates_in_wareki_as_the_app_does() -> None:
    alumnus = AlumnusFactory(consent_analytics=True)
    stored_estimate(
        alumnus,
        probability=0.2,
        version=prior_version(),
        reasons=(JOBS,),
        computed_on=dt.date(2026, 11, 30),
        window_closes_on=dt.date(2031, 3, 31),
    )

    sections = _signed_in(alumnus).get("/api/v1/me/data").json()["sections"]

    [record] = next(s for s in sections if s["key"] == "comeback_estimate")["records"]
    rows = {row["name"]: row["value"] for row in record}
    assert rows["計算日"] == "令和8年11月30日"
    assert rows["受験資格の期限"] == "令和13年3月31日"
    assert rows["区分"] == "高"
