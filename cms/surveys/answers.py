"""The rules an answer set must keep for one version's questions (no database): option ids,
number and date parsing (和暦 too), required questions and conditions.

A question hidden by its condition is not asked: an answer sent for it is dropped, not refused,
because the app keeps answers in memory while the person changes an earlier one, and refusing
would make them clear a question they can no longer see. A hidden required question is not
required.
"""

import datetime as dt
import math
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from cms.alumni.normalise import parse_japanese_date

from .blocks import DATE, LONG_TEXT, MULTIPLE, NUMBER, SCALE, SHORT_TEXT, SINGLE
from .errors import SurveyAnswersInvalid

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 4000
NUMBER_LIMIT = Decimal(10) ** 12

REQUIRED = "この質問には回答が必要です。"
CHOOSE = "選択肢から選んでください。"
UNKNOWN = "このアンケートにない質問です。"
NUMBER_INVALID = "数値で入力してください（例: 3、2.5）。"
DATE_INVALID = "日付で入力してください（例: 2025-04-01、令和7年4月1日、R7.4.1）。"
TEXT_INVALID = "文字で入力してください。"


class _Invalid(ValueError):
    pass


def _is_empty(value: Any) -> bool:
    return value is None or value in ("", []) or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise _Invalid(NUMBER_INVALID)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise _Invalid(NUMBER_INVALID)
        number = Decimal(str(value))
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _Invalid(NUMBER_INVALID) from None
        if not number.is_finite():
            raise _Invalid(NUMBER_INVALID)
    else:
        raise _Invalid(NUMBER_INVALID)
    if abs(number) >= NUMBER_LIMIT:
        raise _Invalid("数値が大きすぎます。")
    return int(number) if number == number.to_integral_value() else float(number)


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(DATE_INVALID)
    try:
        day = parse_japanese_date(value)
    except ValueError as exc:
        message = str(exc)
        raise _Invalid(f"{message}。" if message.endswith("です") else DATE_INVALID) from None
    if not dt.date(1900, 1, 1) <= day <= dt.date(2200, 12, 31):
        raise _Invalid(DATE_INVALID)
    return day.isoformat()


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise _Invalid(TEXT_INVALID)
    text = value.strip()
    if len(text) > limit:
        raise _Invalid(f"{limit}字以内で入力してください。")
    return text


def _value(question: Mapping[str, Any], value: Any) -> Any:
    """The answer to one question as stored, or _Invalid with the message the person sees."""
    kind = question["type"]
    option_ids = [option["id"] for option in question["options"]]
    if kind in (SINGLE, SCALE):
        if not isinstance(value, str) or value not in option_ids:
            raise _Invalid(CHOOSE)
        return value
    if kind == MULTIPLE:
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item in option_ids for item in value
        ):
            raise _Invalid(CHOOSE)
        chosen = set(value)
        return [option_id for option_id in option_ids if option_id in chosen]  # display order
    if kind == NUMBER:
        return _number(value)
    if kind == DATE:
        return _date(value)
    if kind == SHORT_TEXT:
        return _text(value, SHORT_TEXT_MAX)
    if kind == LONG_TEXT:
        return _text(value, LONG_TEXT_MAX)
    raise _Invalid(UNKNOWN)


def question_shown(question: Mapping[str, Any], answered: Mapping[str, Any]) -> bool:
    """Whether the question is asked, given the answers kept so far (earlier questions only:
    a condition always names an earlier question, and a hidden one has no answer kept)."""
    condition = question.get("condition")
    if not condition:
        return True
    answer = answered.get(condition["question"])
    chosen = answer if isinstance(answer, list) else [answer]
    return any(option_id in chosen for option_id in condition["options"])


def answers_clean(
    *, questions: Sequence[Mapping[str, Any]], answers: Any, targeting_consent: Any
) -> tuple[dict[str, Any], list[str]]:
    """The answers and consents to store for `questions` (a version's schema), or
    SurveyAnswersInvalid with the Japanese messages by question id."""
    if not isinstance(answers, Mapping):
        raise SurveyAnswersInvalid({"answers": ["回答の形式が正しくありません。"]})
    if not isinstance(targeting_consent, list) or not all(
        isinstance(item, str) for item in targeting_consent
    ):
        raise SurveyAnswersInvalid({"targeting_consent": ["同意の形式が正しくありません。"]})
    errors: dict[str, list[str]] = {}
    known = {question["id"] for question in questions}
    for key in answers:
        if key not in known:
            errors[str(key)] = [UNKNOWN]
    kept: dict[str, Any] = {}
    for question in questions:
        qid = question["id"]
        if not question_shown(question, kept):
            continue  # hidden: not asked, an answer sent anyway is dropped
        value = answers.get(qid)
        if _is_empty(value):
            if question["required"]:
                errors[qid] = [REQUIRED]
            continue
        try:
            kept[qid] = _value(question, value)
        except _Invalid as exc:
            errors[qid] = [str(exc)]
    if errors:
        raise SurveyAnswersInvalid(errors)
    targeting = {question["id"] for question in questions if question.get("targeting")}
    consent = [qid for qid in dict.fromkeys(targeting_consent) if qid in targeting and qid in kept]
    return kept, consent
