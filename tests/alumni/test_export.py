"""マイページ's export readable by a person: CSV (Excel, Japanese labels, JST) and the data of
the printable page, beside the JSON."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cms.alumni.export import jst_datetime
from cms.alumni.models import Alumnus
from tests.alumni.factories import AlumnusFactory, RosterEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alumnus() -> Alumnus:
    entry = RosterEntryFactory(staff_number="A100", email="hanako@example.jp")
    person: Alumnus = AlumnusFactory(
        family_name="宮城",
        given_name="花子",
        email="hanako@example.jp",
        birth_date=dt.date(1985, 4, 1),
        consent_email=True,
        interests=["土木", "福祉"],
        roster_entry=entry,
    )
    # 05:05 UTC is 14:05 in Japan.
    Alumnus.objects.filter(pk=person.pk).update(
        registered_at=dt.datetime(2026, 11, 29, 5, 5, tzinfo=dt.UTC)
    )
    return person


@pytest.fixture
def signed_in(alumnus: Alumnus) -> APIClient:
    client = APIClient()
    client.force_login(alumnus.user)
    return client


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_export_opens_in_excel_with_japanese_labels_and_jst_dates(
    signed_in: APIClient,
) -> None:
    response = signed_in.get("/api/v1/me/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert response["Cache-Control"] == "no-store"
    rows = csv_rows(response.content)
    assert rows[0] == ["区分", "項目", "内容"]
    assert ["登録情報", "姓", "宮城"] in rows
    assert ["登録情報", "生年月日", "昭和60年（1985年）4月1日"] in rows
    assert ["登録情報", "登録日時", "2026年11月29日 14時05分"] in rows
    assert ["登録情報", "メールでのお知らせ", "はい"] in rows
    assert ["登録情報", "状態", "登録済み"] in rows
    assert ["登録情報", "関心分野", "土木、福祉"] in rows
    assert ["人事課の名簿（在職時の記録）", "職員番号", "A100"] in rows
    assert ["招待", "", "ありません"] in rows
    assert ["その他", "送ったログイン用確認コードの数", "0"] in rows
    assert not any("family_name" in cell or "T05:05" in cell for row in rows for cell in row)


def test_csv_cells_never_run_as_formulas(signed_in: APIClient, alumnus: Alumnus) -> None:
    Alumnus.objects.filter(pk=alumnus.pk).update(industry="=HYPERLINK(1)")

    rows = csv_rows(signed_in.get("/api/v1/me/export.csv").content)

    assert ["登録情報", "現在の業種", "'=HYPERLINK(1)"] in rows


def test_readable_export_gives_the_printable_page_titled_sections_in_japanese(
    signed_in: APIClient,
) -> None:
    response = signed_in.get("/api/v1/me/export/readable")

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["generated_at"].endswith("分") and "年" in data["generated_at"]
    titles = [section["title"] for section in data["sections"]]
    assert titles[:3] == ["登録情報", "人事課の名簿（在職時の記録）", "招待"]
    [profile] = data["sections"][0]["records"]
    assert {"name": "登録日時", "value": "2026年11月29日 14時05分"} in profile
    assert all(not row["name"].isascii() for row in profile)  # no internal field names


def test_chat_data_is_labelled_in_japanese_too(signed_in: APIClient, alumnus: Alumnus) -> None:
    from tests.groups.chat.factories import CommunityGroupFactory, member_of

    group = CommunityGroupFactory(name="山歩きの会")
    member_of(group, alumnus=alumnus)

    rows = csv_rows(signed_in.get("/api/v1/me/export.csv").content)

    assert ["参加しているグループ", "グループ", "山歩きの会"] in rows
    assert any(row[0] == "参加しているグループ" and row[1] == "参加日時" for row in rows)


@pytest.mark.parametrize("path", ["/api/v1/me/export.csv", "/api/v1/me/export/readable"])
def test_readable_exports_need_sign_in(path: str) -> None:
    response = APIClient().get(path)

    assert response.status_code == 401


def test_dates_are_written_in_japan_time() -> None:
    assert (
        jst_datetime(timezone.make_aware(dt.datetime(2026, 11, 29, 23, 30), dt.UTC))
        == "2026年11月30日 08時30分"
    )


def test_the_comeback_estimate_reads_in_japanese_without_internal_names(
    signed_in: APIClient, alumnus: Alumnus
) -> None:
    from cms.comeback.models import Band, Estimate

    Estimate.objects.create(
        alumnus=alumnus,
        computed_on=dt.date(2026, 11, 30),
        probability=0.035,
        band=Band.LOW,
        contributions=[
            {"code": "intercept", "label": "基準（平均的な方）", "log_odds": -2.99},
            {"code": "chat_active_3m", "label": "直近3か月にグループへ投稿", "log_odds": 0.16},
        ],
        eligible=True,
    )

    sections = signed_in.get("/api/v1/me/export/readable").json()["sections"]

    assert all(not section["title"].isascii() for section in sections)
    [estimate] = next(s for s in sections if s["key"] == "comeback_estimates")["records"]
    assert all(not row["name"].isascii() for row in estimate)
    rows = {row["name"]: row["value"] for row in estimate}
    assert (
        rows["要因（対数オッズ）"]
        == "基準（平均的な方）（-2.99）、直近3か月にグループへ投稿（+0.16）"
    )
    assert "intercept" not in str(rows)
