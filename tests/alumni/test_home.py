"""GET /api/v1/me/home: the member home's counts, its refusals, and only the caller's data."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from cms.alumni.models import AlumnusStatus
from cms.alumni.normalise import wareki, wareki_fiscal_year, wareki_with_year
from cms.content.models import NoticeIndexPage, NoticePage
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.alumni.factories import AlumnusFactory
from tests.content.factories import (
    JobIndexPageFactory,
    JobPageFactory,
    NoticeIndexPageFactory,
    NoticePageFactory,
    SurveyPageFactory,
    make_site,
)
from tests.groups.chat.factories import CommunityGroupFactory, member_of, post
from tests.groups.factories import AudienceGroupFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/home"


@pytest.fixture
def home() -> Any:
    return make_site()


@pytest.fixture
def index(home: Any) -> NoticeIndexPage:
    page: NoticeIndexPage = NoticeIndexPageFactory(parent=home)
    return page


def _notice(index: NoticeIndexPage, *, days_ago: float = 1, **fields: Any) -> NoticePage:
    groups = fields.pop("groups", None)
    visibility = fields.pop("visibility", "public")
    notice: NoticePage = NoticePageFactory(parent=index, **fields)
    if groups:
        notice.audience_groups.set(groups)
    notice.visibility = visibility
    notice.first_published_at = timezone.now() - dt.timedelta(days=days_ago)
    notice.save()
    return notice


def _signed_in(client: Client, **fields: Any) -> Any:
    alumnus = AlumnusFactory(**fields)
    client.force_login(alumnus.user)
    return alumnus


def test_home_counts_unread_notices_open_jobs_waiting_surveys_and_unread_chat(
    client: Client, home: Any, index: NoticeIndexPage
) -> None:
    me = _signed_in(client, current_region="仙台市")
    mine = AudienceGroupFactory(regions="仙台市")
    other = AudienceGroupFactory(regions="東京都")
    _notice(index, title="公開のお知らせ")
    _notice(index, title="会員のお知らせ", visibility="members")
    _notice(index, title="私のグループ", visibility="groups", groups=[mine])
    _notice(index, title="他のグループ", visibility="groups", groups=[other])
    _notice(index, title="古いお知らせ", days_ago=45)
    today = timezone.localdate()
    jobs = JobIndexPageFactory(parent=home)
    JobPageFactory(
        parent=jobs,
        slug="open",
        title="募集中の求人",
        application_opens=today - dt.timedelta(days=3),
        application_closes=today + dt.timedelta(days=10),
    )
    JobPageFactory(
        parent=jobs,
        title="募集予定の求人",
        application_opens=today + dt.timedelta(days=3),
        application_closes=today + dt.timedelta(days=10),
    )
    now = timezone.now()
    open_survey = SurveyPageFactory(
        parent=home, slug="open-survey", title="受付中", closes_at=now + dt.timedelta(days=5)
    )
    SurveyPageFactory(
        parent=home, slug="closed-survey", title="終了", closes_at=now - dt.timedelta(days=1)
    )
    answered = SurveyPageFactory(parent=home, slug="answered-survey", title="回答済み")
    version = survey_current_version(survey=answered)
    assert version is not None
    scale = version.questions[0]
    survey_response_save(
        survey=answered,
        alumnus=me,
        version_number=version.number,
        answers={scale["id"]: scale["options"][0]["id"]},
        targeting_consent=[],
    )
    elsewhere = SurveyPageFactory(parent=home, slug="other-survey", title="他のグループ向け")
    elsewhere.audience_groups.set([other])
    elsewhere.save()
    talk = CommunityGroupFactory(name="交流広場")
    member_of(talk, me)
    friend = member_of(talk).alumnus
    post(talk, me, "自分の投稿は未読に数えない")
    post(talk, friend, "一通目")
    post(talk, friend, "二通目")

    response = client.get(URL)

    assert response.status_code == 200
    data = response.json()
    assert data["notices"]["count"] == 3
    assert {i["title"] for i in data["notices"]["items"]} == {
        "公開のお知らせ",
        "会員のお知らせ",
        "私のグループ",
    }
    assert data["jobs"]["count"] == 1
    assert data["jobs"]["items"][0] == {
        "title": "募集中の求人",
        "url": "/jobs/open/",
        "date": (today + dt.timedelta(days=10)).isoformat(),
        "count": 0,
    }
    assert data["surveys"]["count"] == 1
    assert data["surveys"]["items"][0]["url"] == f"/app/survey/?id={open_survey.pk}"
    assert data["chat"]["count"] == 2
    assert data["chat"]["items"] == [
        {"title": "交流広場", "url": f"/app/chat/?group={talk.pk}", "date": "", "count": 2}
    ]
    assert data["display_name"] == "宮城 太郎"
    assert data["initial"] == "宮"
    assert response["Cache-Control"] == "no-store"


def test_opening_the_notice_list_or_one_notice_clears_them_from_the_unread_count(
    client: Client, index: NoticeIndexPage
) -> None:
    _signed_in(client)
    first = _notice(index, title="一件目")
    _notice(index, title="二件目")
    assert client.get(URL).json()["notices"]["count"] == 2

    assert client.get(f"/api/v1/notices/{first.pk}").status_code == 200
    assert [i["title"] for i in client.get(URL).json()["notices"]["items"]] == ["二件目"]

    assert client.get("/api/v1/notices").status_code == 200
    assert client.get(URL).json()["notices"]["count"] == 0

    _notice(index, title="新着", days_ago=0)
    assert [i["title"] for i in client.get(URL).json()["notices"]["items"]] == ["新着"]


def test_home_never_shows_another_alumnus_chat_or_name(
    client: Client, index: NoticeIndexPage
) -> None:
    _signed_in(client, family_name="青葉", given_name="一郎")
    others = CommunityGroupFactory(name="他人のグループ")
    someone = member_of(others, AlumnusFactory(family_name="泉", given_name="花子")).alumnus
    member_of(others)
    post(others, someone, "私だけが読む")
    data = client.get(URL).json()
    assert data["chat"] == {"count": 0, "items": []}
    assert data["display_name"] == "青葉 一郎"
    assert "泉" not in str(data)


def test_home_refuses_the_signed_out_with_401(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["detail"] == "認証情報が含まれていません。"


def test_home_refuses_staff_without_an_alumnus_and_a_pending_alumnus_with_403(
    client: Client,
) -> None:
    staff = get_user_model().objects.create_user(username="hr", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    pending = AlumnusFactory(status=AlumnusStatus.PENDING)
    client.force_login(pending.user)
    response = client.get(URL)
    assert response.status_code == 403
    assert response.json()["detail"] == "登録済みのアルムナイとしてログインしてください。"


def test_wareki_writes_reiwa_and_its_first_year() -> None:
    assert wareki(dt.date(2031, 3, 31)) == "令和13年3月31日"
    assert wareki(dt.date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki(dt.date(2019, 4, 30)) == "平成31年4月30日"


def test_wareki_with_year_puts_the_western_year_beside_the_era() -> None:
    assert wareki_with_year(dt.date(1980, 5, 12)) == "昭和55年（1980年）5月12日"
    assert wareki_with_year(dt.date(1989, 1, 8)) == "平成元年（1989年）1月8日"
    assert wareki_with_year(dt.date(1860, 1, 1)) == "1860年1月1日"


def test_wareki_fiscal_year_names_the_year_by_its_first_of_april() -> None:
    assert wareki_fiscal_year(2026) == "令和8年度"
    assert wareki_fiscal_year(2019) == "平成31年度"  # 1 April 2019 was still 平成
    assert wareki_fiscal_year(2020) == "令和2年度"


def test_home_operation_is_in_the_openapi_schema(client: Client) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/me/home"]["get"]
    assert operation["operationId"] == "member_home"
    assert {"200", "401", "403"} <= set(operation["responses"])
