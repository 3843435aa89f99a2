"""A survey answer in the person's own data: the 「自分のデータ」 section and the engagement
signal, recorded only with their consent to analysis."""

import pytest

from cms.analytics.models import Signal, SignalType
from cms.analytics.my_data import my_data_collect
from tests.groups.factories import AlumnusFactory
from tests.surveys.test_survey_response_save import _ids, _save, _survey, _valid

pytestmark = pytest.mark.django_db


def test_an_answer_is_a_signal_only_for_someone_who_agreed_to_analysis() -> None:
    survey = _survey()
    _number, questions = _ids(survey)
    agreed = AlumnusFactory(consent_analytics=True)
    declined = AlumnusFactory(consent_analytics=False)
    _save(survey, agreed, _valid(questions))
    _save(survey, declined, _valid(questions))
    recorded = Signal.objects.filter(type=SignalType.SURVEY_ANSWERED)
    assert list(recorded.values_list("alumnus_id", "content_id")) == [(agreed.pk, survey.pk)]


def test_my_data_lists_each_answer_with_the_labels_i_saw() -> None:
    survey = _survey()
    _number, questions = _ids(survey)
    alumnus = AlumnusFactory()
    _save(survey, alumnus, _valid(questions), targeting_consent=[questions[5]["id"]])
    sections = {s["key"]: s for s in my_data_collect(alumnus=alumnus)["sections"]}
    answers = sections["survey_answers"]
    assert answers["purpose"] and answers["retention"]
    (record,) = answers["records"]
    rows = {row["name"]: row["value"] for row in record}
    assert rows["アンケート"] == survey.title
    assert rows["子育てや介護と両立できる制度は必要ですか"] == "必要"
    assert rows["必要な配慮"] == "送迎の時間に配慮がほしい"
    assert rows["給与"] == "5（情報提供への利用に同意）"
