"""The surveys API for signed-in alumni: list, current version, my response (GET/PUT), in the
contract's shapes with Japanese errors."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cms.surveys.models import SurveyPage, SurveyResponse
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory
from tests.surveys.factories import (
    SurveyPageFactory,
    make_site,
    question,
    relabel,
    survey_edit_publish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey() -> SurveyPage:
    page: SurveyPage = SurveyPageFactory(
        parent=make_site(),
        slug="comeback",
        title="カムバック採用に関するアンケート",
        closes_at=timezone.now() + dt.timedelta(days=10),
        questions=[
            question("single", "関心はありますか", ["ある", "ない"], targeting=True),
            question("long_text", "ご意見", required=False),
        ],
    )
    return page


def _signed_in(client: Client, **fields: Any) -> Any:
    alumnus = AlumnusFactory(**fields)
    client.force_login(alumnus.user)
    return alumnus


def _put(client: Client, survey: SurveyPage, body: dict[str, Any]) -> Any:
    return client.put(
        f"/api/v1/surveys/{survey.pk}/response", body, content_type="application/json"
    )


def _body(client: Client, survey: SurveyPage, answer: int = 0) -> dict[str, Any]:
    detail = client.get(f"/api/v1/surveys/{survey.pk}").json()
    first = detail["questions"][0]
    return {
        "version": detail["version"],
        "answers": {first["id"]: first["options"][answer]["id"]},
        "targeting_consent": [first["id"]],
    }


def test_list_detail_and_response_round_trip(client: Client, survey: SurveyPage) -> None:
    _signed_in(client)
    listed = client.get("/api/v1/surveys").json()["results"]
    assert [(s["id"], s["url"], s["is_open"], s["answered"]) for s in listed] == [
        (survey.pk, "/comeback/", True, False)
    ]
    detail = client.get(f"/api/v1/surveys/{survey.pk}").json()
    assert detail["version"] == 1
    assert [q["label"] for q in detail["questions"]] == ["関心はありますか", "ご意見"]
    assert client.get(f"/api/v1/surveys/{survey.pk}/response").json() == {
        "detail": "まだ回答していません。"
    }

    created = _put(client, survey, _body(client, survey))
    assert created.status_code == 201
    replaced = _put(client, survey, _body(client, survey, answer=1))
    assert replaced.status_code == 200
    mine = client.get(f"/api/v1/surveys/{survey.pk}/response").json()
    assert mine["version"] == 1 and mine["answers"] == _body(client, survey, 1)["answers"]
    assert mine["targeting_consent"] == [detail["questions"][0]["id"]]
    listed = client.get("/api/v1/surveys").json()["results"]
    assert listed[0]["answered"] is True and listed[0]["answered_at"]
    assert SurveyResponse.objects.count() == 1


def test_invalid_answers_get_japanese_field_errors(client: Client, survey: SurveyPage) -> None:
    _signed_in(client)
    body = _body(client, survey)
    body["answers"] = {}
    response = _put(client, survey, body)
    assert response.status_code == 400
    first_id = client.get(f"/api/v1/surveys/{survey.pk}").json()["questions"][0]["id"]
    assert response.json() == {
        "detail": "回答に誤りがあります。",
        "errors": {first_id: ["この質問には回答が必要です。"]},
    }
    malformed = _put(client, survey, {"answers": "すべて"})
    assert malformed.status_code == 400
    assert malformed.json()["detail"] == "入力内容に誤りがあります。"
    assert set(malformed.json()["errors"]) == {"version", "answers"}
    assert SurveyResponse.objects.count() == 0


def test_an_outdated_version_gets_409(client: Client, survey: SurveyPage) -> None:
    _signed_in(client)
    body = _body(client, survey)
    survey_edit_publish(survey, relabel(1, "ご意見・ご要望"))
    response = _put(client, survey, body)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "アンケートの内容が更新されました。確認してもう一度送信してください。"
    }


def test_a_closed_survey_refuses_with_403(client: Client, survey: SurveyPage) -> None:
    _signed_in(client)
    body = _body(client, survey)
    SurveyPage.objects.filter(pk=survey.pk).update(closes_at=timezone.now())
    response = _put(client, survey, body)
    assert response.status_code == 403
    assert response.json() == {"detail": "このアンケートの回答受付は終了しました。"}
    assert client.get(f"/api/v1/surveys/{survey.pk}").json()["is_open"] is False
    assert SurveyResponse.objects.count() == 0


def test_a_survey_for_other_groups_is_404(client: Client, survey: SurveyPage) -> None:
    _signed_in(client, current_region="仙台市")
    survey.audience_groups.set([AudienceGroupFactory(regions="東京都")])
    survey.save()  # a ParentalManyToManyField is written on save
    assert client.get("/api/v1/surveys").json() == {"results": []}
    missing = client.get(f"/api/v1/surveys/{survey.pk}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "アンケートが見つかりません。"}
    assert _put(client, survey, {"version": 1, "answers": {}}).status_code == 404


def test_signed_out_gets_401_in_japanese(client: Client, survey: SurveyPage) -> None:
    response = client.get("/api/v1/surveys")
    assert response.status_code == 401
    assert response.json() == {"detail": "認証情報が含まれていません。"}


def test_put_needs_the_csrf_token(survey: SurveyPage) -> None:
    client = Client(enforce_csrf_checks=True)
    _signed_in(client)
    response = _put(client, survey, {"version": 1, "answers": {}})
    assert response.status_code == 403
    assert SurveyResponse.objects.count() == 0


def test_operations_are_in_the_openapi_schema(client: Client) -> None:
    paths = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {"get"} <= set(paths["/api/v1/surveys"])
    assert {"get"} <= set(paths["/api/v1/surveys/{survey_id}"])
    assert {"get", "put"} <= set(paths["/api/v1/surveys/{survey_id}/response"])
