"""Exports of survey responses: CP932 lists what it replaced, the XLSX re-opens with the right
types and a questionnaire sheet, UTF-8 CSV has its BOM. (That 1,000 responses across six live
edits are exported without losing or shifting an answer is checked in test_live_edit.py, on the
same run that checks what was stored.)"""

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cms.surveys.exports import (
    cp932_safe,
    export_csv_cp932,
    export_csv_utf8,
    export_table,
    export_xlsx,
)
from cms.surveys.models import SurveyPage
from cms.surveys.results import (
    CatalogueOption,
    CatalogueQuestion,
    ResponseRecord,
    survey_catalogue,
    survey_response_records,
)
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.groups.factories import AlumnusFactory
from tests.surveys.factories import (
    SurveyPageFactory,
    make_site,
    question,
    survey_edit_publish,
)

pytestmark = pytest.mark.django_db

HARD_TEXT = "髙﨑①〜–☑😀"


def test_cp932_keeps_what_it_can_and_lists_every_replaced_character() -> None:
    text, replaced = cp932_safe(HARD_TEXT)

    # 〜 (U+301C) is written as CP932's 0x8160, which Windows shows as ～ (U+FF5E).
    assert text == "髙﨑①〜〓〓〓"
    assert replaced == {"–": "〓", "☑": "〓", "😀": "〓"}
    assert text.encode("cp932").decode("cp932") == "髙﨑①～〓〓〓"


def _survey() -> SurveyPage:
    return SurveyPageFactory(
        parent=make_site(),
        title="カムバック採用に関するアンケート",
        questions=[
            question("single", "関心はありますか", ["ある", "ない"]),
            question("multiple", "希望する勤務地", ["仙台市内", "仙南", "県北"]),
            question("scale", "給与をどの程度重視しますか", ["1", "2", "3", "4", "5"]),
            question("number", "民間で働いた年数", required=False),
            question("date", "勤務を始められる日", required=False),
            question("long_text", "ご意見", required=False),
        ],
        opens_at=timezone.now() - dt.timedelta(days=1),
    )


def _answer(survey: SurveyPage, alumnus: Any, **answers_by_index: Any) -> None:
    version = survey_current_version(survey=survey)
    assert version is not None
    ids = [q["id"] for q in version.questions]
    options = [[o["id"] for o in q["options"]] for q in version.questions]
    answers: dict[str, Any] = {}
    for key, given in answers_by_index.items():
        index = int(key[1:])
        value = given
        if index in (0, 2):
            value = options[index][given]
        elif index == 1:
            value = [options[1][i] for i in given]
        answers[ids[index]] = value
    survey_response_save(
        survey=survey,
        alumnus=alumnus,
        version_number=version.number,
        answers=answers,
        targeting_consent=[],
    )


def _filled_survey() -> SurveyPage:
    survey = _survey()
    _answer(
        survey,
        AlumnusFactory(),
        q0=0,
        q1=[0, 2],
        q2=4,
        q3=12.5,
        q4="令和9年4月1日",
        q5=HARD_TEXT,
    )
    _answer(survey, AlumnusFactory(), q0=1, q1=[1], q2=0, q3=3, q5="=SUM(A1:A2)")
    return survey


def _export(survey: SurveyPage, writer: Any) -> Any:
    return writer(
        title=survey.title,
        catalogue=survey_catalogue(survey=survey),
        records=survey_response_records(survey=survey),
    )


def test_cp932_csv_replaces_what_it_cannot_encode_and_says_which() -> None:
    survey = _filled_survey()

    exported = _export(survey, export_csv_cp932)

    text = exported.content.decode("cp932")
    assert "髙﨑①～〓〓〓" in text
    assert exported.replaced == {"–": "〓", "☑": "〓", "😀": "〓"}
    assert exported.replaced_text == "–→〓、☑→〓、😀→〓"
    assert exported.filename.endswith(".csv")


def test_utf8_csv_starts_with_a_bom_and_keeps_every_character() -> None:
    survey = _filled_survey()

    exported = _export(survey, export_csv_utf8)

    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert HARD_TEXT in rows[1]
    assert "'=SUM(A1:A2)" in rows[2]  # a formula is never run by Excel
    heading = rows[0]
    assert "問2 希望する勤務地：県北" in heading
    assert rows[1][heading.index("問2 希望する勤務地：県北")] == "1"
    assert rows[2][heading.index("問2 希望する勤務地：県北")] == "0"


def test_xlsx_reopens_with_numbers_dates_and_one_column_per_option() -> None:
    survey = _filled_survey()

    exported = _export(survey, export_xlsx)

    book = load_workbook(io.BytesIO(exported.content))
    sheet = book["回答"]
    heading = [cell.value for cell in sheet[1]]
    first = {h: cell.value for h, cell in zip(heading, sheet[2], strict=True)}
    second = {h: cell.value for h, cell in zip(heading, sheet[3], strict=True)}
    assert first["回答した版"] == 1 and isinstance(first["回答した版"], int)
    assert isinstance(first["最初の回答日時"], dt.datetime)
    assert first["問1 関心はありますか"] == "ある"
    assert [first[f"問2 希望する勤務地：{p}"] for p in ("仙台市内", "仙南", "県北")] == [1, 0, 1]
    assert first["問3 給与をどの程度重視しますか（1〜5）"] == 5
    assert first["問4 民間で働いた年数"] == 12.5
    assert second["問4 民間で働いた年数"] == 3 and isinstance(second["問4 民間で働いた年数"], int)
    assert first["問5 勤務を始められる日"] == dt.datetime(2027, 4, 1)  # a real date cell
    assert sheet.cell(row=2, column=heading.index("問5 勤務を始められる日") + 1).is_date
    assert second["問5 勤務を始められる日"] is None
    assert first["問6 ご意見"] == HARD_TEXT
    assert second["問6 ご意見"] == "=SUM(A1:A2)"
    assert sheet.cell(row=3, column=heading.index("問6 ご意見") + 1).data_type == "s"
    assert "質問票" in book.sheetnames


def test_a_removed_option_stays_in_the_exports_under_its_last_label() -> None:
    survey = _filled_survey()

    def relabel(raw: list[dict[str, Any]]) -> None:
        raw[1]["value"]["options"][2]["value"] = "県北地域"

    survey_edit_publish(survey, relabel)
    survey_edit_publish(survey, lambda raw: raw[1]["value"]["options"].pop(2))

    exported = _export(survey, export_xlsx)

    book = load_workbook(io.BytesIO(exported.content))
    heading = [cell.value for cell in book["回答"][1]]
    assert "問2 希望する勤務地：県北地域" in heading
    assert (
        book["回答"].cell(row=2, column=heading.index("問2 希望する勤務地：県北地域") + 1).value
        == 1
    )
    rows = [[cell.value for cell in row] for row in book["質問票"].iter_rows()]
    assert ["問2-3", "県北地域", "選択肢", "第1版〜第2版", "いいえ（削除済み）"] in rows
    assert ["問2-1", "仙台市内", "選択肢", "第1版〜第3版", "はい"] in rows


def test_an_unanswered_multiple_choice_is_empty_not_zero() -> None:
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    catalogue = [
        CatalogueQuestion(
            "m",
            "multiple",
            "勤務地",
            (1,),
            (CatalogueOption("a", "仙台市内", (1,)), CatalogueOption("b", "仙南", (1,))),
        )
    ]
    skipped = ResponseRecord(1, 1, 1, {}, at, at, offered={"m": ("a", "b")})
    answered = ResponseRecord(2, 2, 1, {"m": ["b"]}, at, at, offered={"m": ("a", "b")})

    _, rows = export_table(catalogue=catalogue, records=[skipped, answered])

    assert rows[0][-2:] == [None, None]
    assert rows[1][-2:] == [0, 1]
