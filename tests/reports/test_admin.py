"""HR's dashboard in the admin: the month's figures on the home of HR's staff only, the month
picker, the report downloads, an incident recorded through the admin."""

import io
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from cms.reports.models import Incident
from cms.reports.selectors import month_figures
from cms.staff_roles import DELIVERY_HR, PAGE_EDITORS, role_grant
from tests.admin.visible_text import english_ui, visible_texts

from .conftest import SeededMonth


def _staff(django_user_model: Any, name: str, *, hr: bool) -> Client:
    user = django_user_model.objects.create_user(name, f"{name}@example.jp", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    if hr:
        role_grant(user, DELIVERY_HR)
    client = Client()
    client.force_login(user)
    return client


def test_hr_home_shows_this_months_figures_in_japanese(db: None, django_user_model: Any) -> None:
    client = _staff(django_user_model, "hr", hr=True)
    page = client.get("/admin/")
    html = page.content.decode()
    assert "data-report-dashboard" in html
    assert "reports/dashboard.css" in html
    text = " ".join(visible_texts(html))
    assert "今月の実績" in text and "登録者数" in text
    assert '<svg class="report-chart"' in html
    assert english_ui(visible_texts(html)) == []


def test_staff_outside_hr_roles_get_neither_panel_nor_page(
    db: None, django_user_model: Any
) -> None:
    client = _staff(django_user_model, "editor", hr=False)
    assert "data-report-dashboard" not in client.get("/admin/").content.decode()
    assert client.get("/admin/reports/").status_code in {302, 403}
    assert client.get("/admin/reports/monthly/xlsx/?month=2026-10").status_code in {302, 403}


def test_dashboard_of_a_chosen_month_shows_the_same_figures(
    seeded: SeededMonth, django_user_model: Any
) -> None:
    client = _staff(django_user_model, "hr", hr=True)
    page = client.get("/admin/reports/?month=2026-10")
    assert page.status_code == 200
    text = " ".join(visible_texts(page.content.decode()))
    figures = month_figures(seeded.period)
    for table in figures.tables:
        assert table.title in text
    assert "令和8年10月" in text
    items = figures.table("items")
    assert f"プッシュ通知 {items.rows[0].cells[0].text}" in text


def test_a_bad_month_gives_a_japanese_message(db: None, django_user_model: Any) -> None:
    client = _staff(django_user_model, "hr", hr=True)
    page = client.get("/admin/reports/?month=2026-13")
    assert page.status_code == 400
    assert "YYYY-MM" in page.content.decode()
    download = client.get("/admin/reports/monthly/xlsx/?month=abc")
    assert download.status_code == 400
    assert "月は YYYY-MM の形で" in download.content.decode()
    assert client.get("/admin/reports/completion/pdf/?year=令和8").status_code == 400


def test_a_month_or_year_past_the_calendar_is_refused_not_a_500(
    db: None, django_user_model: Any
) -> None:
    client = _staff(django_user_model, "hr", hr=True)
    page = client.get("/admin/reports/?month=9999-12")
    assert page.status_code == 400
    html = page.content.decode()
    assert "月は 2000-01 から 9998-12 までで指定してください" in html
    assert 'aria-describedby="report-month-error"' in html and 'id="report-month-error"' in html
    assert client.get("/admin/reports/monthly/csv/?month=9999-12").status_code == 400
    year = client.get("/admin/reports/completion/pdf/?year=9999")
    assert year.status_code == 400
    assert "年度は 2000 から 9998 までで指定してください" in year.content.decode()


def test_hr_downloads_the_monthly_xlsx_and_csvs(
    seeded: SeededMonth, django_user_model: Any
) -> None:
    client = _staff(django_user_model, "hr", hr=True)
    xlsx = client.get("/admin/reports/monthly/xlsx/?month=2026-10")
    assert xlsx["Content-Disposition"] == 'attachment; filename="monthly_report_2026-10.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book["表紙"]["B3"].value == "令和8年10月"
    utf8 = client.get("/admin/reports/monthly/csv/?month=2026-10").content
    sjis = client.get("/admin/reports/monthly/csv-sjis/?month=2026-10").content
    assert utf8.decode("utf-8-sig") == sjis.decode("cp932")
    pdf = client.get("/admin/reports/completion/pdf/?year=2026")
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_hr_records_an_incident_in_the_admin(django_user_model: Any) -> None:
    user = django_user_model.objects.create_superuser("admin", "admin@example.jp", "pw")
    client = Client()
    client.force_login(user)
    response = client.post(
        "/admin/snippets/reports/incident/add/",
        {
            "occurred_on": "2026-10-03",
            "title": "誤送信（社内で回収）",
            "description": "",
            "measures": "二重確認",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.recorded_by == user
    bad = client.post("/admin/snippets/reports/incident/add/", {"occurred_on": "", "title": ""})
    assert bad.status_code == 200
    assert Incident.objects.count() == 1
