"""The survey answers' part of 「自分のデータ」: each response as the person gave it, with the
labels of the version they answered."""

from typing import Any

from cms.alumni.export import jst_datetime
from cms.alumni.models import Alumnus
from cms.analytics.my_data import MyDataSection, described_section, my_data_provider, my_data_row

from .models import SurveyResponse


def answer_text(question: dict[str, Any], value: Any) -> str:
    """One answer in words: option labels for choices, the value itself otherwise."""
    labels = {option["id"]: option["label"] for option in question.get("options", [])}
    if isinstance(value, list):
        return "、".join(labels.get(str(v), str(v)) for v in value)
    if labels:
        return labels.get(str(value), str(value))
    return str(value)


@my_data_provider
def _survey_answers(alumnus: Alumnus) -> list[MyDataSection]:
    responses = (
        SurveyResponse.objects.filter(alumnus=alumnus)
        .select_related("survey", "version")
        .order_by("submitted_at")
    )
    records = []
    for response in responses:
        rows = [
            my_data_row("アンケート", response.survey.title),
            my_data_row("回答日時", jst_datetime(response.updated_at)),
        ]
        consented = set(response.targeting_consent)
        for question in response.version.questions:
            if question["id"] in response.answers:
                text = answer_text(question, response.answers[question["id"]])
                if question["id"] in consented:
                    text += "（情報提供への利用に同意）"
                rows.append(my_data_row(question["label"], text))
        records.append(rows)
    return [
        described_section("survey_answers", "surveys.SurveyResponse", "アンケートへの回答", records)
    ]
