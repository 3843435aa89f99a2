"""survey_response_save: the version's rules (options, numbers, dates in 和暦, required,
conditions), the window and the audience, enforced on the server."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cms.surveys.errors import (
    SurveyAnswersInvalid,
    SurveyNotFound,
    SurveyNotOpen,
    SurveyVersionOutdated,
)
from cms.surveys.models import SurveyPage, SurveyResponse
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory
from tests.surveys.factories import SurveyPageFactory, make_site, question, survey_edit_publish
from tests.surveys.factories import relabel as relabel_question

pytestmark = pytest.mark.django_db


def _survey(**fields: Any) -> SurveyPage:
    survey: SurveyPage = SurveyPageFactory(
        parent=make_site(),
        questions=[
            question("single", "子育てや介護と両立できる制度は必要ですか", ["必要", "必要ない"]),
            question(
                "long_text",
                "必要な配慮",
                show_if_question="子育てや介護と両立できる制度は必要ですか",
                show_if_answers="必要",
            ),
            question("multiple", "知りたい情報", ["日程", "給与", "勤務地"], required=False),
            question("number", "民間で働いた年数", required=False),
            question("date", "勤務を始められる日", required=False),
            question("scale", "給与", ["1", "2", "3", "4", "5"], targeting=True),
        ],
        **fields,
    )
    return survey


def _ids(survey: SurveyPage) -> tuple[int, list[dict[str, Any]]]:
    version = survey_current_version(survey=survey)
    assert version is not None
    return version.number, version.questions


def _save(survey: SurveyPage, alumnus: Any, answers: dict[str, Any], **kw: Any) -> Any:
    number, _ = _ids(survey)
    return survey_response_save(
        survey=survey,
        alumnus=alumnus,
        version_number=kw.pop("version_number", number),
        answers=answers,
        targeting_consent=kw.pop("targeting_consent", []),
        **kw,
    )


def _valid(questions: list[dict[str, Any]], need: bool = True) -> dict[str, Any]:
    single, care, _multiple, _number, _date, scale = questions
    answers = {
        single["id"]: single["options"][0 if need else 1]["id"],
        scale["id"]: scale["options"][4]["id"],
    }
    if need:
        answers[care["id"]] = "送迎の時間に配慮がほしい"
    return answers


def test_a_valid_response_is_stored_with_its_version_and_replaced_later() -> None:
    survey = _survey()
    alumnus = AlumnusFactory()
    number, questions = _ids(survey)
    first, created = _save(survey, alumnus, _valid(questions))
    assert created and first.version.number == number
    again, created_again = _save(survey, alumnus, _valid(questions, need=False))
    assert not created_again and again.pk == first.pk
    assert questions[1]["id"] not in again.answers
    assert SurveyResponse.objects.count() == 1


def test_required_question_left_empty_is_refused_with_a_japanese_error() -> None:
    survey = _survey()
    _number, questions = _ids(survey)
    answers = _valid(questions)
    del answers[questions[5]["id"]]
    with pytest.raises(SurveyAnswersInvalid) as refused:
        _save(survey, AlumnusFactory(), answers)
    assert refused.value.errors == {questions[5]["id"]: ["この質問には回答が必要です。"]}
    assert SurveyResponse.objects.count() == 0


def test_condition_makes_the_shown_question_required_and_drops_a_hidden_answer() -> None:
    survey = _survey()
    _number, questions = _ids(survey)
    shown_but_empty = _valid(questions)
    del shown_but_empty[questions[1]["id"]]
    with pytest.raises(SurveyAnswersInvalid) as refused:
        _save(survey, AlumnusFactory(), shown_but_empty)
    assert list(refused.value.errors) == [questions[1]["id"]]

    hidden_but_sent = {**_valid(questions, need=False), questions[1]["id"]: "送らないはずの回答"}
    response, _created = _save(survey, AlumnusFactory(), hidden_but_sent)
    assert questions[1]["id"] not in response.answers


@pytest.mark.parametrize(
    ("index", "value", "stored"),
    [
        (2, [], None),
        (3, "１２", 12),
        (3, "2.5", 2.5),
        (3, 7, 7),
        (4, "令和8年4月1日", "2026-04-01"),
        (4, "R8.4.1", "2026-04-01"),
        (4, "2026-04-01", "2026-04-01"),
    ],
)
def test_numbers_and_dates_are_parsed_including_wareki(index: int, value: Any, stored: Any) -> None:
    survey = _survey()
    _number, questions = _ids(survey)
    response, _ = _save(
        survey, AlumnusFactory(), {**_valid(questions), questions[index]["id"]: value}
    )
    assert response.answers.get(questions[index]["id"]) == stored


@pytest.mark.parametrize(
    ("index", "value", "message"),
    [
        (0, "no-such-option", "選択肢から選んでください。"),
        (2, ["no-such-option"], "選択肢から選んでください。"),
        (3, "たくさん", "数値で入力してください（例: 3、2.5）。"),
        (3, True, "数値で入力してください（例: 3、2.5）。"),
        (4, "令和8年2月30日", "存在しない日付です。"),
        (4, "そのうち", "日付で入力してください（例: 2025-04-01、令和7年4月1日、R7.4.1）。"),
    ],
)
def test_bad_values_get_a_japanese_field_error(index: int, value: Any, message: str) -> None:
    survey = _survey()
    _number, questions = _ids(survey)
    with pytest.raises(SurveyAnswersInvalid) as refused:
        _save(survey, AlumnusFactory(), {**_valid(questions), questions[index]["id"]: value})
    assert refused.value.errors == {questions[index]["id"]: [message]}


def test_unknown_question_id_is_refused() -> None:
    survey = _survey()
    _number, questions = _ids(survey)
    with pytest.raises(SurveyAnswersInvalid) as refused:
        _save(survey, AlumnusFactory(), {**_valid(questions), "made-up": "x"})
    assert refused.value.errors == {"made-up": ["このアンケートにない質問です。"]}


def test_targeting_consent_keeps_only_answered_targeting_questions() -> None:
    survey = _survey()
    _number, questions = _ids(survey)
    response, _ = _save(
        survey,
        AlumnusFactory(),
        _valid(questions),
        targeting_consent=[questions[5]["id"], questions[0]["id"], "made-up"],
    )
    assert response.targeting_consent == [questions[5]["id"]]


def test_closed_and_not_yet_open_surveys_refuse() -> None:
    now = timezone.now()
    closed = _survey(closes_at=now - dt.timedelta(minutes=1))
    _number, questions = _ids(closed)
    with pytest.raises(SurveyNotOpen, match="このアンケートの回答受付は終了しました。"):
        _save(closed, AlumnusFactory(), _valid(questions))
    upcoming = _survey(slug="upcoming", opens_at=now + dt.timedelta(days=1))
    _number, questions = _ids(upcoming)
    with pytest.raises(SurveyNotOpen, match="まだ回答を受け付けていません。"):
        _save(upcoming, AlumnusFactory(), _valid(questions))
    assert SurveyResponse.objects.count() == 0


def test_answers_to_an_earlier_version_are_refused_after_a_publish() -> None:
    survey = _survey()
    number, questions = _ids(survey)
    survey_edit_publish(survey, relabel_question(0, "両立できる制度は必要ですか"))
    with pytest.raises(SurveyVersionOutdated):
        _save(survey, AlumnusFactory(), _valid(questions), version_number=number)


def test_someone_outside_the_audience_groups_cannot_answer() -> None:
    survey = _survey()
    survey.audience_groups.set([AudienceGroupFactory(regions="東京都")])
    survey.save()  # a ParentalManyToManyField is written on save
    _number, questions = _ids(survey)
    with pytest.raises(SurveyNotFound):
        _save(survey, AlumnusFactory(current_region="仙台市"), _valid(questions))
    response, _ = _save(survey, AlumnusFactory(current_region="東京都"), _valid(questions))
    assert response.pk


def test_a_publish_without_changes_keeps_the_version() -> None:
    survey = _survey()
    number, _questions = _ids(survey)
    SurveyPage.objects.get(pk=survey.pk).save_revision().publish()
    assert _ids(survey)[0] == number
