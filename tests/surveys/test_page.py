"""A survey's page on the CMS origin answers only GET and HEAD; a POST stores nothing, and the
editor's condition fields refuse what they cannot resolve, in Japanese."""

from typing import Any

import pytest
from django.test import Client

from cms.surveys.blocks import SCALE_DEFAULT_CHOICES, QuestionsBlock, questions_schema
from cms.surveys.models import SurveyPage, SurveyResponse, SurveyVersion
from tests.groups.factories import AlumnusFactory
from tests.surveys.factories import SurveyPageFactory, make_site, question

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey() -> SurveyPage:
    page: SurveyPage = SurveyPageFactory(parent=make_site(), slug="comeback")
    return page


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_page_refuses_anything_but_get_and_head(
    client: Client, survey: SurveyPage, method: str
) -> None:
    alumnus = AlumnusFactory()
    client.force_login(alumnus.user)
    response = getattr(client, method)("/comeback/", {"q": "回答"})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert SurveyResponse.objects.count() == 0
    assert SurveyVersion.objects.filter(survey=survey).count() == 1


def test_page_still_reads(client: Client, survey: SurveyPage) -> None:
    assert client.get("/comeback/").status_code == 200
    assert client.head("/comeback/").status_code == 200


def _message(error: Any) -> str:
    non_block = getattr(error, "non_block_errors", None)
    return str(non_block[0] if non_block else error.messages[0])


def _errors(raw: list[dict[str, object]]) -> dict[int, dict[str, str]]:
    block = QuestionsBlock()
    try:
        block.clean(block.to_python(raw))
    except Exception as exc:  # StreamBlockValidationError
        return {
            index: {name: _message(error) for name, error in err.block_errors.items()}
            for index, err in exc.block_errors.items()  # type: ignore[attr-defined]
        }
    return {}


def test_condition_by_number_or_text_is_accepted() -> None:
    single = question("single", "子育てや介護と両立できる制度は必要ですか", ["必要", "必要ない"])
    by_number = question("long_text", "配慮", show_if_question="1", show_if_answers="必要")
    by_text = question(
        "long_text",
        "配慮",
        show_if_question="子育てや介護と両立できる制度は必要ですか",
        show_if_answers="必要、必要ない",
    )
    assert _errors([single, by_number, by_text]) == {}


@pytest.mark.parametrize(
    ("show_if_question", "show_if_answers", "field", "message"),
    [
        (
            "3",
            "必要",
            "show_if_question",
            "この質問より前にある質問の番号（1、2…）を入力してください。",
        ),
        (
            "存在しない質問",
            "必要",
            "show_if_question",
            "この質問より前に、この質問文の質問がありません。番号（1、2…）か質問文をそのまま入力してください。",
        ),
        ("2", "必要", "show_if_question", "条件には、選択式か5段階評価の質問を指定してください。"),
        ("1", "たぶん", "show_if_answers", "「たぶん」は質問1の選択肢にありません。"),
        ("1", "", "show_if_answers", "どの回答のときに表示するかを入力してください。"),
    ],
)
def test_condition_that_does_not_resolve_gets_a_field_error(
    show_if_question: str, show_if_answers: str, field: str, message: str
) -> None:
    raw = [
        question("single", "両立できる制度は必要ですか", ["必要", "必要ない"]),
        question("short_text", "職種"),
        question(
            "long_text", "配慮", show_if_question=show_if_question, show_if_answers=show_if_answers
        ),
    ]
    assert _errors(raw) == {2: {field: message}}


def test_repeated_options_get_a_field_error() -> None:
    raw = [question("single", "両立できる制度は必要ですか", ["必要", "必要", "必要ない"])]
    assert _errors(raw) == {0: {"options": "同じ選択肢が2つ以上あります。"}}


def test_a_condition_typed_as_a_number_follows_its_question_when_questions_move() -> None:
    block = QuestionsBlock()
    pay = question("scale", "給与を重視しますか", SCALE_DEFAULT_CHOICES)
    workplace = question("scale", "職場の受け入れを重視しますか", SCALE_DEFAULT_CHOICES)
    wish = question("long_text", "ご要望", show_if_question="2", show_if_answers="重視する")
    saved = block.get_prep_value(block.clean(block.to_python([pay, workplace, wish])))
    for position, child in enumerate(saved):
        child["id"] = child.get("id") or f"q{position}"
    assert saved[2]["value"]["show_if_question"] == "職場の受け入れを重視しますか"

    moved = block.clean(block.to_python([saved[1], saved[0], saved[2]]))  # 職場 moved to the top

    condition = questions_schema(moved)["questions"][2]["condition"]
    assert condition["question"] == saved[1]["id"]  # still 職場の受け入れ, not 給与
